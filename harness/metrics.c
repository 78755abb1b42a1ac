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
	*m = (struct smx_metrics){
	    .bound_ratio = NAN, .decl_ratio = NAN, .cond_err = NAN, .invariant = NAN};
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
	double s = fabs(smx_ref_value(ref));
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
	struct dd sum;
	long double lsum;
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
		double s = smx_ref_value(&ref[i]);
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

/* Rows this long are measured in blocks of SPAN in parallel, and the
 * blocks folded in order: the result does not depend on the thread count
 * (sums associate per block). */
#define SPAN_MIN ((size_t)1 << 16)
#define SPAN ((size_t)1 << 14)

static void row_spans(struct smx_metrics *m, struct row_acc *a, const struct row_ctx *c)
{
	if (c->outs < SPAN_MIN) {
		row_span(m, a, c, 0, c->outs);
		return;
	}
	size_t nb = (c->outs + SPAN - 1) / SPAN;
	struct smx_metrics *pm = smx_alloc(nb, sizeof *pm);
	struct row_acc *pa = smx_alloc(nb, sizeof *pa);
	long lnb = (long)nb;
#pragma omp parallel for schedule(static)
	for (long b = 0; b < lnb; b++) {
		smx_metrics_init(&pm[b]);
		pa[b] = (struct row_acc){.row_ratio = a->row_ratio};
		size_t i0 = (size_t)b * SPAN, i1 = i0 + SPAN < c->outs ? i0 + SPAN : c->outs;
		row_span(&pm[b], &pa[b], c, i0, i1);
	}
	for (size_t b = 0; b < nb; b++) {
		m->comps += pm[b].comps;
		m->sum_ulp += pm[b].sum_ulp;
		if (pm[b].max_ulp > m->max_ulp || isnan(pm[b].max_ulp))
			m->max_ulp = pm[b].max_ulp;
		if (!isnan(pm[b].decl_ratio))
			fold_max(&m->decl_ratio, pm[b].decl_ratio);
		if (!(pm[b].max_rel <= m->max_rel))
			m->max_rel = pm[b].max_rel;
		if (!(pm[b].max_rel_normal <= m->max_rel_normal))
			m->max_rel_normal = pm[b].max_rel_normal;
		if (!isnan(pm[b].bound_ratio))
			fold_max(&m->bound_ratio, pm[b].bound_ratio);
		if (!(pa[b].row_ratio <= a->row_ratio))
			a->row_ratio = pa[b].row_ratio;
		a->num = pa[b].num > a->num || isnan(pa[b].num) ? pa[b].num : a->num;
		a->den = pa[b].den > a->den ? pa[b].den : a->den;
		a->kl += pa[b].kl;
		dd_add(&a->sum, pa[b].sum.hi);
		dd_add(&a->sum, pa[b].sum.lo);
		a->lsum += pa[b].lsum;
	}
	free(pm);
	free(pa);
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
	m->rows++;
	int p = smx_dtype_prec(dt);
	double u = ldexp(1.0, -p);
	double xmax = -INFINITY, xmin = INFINITY;
	int in_domain = 1, finite_row = 1;
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
	int claimed = vc ? bound && vc->lim : bound && in_domain && finite_row;
	/* Blanchard, Higham & Higham (2021): shifted softmax satisfies
	 * |y_i - s_i| <= (n + 2 + 2 (x_max - x_min)) u s_i to first order. */
	double bhh = (double)(n + 2) + 2 * (xmax - xmin);
	size_t outs = smx_op_out_len(op, n);
	struct row_ctx ctx = {
	    op,	       dt, bound, x,   y,	    ref,     n,		 outs,
	    errs,      u,  xmax,  bhh, xmax - xmin, claimed, finite_row, vc ? vc->lim : NULL,
	    vc != NULL};
	struct row_acc acc = {.row_ratio = claimed ? 0 : NAN};
	row_spans(m, &acc, &ctx);
	enum smx_outcome o = smx_classify(op, status, y, ref, outs, acc.row_ratio);
	/* With a sink every output may round to zero: the claim judges. */
	if (o == SMX_OUT_ZERO && vc && !vc->sum_one && status == SMX_REF_OK)
		o = acc.row_ratio > 1 ? SMX_OUT_WRONG : SMX_OUT_OK;
	m->nan_rows += o == SMX_OUT_NAN;
	m->inf_rows += o == SMX_OUT_INF;
	m->zero_rows += o == SMX_OUT_ZERO;
	m->wrong_rows += o == SMX_OUT_WRONG;
	m->unclaimed_bad_rows += bound && !claimed && o != SMX_OUT_OK;
	double nr = acc.den > 0 ? acc.num / acc.den : 0;
	if (!(nr <= m->norm_rel))
		m->norm_rel = nr;
	if (!(acc.kl <= m->kl))
		m->kl = acc.kl;
	double eps = ldexp(1.0, 1 - p);
	enum smx_sum sk = smx_op_info(op)->sum;
	double se = sk == SMX_SUM_ONE	? fabs((acc.sum.hi - 1) + acc.sum.lo) / eps
		    : sk == SMX_SUM_EXP ? (double)fabsl(acc.lsum - 1) / eps
					: NAN;
	if (sk == SMX_SUM_NONE) /* not a distribution: no sum, no KL */
		m->kl = m->sum_err = NAN;
	else if (n > 0 && !(vc && !vc->sum_one) && !(se <= m->sum_err))
		m->sum_err = se;
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
	case SMX_COND_ABS:
		return fmax(1, fabs(in[k]));
	case SMX_COND_VJP:
		return fabs(in[k]) * (fabs(g[k]) + sum_abs);
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
		sum_abs += ck == SMX_COND_LSVJP ? fabs(g[j]) : fabs(in[j] * g[j]);
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
		if (ck != SMX_COND_JACOBIAN) {
			dd_add(&total, y[k]);
			scale_total += scale;
		}
	}
	/* The invariants: every row of J sums to 0 (residual in u s_i), and
	 * sum(dx) = 0 (residual in u times the summed condition scales),
	 * floored like cond_err. */
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
