/* Metrics against the reference; see metrics.h. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mpfr.h>

#include "op.h"
#include "metrics.h"
#include "util.h"
#include "verdict.h"

/* x 2^e: a multiplication by an exact power of two (the same correctly
 * rounded result as ldexp, which is several times slower in the per-
 * component loops), ldexp where 2^e is not a normal double. */
static inline double scale2(double x, int e)
{
	if (e < -1022 || e > 1023)
		return ldexp(x, e);
	uint64_t b = (uint64_t)(e + 1023) << 52;
	double p;
	memcpy(&p, &b, sizeof p);
	return x * p;
}

void smx_metrics_init(struct smx_metrics *m)
{
	*m = (struct smx_metrics){.bound_ratio = NAN,
				  .decl_ratio = NAN,
				  .cond_err = NAN,
				  .invariant = NAN,
				  .abs_err = NAN,
				  .logprob_nats = NAN};
}

double smx_metrics_mean_ulp(const struct smx_metrics *m)
{
	return m->comps ? m->sum_ulp / (double)m->comps : NAN;
}

double smx_ref_value(const struct smx_refval *ref)
{
	return ref->cr + scale2(ref->r, ref->e);
}

double smx_ulp_error(const struct smx_refval *ref, double y)
{
	if (isnan(y))
		return INFINITY;
	if (ref->ovf && isfinite(y)) {
		/* From the exact value beyond the range, in ulps of its own
		 * binade: max_finite itself is 1/2 ulp or more away. */
		double m = copysign(smx_dtype_info((smx_dtype)(ref->ovf - 1))->max_finite, ref->cr);
		double d = y - m;
		if (d != 0 && ilogb(d) - ref->e > 1000)
			return 0x1p1000;
		return fabs(scale2(d, -ref->e) - ref->r);
	}
	if (isinf(ref->cr) || isinf(y))
		return y == ref->cr ? 0.0 : INFINITY;
	double d = y - ref->cr;
	if (d == 0)
		return fabs(ref->r);
	if (ilogb(d) - ref->e > 1000)
		return 0x1p1000;
	return fabs(scale2(d, -ref->e) - ref->r);
}

double smx_bound_measure(const struct smx_bound *b, smx_dtype dt, const struct smx_refval *ref,
			 double y)
{
	double ulps = smx_ulp_error(ref, y);
	if (b->kind == SMX_BOUND_ULP || !isfinite(ulps))
		return ulps;
	/* |y - s| / (u max(1, |s|)), u = 2^-p; |y - s| = ulps * 2^e. */
	double s = ref->ovf ? smx_dtype_info((smx_dtype)(ref->ovf - 1))->max_finite
			    : fabs(smx_ref_value(ref));
	int p = smx_dtype_prec(dt);
	return ldexp(ulps, ref->e + p) / (s > 1 ? s : 1);
}

/* (1 + t) log1p(t) - t, the generalised KL term divided by y, without the
 * cancellation of the direct formula for small t. */
static double kl_term(double t)
{
	if (fabs(t) < 1e-4) {
		/* sum over k >= 2 of (-1)^k t^k / (k (k - 1)) */
		double t2 = t * t;
		return t2 / 2 - t2 * t / 6 + t2 * t2 / 12 - t2 * t2 * t / 20;
	}
	return (1 + t) * log1p(t) - t;
}

/* Compensated sum (Knuth's two-sum). */
struct dd {
	double hi, lo;
};

static void dd_add(struct dd *a, double b)
{
	double s = a->hi + b, bb = s - a->hi;
	a->lo += (a->hi - (s - bb)) + (b - bb);
	a->hi = s;
}

/* (y - v) / ulp(v), v the exact value behind ref, signed; for finite
 * errors (smx_ulp_error finite). */
static double offset_ulps(const struct smx_refval *ref, double y)
{
	double d = y - ref->cr;
	if (d != 0 && ilogb(d) - ref->e > 1000)
		return copysign(0x1p1000, d);
	return scale2(d, -ref->e) - ref->r;
}

