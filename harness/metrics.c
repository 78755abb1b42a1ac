/* Metrics against the reference; see metrics.h. */
#include <math.h>
#include <stdlib.h>

#include <mpfr.h>

#include "metrics.h"
#include "util.h"

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
	return ref->cr + ldexp(ref->r, ref->e);
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
	return fabs(ldexp(d, -ref->e) - ref->r);
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

/* What smx_metrics_row folds over a row besides m. */
struct row_acc {
	int has_nan, has_inf, all_zero, ref_zero, wrong;
	double num, den, kl;
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
	size_t n;
	double *errs;
	double u, xmax, bhh, dmax;
	int in_domain, finite_row;
};

/* Components [i0, i1) of a row, folded into m and a. */
static void row_span(struct smx_metrics *m, struct row_acc *a, const struct row_ctx *c, size_t i0,
		     size_t i1)
{
	const smx_op op = c->op;
	const smx_dtype dt = c->dt;
	const struct smx_bound *bound = c->bound;
	const double *x = c->x, *y = c->y;
	const struct smx_refval *ref = c->ref;
	const size_t n = c->n;
	double *errs = c->errs;
	const double u = c->u, xmax = c->xmax, bhh = c->bhh, dmax = c->dmax;
	const int in_domain = c->in_domain, finite_row = c->finite_row;
	int has_nan = a->has_nan, has_inf = a->has_inf, all_zero = a->all_zero,
	    ref_zero = a->ref_zero, wrong = a->wrong;
	double num = a->num, den = a->den, kl = a->kl;
	struct dd sum = a->sum;
	long double lsum = a->lsum;
	for (size_t i = i0; i < i1; i++) {
		double e = smx_ulp_error(&ref[i], y[i]);
		if (errs)
			errs[i] = e;
		double s = smx_ref_value(&ref[i]);
		if (isnan(y[i]))
			has_nan = 1;
		else if (isinf(y[i]) && y[i] != ref[i].cr)
			has_inf = 1;
		if (y[i] != 0)
			all_zero = 0;
		if (s != 0)
			ref_zero = 0;
		if (isfinite(e)) {
			m->comps++;
			m->sum_ulp += e;
		}
		if (e > m->max_ulp || isnan(e))
			m->max_ulp = e;
		if (bound && in_domain && finite_row) {
			double d = isfinite(x[i]) ? xmax - x[i] : 0;
			double lim = smx_bound_at(bound, n, d, dmax);
			double r = smx_bound_measure(bound, dt, &ref[i], y[i]) / lim;
			if (!(r <= 1))
				wrong = 1;
			if (isnan(m->decl_ratio) || !(r <= m->decl_ratio))
				m->decl_ratio = r;
		}
		if (isinf(s))
			continue;
		double err = fabs(y[i] - s);
		if (!isfinite(e))
			err = INFINITY;
		if (s != 0) {
			double rel = err / fabs(s);
			if (!(rel <= m->max_rel))
				m->max_rel = rel;
			int normal = fabs(s) >= ldexp(1.0, dt == SMX_F32 ? -126 : -1022);
			if (normal && !(rel <= m->max_rel_normal))
				m->max_rel_normal = rel;
			if (op == SMX_OP_SOFTMAX && finite_row && normal) {
				double br = rel / (bhh * u);
				if (isnan(m->bound_ratio) || !(br <= m->bound_ratio))
					m->bound_ratio = br;
			}
		}
		num = err > num || isnan(err) ? err : num;
		den = fabs(s) > den ? fabs(s) : den;
		if (op == SMX_OP_SOFTMAX) {
			dd_add(&sum, y[i]);
			/* A zero where the exact value rounds to zero costs
			 * nothing; where it does not, KL is infinite. */
			if (y[i] > 0)
				kl += s > 0 ? y[i] * kl_term((s - y[i]) / y[i]) : y[i];
			else if (ref[i].cr != 0)
				kl = INFINITY;
		} else {
			long double q = expl((long double)y[i]), ps = expl((long double)s);
			lsum += q;
			kl += (double)(ps * (long double)(s - y[i]) - ps + q);
		}
	}
	*a = (struct row_acc){has_nan, has_inf, all_zero, ref_zero, wrong, num, den, kl, sum, lsum};
}