/* e^t - 1 - t without cancellation for small t. */
static double expm1_minus(double t)
{
	if (fabs(t) < 1e-4)
		return t * t / 2 + t * t * t / 6 + t * t * t * t / 24;
	return expm1(t) - t;
}

static void fold_max(double *m, double v);

/* What smx_metrics_row folds over a row besides m. */
struct row_acc {
	double num, den, kl, row_ratio;
	double lp;	     /* log-softmax: max |y - s| in nats, -inf entries included */
	struct dd sum, vsum; /* of the outputs; of the exact values (scaled rows) */
	long double lsum;
	int nan, inf, zero, ref_zero; /* the classifier's facts */
};

/* The row's facts the components are measured with. */
struct row_ctx {
	smx_op op;
	smx_dtype dt;
	const struct smx_bound *bound;
	const double *x, *y;
	const struct smx_refval *ref;
	size_t n, outs; /* inputs and outputs of the row */
	double *errs;
	double u, xmax, bhh, dmax;
	int claimed, finite_row;
	const double *lim; /* a variant's claim per component, or NULL */
	int variant;	   /* under a variant: x is not the row softmax sees */
};

/* Components [i0, i1) of a row, folded into m and a. */
static void row_span(struct smx_metrics *m, struct row_acc *a, const struct row_ctx *c, size_t i0,
		     size_t i1)
{
	const double *x = c->x, *y = c->y;
	const struct smx_refval *ref = c->ref;
	for (size_t i = i0; i < i1; i++) {
		double e = smx_ulp_error(&ref[i], y[i]);
		if (c->errs)
			c->errs[i] = e;
		a->nan |= isnan(y[i]);
		a->inf |= isinf(y[i]) && y[i] != ref[i].cr;
		a->zero &= y[i] == 0;
		a->ref_zero &= ref[i].cr == 0 && ref[i].r == 0;
		double s = smx_ref_value(&ref[i]);
		if (c->op == SMX_OP_LOGSOFTMAX) {
			double d = isinf(s)	 ? (y[i] == s ? 0 : INFINITY)
				   : isfinite(e) ? scale2(e, ref[i].e)
						 : INFINITY;
			if (!(d <= a->lp))
				a->lp = d;
		}
		if (isfinite(e)) {
			m->comps++;
			m->sum_ulp += e;
		}
		if (e > m->max_ulp || isnan(e))
			m->max_ulp = e;
		if (smx_op_info(c->op)->cond == SMX_COND_ABS)
			fold_max(&m->cond_err,
				 smx_cond_units(c->dt, e, ref[i].e, fmax(1, fabs(s))));
		if (c->claimed) {
			double d = c->outs == c->n && isfinite(x[i]) ? c->xmax - x[i] : 0;
			double lim = c->lim ? c->lim[i] : smx_bound_at(c->bound, c->n, d, c->dmax);
			double r = smx_bound_measure(c->bound, c->dt, &ref[i], y[i]) / lim;
			if (!(r <= a->row_ratio))
				a->row_ratio = r;
			if (isnan(m->decl_ratio) || !(r <= m->decl_ratio))
				m->decl_ratio = r;
		}
		if (isinf(s))
			continue;
		/* Errors from the exact value: |y - s| = e ulps of 2^ref.e, and
		 * |s| / 2^ref.e from the rounded value and its offset. */
		double err = isfinite(e) ? scale2(e, ref[i].e) : INFINITY;
		double s_ulps = fabs(scale2(ref[i].cr, -ref[i].e) + ref[i].r);
		double off = isfinite(e) ? offset_ulps(&ref[i], y[i]) : NAN;
		if (s != 0) {
			double rel = isfinite(e) ? e / s_ulps : INFINITY;
			if (!(rel <= m->max_rel))
				m->max_rel = rel;
			int normal = fabs(s) >= ldexp(1.0, smx_dtype_info(c->dt)->emin);
			if (normal && !(rel <= m->max_rel_normal))
				m->max_rel_normal = rel;
			if (smx_op_info(c->op)->bhh && c->finite_row && normal && !c->variant) {
				double br = rel / (c->bhh * c->u);
				if (isnan(m->bound_ratio) || !(br <= m->bound_ratio))
					m->bound_ratio = br;
			}
		}
		a->num = err > a->num || isnan(err) ? err : a->num;
		a->den = fabs(s) > a->den ? fabs(s) : a->den;
		if (smx_op_info(c->op)->sum == SMX_SUM_ONE) {
			dd_add(&a->sum, y[i]);
			dd_add(&a->vsum, s);
			/* A zero where the exact value rounds to zero costs
			 * nothing; where it does not, KL is infinite. */
			if (y[i] > 0)
				a->kl += s > 0 && isfinite(off)
					     ? y[i] * kl_term(-off / scale2(y[i], -ref[i].e))
					     : y[i];
			else if (ref[i].cr != 0)
				a->kl = INFINITY;
		} else if (smx_op_info(c->op)->sum == SMX_SUM_EXP) {
			/* e^s (e^(y - s) - 1 - (y - s)), y - s from the exact offset. */
			a->lsum += expl((long double)y[i]);
			a->kl +=
			    isfinite(off) ? exp(s) * expm1_minus(scale2(off, ref[i].e)) : INFINITY;
		}
	}
}

/* Rows this long are measured in spans in parallel, and the spans folded
 * in order: the result does not depend on the thread count (sums associate
 * per span). */
#define SPAN_MIN SMX_METRICS_SPAN_MIN
#define SPAN SMX_METRICS_SPAN

/* One span's share of a row. */
struct span_out {
	struct smx_metrics m;
	struct row_acc a;
};

/* A whole row's arrays as a span source. */
struct whole_row {
	const double *x, *y;
	const struct smx_refval *ref;
	int per_input; /* one output per input: x follows the span */
};

static int whole_row_src(void *arg, size_t i0, size_t len, const double **x, const double **y,
			 const struct smx_refval **ref, void *scratch)
{
	(void)len;
	(void)scratch;
	const struct whole_row *w = arg;
	*x = w->per_input ? w->x + i0 : w->x;
	*y = w->y + i0;
	*ref = w->ref + i0;
	return 0;
}

static void fold_span(struct smx_metrics *m, struct row_acc *a, const struct span_out *p)
{
	m->comps += p->m.comps;
	m->sum_ulp += p->m.sum_ulp;
	if (p->m.max_ulp > m->max_ulp || isnan(p->m.max_ulp))
		m->max_ulp = p->m.max_ulp;
	if (!isnan(p->m.decl_ratio))
		fold_max(&m->decl_ratio, p->m.decl_ratio);
	if (!(p->m.max_rel <= m->max_rel))
		m->max_rel = p->m.max_rel;
	if (!(p->m.max_rel_normal <= m->max_rel_normal))
		m->max_rel_normal = p->m.max_rel_normal;
	if (!isnan(p->m.bound_ratio))
		fold_max(&m->bound_ratio, p->m.bound_ratio);
	if (!(p->a.row_ratio <= a->row_ratio))
		a->row_ratio = p->a.row_ratio;
	a->num = p->a.num > a->num || isnan(p->a.num) ? p->a.num : a->num;
	a->den = p->a.den > a->den ? p->a.den : a->den;
	if (!(p->a.lp <= a->lp))
		a->lp = p->a.lp;
	a->kl += p->a.kl;
	dd_add(&a->sum, p->a.sum.hi);
	dd_add(&a->sum, p->a.sum.lo);
	dd_add(&a->vsum, p->a.vsum.hi);
	dd_add(&a->vsum, p->a.vsum.lo);
	a->lsum += p->a.lsum;
	a->nan |= p->a.nan;
	a->inf |= p->a.inf;
	a->zero &= p->a.zero;
	a->ref_zero &= p->a.ref_zero;
}

/* The row's spans from src, measured in parallel (each thread with its own
 * scratch of the given bytes) and folded in order into m and a; -1 (m and
 * a untouched) when src fails on a span. */