static void fold_max(double *m, double v);

/* Rows this long are measured in blocks of SPAN in parallel, and the
 * blocks folded in order: the result does not depend on the thread count
 * (sums associate per block). */
#define SPAN_MIN ((size_t)1 << 16)
#define SPAN ((size_t)1 << 14)

static void row_spans(struct smx_metrics *m, struct row_acc *a, const struct row_ctx *c)
{
	if (c->n < SPAN_MIN) {
		row_span(m, a, c, 0, c->n);
		return;
	}
	size_t nb = (c->n + SPAN - 1) / SPAN;
	struct smx_metrics *pm = smx_alloc(nb, sizeof *pm);
	struct row_acc *pa = smx_alloc(nb, sizeof *pa);
	long lnb = (long)nb;
#pragma omp parallel for schedule(static)
	for (long b = 0; b < lnb; b++) {
		smx_metrics_init(&pm[b]);
		pa[b] = (struct row_acc){.all_zero = 1, .ref_zero = 1};
		size_t i0 = (size_t)b * SPAN, i1 = i0 + SPAN < c->n ? i0 + SPAN : c->n;
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
		a->has_nan |= pa[b].has_nan;
		a->has_inf |= pa[b].has_inf;
		a->all_zero &= pa[b].all_zero;
		a->ref_zero &= pa[b].ref_zero;
		a->wrong |= pa[b].wrong;
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
	/* exact reductions: the same for any thread count */
#pragma omp parallel for reduction(max : xmax) reduction(min : xmin)                              \
    reduction(&& : in_domain, finite_row) if (n >= SPAN_MIN)
	for (long i = 0; i < ln; i++) {
		if (isfinite(x[i])) {
			xmax = x[i] > xmax ? x[i] : xmax;
			xmin = x[i] < xmin ? x[i] : xmin;
		}
		if (bound && bound->domain > 0)
			in_domain = in_domain && fabs(x[i]) <= bound->domain;
		finite_row = finite_row && (isfinite(x[i]) || x[i] == -INFINITY);
	}
	/* Blanchard, Higham & Higham (2021): shifted softmax satisfies
	 * |y_i - s_i| <= (n + 2 + 2 (x_max - x_min)) u s_i to first order. */
	double bhh = (double)(n + 2) + 2 * (xmax - xmin);
	double dmax = xmax - xmin;
	struct row_ctx ctx = {op,   dt, bound, x,   y,	  ref,	     n,
			      errs, u,	xmax,  bhh, dmax, in_domain, finite_row};
	struct row_acc acc = {.all_zero = 1, .ref_zero = 1};
	row_spans(m, &acc, &ctx);
	int has_nan = acc.has_nan, has_inf = acc.has_inf, all_zero = acc.all_zero,
	    ref_zero = acc.ref_zero, wrong = acc.wrong;
	double num = acc.num, den = acc.den, kl = acc.kl;
	struct dd sum = acc.sum;
	long double lsum = acc.lsum;
	if (has_nan)
		m->nan_rows++;
	else if (has_inf)
		m->inf_rows++;
	else if (op == SMX_OP_SOFTMAX && all_zero && !ref_zero && n > 0)
		m->zero_rows++;
	if (wrong)
		m->wrong_rows++;
	double nr = den > 0 ? num / den : 0;
	if (!(nr <= m->norm_rel))
		m->norm_rel = nr;
	if (!(kl <= m->kl))
		m->kl = kl;
	double eps = ldexp(1.0, 1 - p);
	double se = op == SMX_OP_SOFTMAX ? fabs((sum.hi - 1) + sum.lo) / eps
					 : (double)fabsl(lsum - 1) / eps;
	if (n > 0 && !(se <= m->sum_err))
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
		err = y == (dt == SMX_F32 ? (double)mpfr_get_flt(t, MPFR_RNDN) : v) ? 0 : INFINITY;
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
	if (op == SMX_OP_JACOBIAN) {
		size_t i = k / n, j = k % n;
		return i == j ? in[i] + in[i] * in[i] : in[i] * in[j];
	}
	if (op == SMX_OP_LOGSOFTMAX_VJP)
		return fabs(g[k]) + exp(in[k]) * sum_abs;
	return fabs(in[k]) * (fabs(g[k]) + sum_abs);
}

static void fold_max(double *m, double v)
{
	if (isnan(*m) || !(v <= *m))
		*m = v;
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
	const double u = ldexp(1.0, -smx_dtype_prec(dt));
	size_t outs = smx_op_out_len(op, n);
	double sum_abs = 0;
	for (size_t j = 0; j < n && op != SMX_OP_JACOBIAN; j++)
		sum_abs += op == SMX_OP_LOGSOFTMAX_VJP ? fabs(g[j]) : fabs(in[j] * g[j]);
	int has_nan = 0, has_inf = 0, wrong = 0;
	double num = 0, den = 0, scale_total = 0;
	struct dd total = {0, 0};
	for (size_t k = 0; k < outs; k++) {
		double e = smx_ulp_error(&ref[k], y[k]), v = smx_ref_value(&ref[k]);
		if (errs)
			errs[k] = e;
		has_nan |= isnan(y[k]);
		has_inf |= isinf(y[k]) && y[k] != ref[k].cr;
		double scale = smx_cond_scale(op, in, g, n, k, sum_abs);
		double err = isfinite(e) ? ldexp(e, ref[k].e) : INFINITY;
		double cond = err == 0 ? 0 : scale > 0 ? err / (u * scale) : INFINITY;
		fold_max(&m->cond_err, cond);
		if (fabs(v) >= 0x1p-10 * scale) {
			if (isfinite(e)) {
				m->comps++;
				m->sum_ulp += e;
			}
			if (e > m->max_ulp)
				m->max_ulp = e;
			if (v != 0 && !(err / fabs(v) <= m->max_rel))
				m->max_rel = err / fabs(v);
		}
		if (bound) {
			double lim = smx_bound_at(bound, n, 0, 0);
			double r = (bound->kind == SMX_BOUND_COND ? cond : e) / lim;
			if (!(r <= 1))
				wrong = 1;
			fold_max(&m->decl_ratio, r);
		}
		num = err > num || isnan(err) ? err : num;
		den = fabs(v) > den ? fabs(v) : den;
		if (op != SMX_OP_JACOBIAN) {
			dd_add(&total, y[k]);
			scale_total += scale;
		}
	}
	/* The invariants: every row of J sums to 0 (residual in u s_i), and
	 * sum(dx) = 0 (residual in u times the summed condition scales). */
	double inv = 0;
	if (op == SMX_OP_JACOBIAN) {
		for (size_t i = 0; i < n; i++) {
			struct dd row = {0, 0};
			for (size_t j = 0; j < n; j++)
				dd_add(&row, y[i * n + j]);
			double r = fabs(row.hi + row.lo);
			double w = in[i] > 0 ? r / (u * in[i]) : r == 0 ? 0 : INFINITY;
			inv = w > inv || isnan(w) ? w : inv;
		}
	} else {
		double r = fabs(total.hi + total.lo);
		inv = r == 0 ? 0 : scale_total > 0 ? r / (u * scale_total) : INFINITY;
	}
	fold_max(&m->invariant, inv);
	if (has_nan)
		m->nan_rows++;
	else if (has_inf)
		m->inf_rows++;
	if (wrong)
		m->wrong_rows++;
	double nr = den > 0 ? num / den : num > 0 ? INFINITY : 0;
	if (!(nr <= m->norm_rel))
		m->norm_rel = nr;
}