static int row_spans(struct smx_metrics *m, struct row_acc *a, const struct row_ctx *c,
		     smx_span_src src, void *arg, size_t scratch)
{
	size_t nb = (c->outs + SPAN - 1) / SPAN;
	struct span_out *po = smx_alloc(nb, sizeof *po);
	long lnb = (long)nb;
	int fail = 0;
#pragma omp parallel reduction(|| : fail)
	{
		void *buf = scratch ? smx_alloc(1, scratch) : NULL;
#pragma omp for schedule(static)
		for (long b = 0; b < lnb; b++) {
			size_t i0 = (size_t)b * SPAN,
			       len = i0 + SPAN < c->outs ? SPAN : c->outs - i0;
			struct row_ctx cb = *c;
			if (src(arg, i0, len, &cb.x, &cb.y, &cb.ref, buf)) {
				fail = 1;
				continue;
			}
			cb.errs = c->errs ? c->errs + i0 : NULL;
			cb.lim = c->lim ? c->lim + i0 : NULL;
			smx_metrics_init(&po[b].m);
			po[b].a =
			    (struct row_acc){.row_ratio = a->row_ratio, .zero = 1, .ref_zero = 1};
			row_span(&po[b].m, &po[b].a, &cb, 0, len);
		}
		free(buf);
	}
	for (size_t b = 0; b < nb && !fail; b++)
		fold_span(m, a, &po[b]);
	free(po);
	return fail ? -1 : 0;
}

void smx_row_scan_init(struct smx_row_scan *s)
{
	*s = (struct smx_row_scan){-INFINITY, INFINITY, 1, 1};
}

void smx_row_scan_merge(struct smx_row_scan *s, const struct smx_row_scan *o)
{
	s->xmax = o->xmax > s->xmax ? o->xmax : s->xmax;
	s->xmin = o->xmin < s->xmin ? o->xmin : s->xmin;
	s->in_domain = s->in_domain && o->in_domain;
	s->finite_row = s->finite_row && o->finite_row;
}

void smx_row_scan_add(struct smx_row_scan *s, const struct smx_bound *bound, const double *x,
		      size_t n)
{
	double xmax = s->xmax, xmin = s->xmin;
	int in_domain = s->in_domain, finite_row = s->finite_row;
	long ln = (long)n;
	/* Exact reductions: the same for any thread count. A finite row may
	 * hold -inf (masked) entries, not +inf or NaN. */
#pragma omp parallel for reduction(max : xmax) reduction(min : xmin)                              \
    reduction(&& : in_domain, finite_row) if (n >= SPAN_MIN)
	for (long i = 0; i < ln; i++) {
		if (isfinite(x[i])) {
			xmax = x[i] > xmax ? x[i] : xmax;
			xmin = x[i] < xmin ? x[i] : xmin;
		}
		if (bound && bound->domain > 0)
			in_domain = in_domain && (fabs(x[i]) <= bound->domain || x[i] == -INFINITY);
		finite_row = finite_row && (isfinite(x[i]) || x[i] == -INFINITY);
	}
	*s = (struct smx_row_scan){xmax, xmin, in_domain, finite_row};
}

/* A row with a defined reference: the components from src (spans) or from
 * w (a row of fewer than SPAN_MIN outputs), then the row's measures.
 * scaled: the outputs are p S (smx_metrics_row_scaled). */
static int fold_row(struct smx_metrics *m, smx_op op, smx_dtype dt, const struct smx_bound *bound,
		    const struct smx_row_scan *sc, size_t n, const struct whole_row *w,
		    smx_span_src src, void *arg, size_t scratch, double *errs,
		    const struct smx_row_claim *vc, int scaled)
{
	int p = smx_dtype_prec(dt);
	double u = ldexp(1.0, -p);
	int claimed = vc ? bound && vc->lim : bound && sc->in_domain && sc->finite_row;
	/* Blanchard, Higham & Higham (2021): shifted softmax satisfies
	 * |y_i - s_i| <= (n + 2 + 2 (x_max - x_min)) u s_i to first order. */
	double bhh = (double)(n + 2) + 2 * (sc->xmax - sc->xmin);
	size_t outs = smx_op_out_len(op, n);
	struct row_ctx ctx = {op,
			      dt,
			      bound,
			      w ? w->x : NULL,
			      w ? w->y : NULL,
			      w ? w->ref : NULL,
			      n,
			      outs,
			      errs,
			      u,
			      sc->xmax,
			      bhh,
			      sc->xmax - sc->xmin,
			      claimed,
			      sc->finite_row,
			      vc ? vc->lim : NULL,
			      vc != NULL};
	struct row_acc acc = {.row_ratio = claimed ? 0 : NAN, .zero = outs > 0, .ref_zero = 1};
	if (outs < SPAN_MIN)
		row_span(m, &acc, &ctx, 0, outs);
	else if (row_spans(m, &acc, &ctx, src, arg, scratch))
		return -1;
	m->rows++;
	enum smx_outcome o = smx_classify_facts(op, SMX_REF_OK, acc.nan, acc.inf, acc.zero,
						acc.ref_zero, acc.row_ratio);
	/* With a sink every output may round to zero: the claim judges. */
	if (o == SMX_OUT_ZERO && vc && !vc->sum_one)
		o = acc.row_ratio > 1 ? SMX_OUT_WRONG : SMX_OUT_OK;
	m->nan_rows += o == SMX_OUT_NAN;
	m->inf_rows += o == SMX_OUT_INF;
	m->zero_rows += o == SMX_OUT_ZERO;
	m->wrong_rows += o == SMX_OUT_WRONG;
	m->unclaimed_bad_rows += bound && !claimed && o != SMX_OUT_OK;
	m->pinf_nan_rows += o == SMX_OUT_NAN && !sc->finite_row;
	m->neginf_nan_rows += o == SMX_OUT_NAN && n > 0 && sc->xmax == -INFINITY;
	double nr = acc.den > 0 ? acc.num / acc.den : 0;
	if (!(nr <= m->norm_rel))
		m->norm_rel = nr;
	if (!(acc.kl <= m->kl))
		m->kl = acc.kl;
	if (op == SMX_OP_LOGSOFTMAX)
		fold_max(&m->logprob_nats, acc.lp);
	/* A single output, a log (lse): its absolute error is in nats. */
	if (smx_op_info(op)->out == SMX_LEN_ONE)
		fold_max(&m->abs_err, acc.num);
	double eps = ldexp(1.0, 1 - p);
	enum smx_sum sk = smx_op_info(op)->sum;
	if (scaled && sk == SMX_SUM_ONE) {
		/* The exact outputs sum to S: the sum and KL of y / S. */
		double S = acc.vsum.hi + acc.vsum.lo;
		acc.sum.hi /= S;
		acc.sum.lo /= S;
		acc.kl /= S;
	}
	double se = sk == SMX_SUM_ONE	? fabs((acc.sum.hi - 1) + acc.sum.lo) / eps
		    : sk == SMX_SUM_EXP ? (double)fabsl(acc.lsum - 1) / eps
					: NAN;
	if (sk == SMX_SUM_NONE) /* not a distribution: no sum, no KL */
		m->kl = m->sum_err = NAN;
	else if (n > 0 && !(vc && !vc->sum_one) && !(se <= m->sum_err))
		m->sum_err = se;
	return 0;
}

void smx_metrics_row(struct smx_metrics *m, smx_op op, smx_dtype dt, const struct smx_bound *bound,
		     const double *x, const double *y, const struct smx_refval *ref, int status,
		     size_t n, double *errs)
{
	smx_metrics_row_claim(m, op, dt, bound, x, y, ref, status, n, errs, NULL);
}

void smx_metrics_row_claim(struct smx_metrics *m, smx_op op, smx_dtype dt,
			   const struct smx_bound *bound, const double *x, const double *y,
			   const struct smx_refval *ref, int status, size_t n, double *errs,
			   const struct smx_row_claim *vc)
{
	if (status != SMX_REF_OK) {
		m->undefined_rows++;
		return;
	}
	struct smx_row_scan sc;
	smx_row_scan_init(&sc);
	smx_row_scan_add(&sc, bound, x, n);
	struct whole_row w = {x, y, ref, smx_op_out_len(op, n) == n};
	fold_row(m, op, dt, bound, &sc, n, &w, whole_row_src, &w, 0, errs, vc, 0);
}

void smx_metrics_row_scaled(struct smx_metrics *m, smx_op op, smx_dtype out,
			    const struct smx_bound *bound, const double *x, const double *y,
			    const struct smx_refval *ref, int status, size_t n, double *errs,
			    int scaled)
{
	if (status != SMX_REF_OK) {
		m->undefined_rows++;
		return;
	}
	struct smx_row_scan sc;
	smx_row_scan_init(&sc);
	smx_row_scan_add(&sc, bound, x, n);
	struct whole_row w = {x, y, ref, 1};
	fold_row(m, op, out, bound, &sc, n, &w, whole_row_src, &w, 0, errs, NULL, scaled);
}

int smx_metrics_row_spans(struct smx_metrics *m, smx_op op, smx_dtype dt,
			  const struct smx_bound *bound, const struct smx_row_scan *scan, size_t n,
			  smx_span_src src, void *arg, size_t scratch, int scaled)
{
	if (n < SPAN_MIN)
		smx_die("internal: a row of %zu measured in spans", n);
	return fold_row(m, op, dt, bound, scan, n, NULL, src, arg, scratch, NULL, NULL, scaled);
}

double smx_exp_ulp_error(double y, double x, smx_dtype dt)
{
	if (isnan(x) || isnan(y))
		return isnan(x) && isnan(y) ? 0 : INFINITY;
	mpfr_t t;
	mpfr_init2(t, 160);
	mpfr_set_d(t, x, MPFR_RNDN);
	mpfr_exp(t, t, MPFR_RNDN);
	double v = mpfr_get_d(t, MPFR_RNDN);
	double err;
	if (isinf(y) || isinf(v) || mpfr_zero_p(t)) {
		err = y == smx_ref_round(dt, t) ? 0 : INFINITY;
	} else {
		long ex = mpfr_get_exp(t) - smx_dtype_prec(dt), emin = smx_dtype_emin_sub(dt);
		mpfr_sub_d(t, t, y, MPFR_RNDN);
		mpfr_mul_2si(t, t, -(ex < emin ? emin : ex), MPFR_RNDN);
		err = fabs(mpfr_get_d(t, MPFR_RNDN));
	}
	mpfr_clear(t);
	return err;
}

double smx_cond_scale(smx_op op, const double *in, const double *g, size_t n, size_t k,
		      double sum_abs)
{
	switch (smx_op_info(op)->cond) {
	case SMX_COND_JACOBIAN: {
		size_t i = k / n, j = k % n;
		return i == j ? in[i] + in[i] * in[i] : in[i] * in[j];
	}
	case SMX_COND_LSVJP:
		return fabs(g[k]) + exp(in[k]) * sum_abs;
	case SMX_COND_LSJVP:
		return fabs(g[k]) + sum_abs;
	case SMX_COND_ABS:
		return fmax(1, fabs(in[k]));
	case SMX_COND_VJP:
		return fabs(in[k]) * (fabs(g[k]) + sum_abs);
	case SMX_COND_XENT: /* needs the row's softmax: xent_metrics.c */
	case SMX_COND_NONE:
		break;
	}
	return NAN;
}

static void fold_max(double *m, double v)
{
	if (isnan(*m) || !(v <= *m))
		*m = v;
}

double smx_cond_units(smx_dtype dt, double ulps, int e, double scale)
{
	if (ulps == 0)
		return 0;
	if (!isfinite(ulps))
		return INFINITY;
	int p = smx_dtype_prec(dt), emin = smx_dtype_emin_sub(dt);
	/* u * scale < 2^emin exactly when scale < 2^(emin + p), a normal
	 * double for both dtypes: a scale that underflowed lies below it. */
	if (!(scale >= ldexp(1.0, emin + p)))
		return ldexp(ulps, e - emin);
	int sx;
	double sm = frexp(scale, &sx);
	return ldexp(ulps / sm, e + p - sx);
}

void smx_metrics_backward_row(struct smx_metrics *m, smx_op op, smx_dtype dt,
			      const struct smx_bound *bound, const double *in, const double *g,
			      const double *y, const struct smx_refval *ref, int status, size_t n,
			      double *errs)
{
	m->kl = m->sum_err = NAN; /* forward-only measures */
	if (status != SMX_REF_OK) {
		m->undefined_rows++;
		return;
	}
	m->rows++;
	size_t outs = smx_op_out_len(op, n);
	enum smx_cond ck = smx_op_info(op)->cond;
	double sum_abs = 0;
	for (size_t j = 0; j < n && ck != SMX_COND_JACOBIAN; j++)
		sum_abs += ck == SMX_COND_LSVJP	  ? fabs(g[j])
			   : ck == SMX_COND_LSJVP ? exp(in[j]) * fabs(g[j])
						  : fabs(in[j] * g[j]);
	double num = 0, den = 0, scale_total = 0, row_ratio = bound ? 0 : NAN;
	struct dd total = {0, 0};
	for (size_t k = 0; k < outs; k++) {
		double e = smx_ulp_error(&ref[k], y[k]), v = smx_ref_value(&ref[k]);
		if (errs)
			errs[k] = e;
		double scale = smx_cond_scale(op, in, g, n, k, sum_abs);
		double err = isfinite(e) ? scale2(e, ref[k].e) : INFINITY;
		double cond = smx_cond_units(dt, e, ref[k].e, scale);
		fold_max(&m->cond_err, cond);
		if (fabs(v) >= 0x1p-10 * scale) {
			if (isfinite(e)) {
				m->comps++;
				m->sum_ulp += e;
			}
			if (e > m->max_ulp)
				m->max_ulp = e;
			double v_ulps = fabs(scale2(ref[k].cr, -ref[k].e) + ref[k].r);
			if (v != 0 && !(e / v_ulps <= m->max_rel))
				m->max_rel = e / v_ulps;
		}
		if (bound) {
			double lim = smx_bound_at(bound, n, 0, 0);
			double r = (bound->kind == SMX_BOUND_COND ? cond : e) / lim;
			if (!(r <= row_ratio))
				row_ratio = r;
			fold_max(&m->decl_ratio, r);
		}
		num = err > num || isnan(err) ? err : num;
		den = fabs(v) > den ? fabs(v) : den;
		if (ck != SMX_COND_JACOBIAN) { /* weights e^y_k for logsoftmax_jvp */
			double w = ck == SMX_COND_LSJVP ? exp(in[k]) : 1, p = w * y[k];
			dd_add(&total, p);
			dd_add(&total, fma(w, y[k], -p));
			scale_total += w * scale;
		}
	}
	/* The invariants: every row of J sums to 0 (residual in u s_i), and
	 * sum(dx) = 0, or sum(e^y dy) = 0 for logsoftmax_jvp (residual in u
	 * times the summed weighted condition scales; e^y in double adds up to
	 * about one unit in f64), floored like cond_err. */
	double inv = 0;
	if (ck == SMX_COND_JACOBIAN) {
		for (size_t i = 0; i < n; i++) {
			struct dd row = {0, 0};
			for (size_t j = 0; j < n; j++)
				dd_add(&row, y[i * n + j]);
			double w = smx_cond_units(dt, fabs(row.hi + row.lo), 0, in[i]);
			inv = w > inv || isnan(w) ? w : inv;
		}
	} else {
		inv = smx_cond_units(dt, fabs(total.hi + total.lo), 0, scale_total);
	}
	fold_max(&m->invariant, inv);
	enum smx_outcome o = smx_classify(op, status, y, ref, outs, row_ratio);
	m->nan_rows += o == SMX_OUT_NAN;
	m->inf_rows += o == SMX_OUT_INF;
	m->wrong_rows += o == SMX_OUT_WRONG;
	double nr = den > 0 ? num / den : num > 0 ? INFINITY : 0;
	if (!(nr <= m->norm_rel))
		m->norm_rel = nr;
}
