/* Cross-entropy loss and gradient references: ref_xent.h has the
 * formulas. Intervals carry a strictness flag per end (1 when the end is
 * known to differ from the exact value), as ref.c's do, for
 * smx_ref_settle. */
#include <math.h>
#include <stdlib.h>

#include <mpfr.h>

#include "ref_internal.h"
#include "ref_xent.h"

struct iv {
	mpfr_t lo, hi;
	int ls, hs;
};

static void iv_init(struct iv *v, mpfr_prec_t p)
{
	mpfr_inits2(p, v->lo, v->hi, (mpfr_ptr)0);
	v->ls = v->hs = 0;
}

static void iv_clear(struct iv *v)
{
	mpfr_clears(v->lo, v->hi, (mpfr_ptr)0);
}

static void iv_set_ui(struct iv *v, unsigned long a)
{
	v->ls = mpfr_set_ui(v->lo, a, MPFR_RNDD) != 0;
	v->hs = mpfr_set_ui(v->hi, a, MPFR_RNDU) != 0;
}

/* a - b for doubles. */
static void iv_diff_d(struct iv *v, double a, double b)
{
	mpfr_set_d(v->hi, a, MPFR_RNDN); /* exact: p >= 53 */
	v->ls = mpfr_sub_d(v->lo, v->hi, b, MPFR_RNDD) != 0;
	v->hs = mpfr_sub_d(v->hi, v->hi, b, MPFR_RNDU) != 0;
}

static void iv_add(struct iv *r, const struct iv *a, const struct iv *b)
{
	int ls = (mpfr_add(r->lo, a->lo, b->lo, MPFR_RNDD) != 0) | a->ls | b->ls;
	int hs = (mpfr_add(r->hi, a->hi, b->hi, MPFR_RNDU) != 0) | a->hs | b->hs;
	r->ls = ls;
	r->hs = hs;
}

static void iv_sub(struct iv *r, const struct iv *a, const struct iv *b)
{
	int ls = (mpfr_sub(r->lo, a->lo, b->hi, MPFR_RNDD) != 0) | a->ls | b->hs;
	int hs = (mpfr_sub(r->hi, a->hi, b->lo, MPFR_RNDU) != 0) | a->hs | b->ls;
	r->ls = ls;
	r->hs = hs;
}

/* Both operands >= 0. An exact 0 makes its product exact, whatever the
 * other operand's strictness. */
static void iv_mul(struct iv *r, const struct iv *a, const struct iv *b)
{
	int ls = (mpfr_mul(r->lo, a->lo, b->lo, MPFR_RNDD) != 0) | (a->ls && !mpfr_zero_p(b->lo)) |
		 (b->ls && !mpfr_zero_p(a->lo));
	int hs = (mpfr_mul(r->hi, a->hi, b->hi, MPFR_RNDU) != 0) | (a->hs && !mpfr_zero_p(b->hi)) |
		 (b->hs && !mpfr_zero_p(a->hi));
	r->ls = ls;
	r->hs = hs;
}

static void iv_mul_ui(struct iv *r, const struct iv *a, unsigned long k)
{
	r->ls = (mpfr_mul_ui(r->lo, a->lo, k, MPFR_RNDD) != 0) | a->ls;
	r->hs = (mpfr_mul_ui(r->hi, a->hi, k, MPFR_RNDU) != 0) | a->hs;
}

/* a / b with b > 0, a of any sign. */
static void iv_div_pos(struct iv *r, const struct iv *a, const struct iv *b)
{
	int a_neg = mpfr_sgn(a->lo)<0, a_pos = mpfr_sgn(a->hi)> 0;
	/* The denominator end each quotient end uses. */
	mpfr_srcptr dl = a_neg ? b->lo : b->hi, dh = a_pos ? b->lo : b->hi;
	int dls = a_neg ? b->ls : b->hs, dhs = a_pos ? b->ls : b->hs;
	int ls =
	    (mpfr_div(r->lo, a->lo, dl, MPFR_RNDD) != 0) | a->ls | (dls && !mpfr_zero_p(a->lo));
	int hs =
	    (mpfr_div(r->hi, a->hi, dh, MPFR_RNDU) != 0) | a->hs | (dhs && !mpfr_zero_p(a->hi));
	r->ls = ls;
	r->hs = hs;
}

/* A monotone increasing function applied to both ends. */
static void iv_exp(struct iv *r, const struct iv *a)
{
	r->ls = (mpfr_exp(r->lo, a->lo, MPFR_RNDD) != 0) | a->ls;
	r->hs = (mpfr_exp(r->hi, a->hi, MPFR_RNDU) != 0) | a->hs;
}

static void iv_log1p(struct iv *r, const struct iv *a)
{
	r->ls = (mpfr_log1p(r->lo, a->lo, MPFR_RNDD) != 0) | a->ls;
	r->hs = (mpfr_log1p(r->hi, a->hi, MPFR_RNDU) != 0) | a->hs;
}

/* eps and 1 - eps, and eps / n. */
static void iv_eps(struct iv *e, struct iv *w, struct iv *v, double eps, size_t n)
{
	mpfr_set_d(e->lo, eps, MPFR_RNDN);
	mpfr_set_d(e->hi, eps, MPFR_RNDN);
	e->ls = e->hs = 0;
	w->ls = mpfr_ui_sub(w->lo, 1, e->hi, MPFR_RNDD) != 0;
	w->hs = mpfr_ui_sub(w->hi, 1, e->lo, MPFR_RNDU) != 0;
	v->ls = mpfr_div_ui(v->lo, e->lo, n, MPFR_RNDD) != 0;
	v->hs = mpfr_div_ui(v->hi, e->hi, n, MPFR_RNDU) != 0;
}

struct xrow {
	const double *x;
	size_t n, k, t;
	double m, eps;
	int neginf; /* some entry is -inf */
};

/* R = sum over j != k (and x_j > -inf) of exp(x_j - m). */
static void sum_rest(const struct xrow *rw, struct iv *r, struct iv *d, struct iv *e)
{
	iv_set_ui(r, 0);
	for (size_t j = 0; j < rw->n; j++) {
		if (j == rw->k || rw->x[j] == -INFINITY)
			continue;
		iv_diff_d(d, rw->x[j], rw->m);
		iv_exp(e, d);
		iv_add(r, r, e);
	}
}

static int loss_at(smx_dtype dt, const struct xrow *rw, mpfr_prec_t p, struct smx_refval *out)
{
	struct iv r, d, e, a, w, v, s, eps;
	iv_init(&r, p), iv_init(&d, p), iv_init(&e, p), iv_init(&a, p);
	iv_init(&w, p), iv_init(&v, p), iv_init(&s, p), iv_init(&eps, p);
	sum_rest(rw, &r, &d, &e);
	iv_log1p(&s, &r);
	iv_eps(&eps, &w, &v, rw->eps, rw->n);
	iv_diff_d(&a, rw->m, rw->x[rw->t]);
	iv_mul(&a, &a, &w);
	iv_add(&s, &s, &a);
	if (rw->eps != 0) {
		iv_set_ui(&a, 0);
		for (size_t j = 0; j < rw->n; j++) {
			iv_diff_d(&d, rw->m, rw->x[j]);
			iv_add(&a, &a, &d);
		}
		iv_mul(&a, &a, &v);
		iv_add(&s, &s, &a);
	}
	int ok = smx_ref_settle(dt, s.lo, s.ls, s.hi, s.hs, d.lo, out);
	iv_clear(&r), iv_clear(&d), iv_clear(&e), iv_clear(&a);
	iv_clear(&w), iv_clear(&v), iv_clear(&s), iv_clear(&eps);
	return ok;
}

static int grad_at(smx_dtype dt, const struct xrow *rw, mpfr_prec_t p, struct smx_refval *out)
{
	struct iv r, d, e, s, ns, num, b, w, v, eps;
	iv_init(&r, p), iv_init(&d, p), iv_init(&e, p), iv_init(&s, p), iv_init(&ns, p);
	iv_init(&num, p), iv_init(&b, p), iv_init(&w, p), iv_init(&v, p), iv_init(&eps, p);
	const unsigned long n = (unsigned long)rw->n;
	sum_rest(rw, &r, &d, &e);
	iv_set_ui(&s, 1);
	iv_add(&s, &s, &r);
	iv_mul_ui(&ns, &s, n);
	iv_eps(&eps, &w, &v, rw->eps, rw->n);
	int ok = 1;
	for (size_t c = 0; c < rw->n && ok; c++) {
		if (c == rw->k && c == rw->t) {
			iv_mul(&num, &eps, &s);
			iv_mul_ui(&num, &num, n - 1);
			iv_mul_ui(&b, &r, n);
		} else {
			if (rw->x[c] == -INFINITY)
				iv_set_ui(&num, 0);
			else {
				iv_diff_d(&d, rw->x[c], rw->m);
				iv_exp(&e, &d);
				iv_mul_ui(&num, &e, n);
			}
			iv_mul(&b, &s, &eps);
			if (c == rw->t) {
				iv_mul(&e, &ns, &w);
				iv_add(&b, &b, &e);
			}
		}
		iv_sub(&num, &num, &b);
		iv_div_pos(&num, &num, &ns);
		ok = smx_ref_settle(dt, num.lo, num.ls, num.hi, num.hs, d.lo, &out[c]);
	}
	iv_clear(&r), iv_clear(&d), iv_clear(&e), iv_clear(&s), iv_clear(&ns);
	iv_clear(&num), iv_clear(&b), iv_clear(&w), iv_clear(&v), iv_clear(&eps);
	return ok;
}

int smx_ref_xent(smx_dtype dt, const double *x, size_t n, int64_t t, double eps,
		 int64_t ignore_index, struct smx_refval *loss, struct smx_refval *grad)
{
	const struct smx_refval zero = {.cr = 0.0, .r = 0.0, .e = smx_dtype_emin_sub(dt)};
	if (t == ignore_index) {
		*loss = zero;
		for (size_t c = 0; grad && c < n; c++)
			grad[c] = zero;
		return SMX_REF_OK;
	}
	if (t < 0 || (uint64_t)t >= n || !(eps >= 0 && eps <= 1))
		return SMX_REF_UNDEFINED;
	struct xrow rw = {x, n, n, (size_t)t, -INFINITY, eps, 0};
	for (size_t i = 0; i < n; i++) {
		if (isnan(x[i]) || x[i] == INFINITY)
			return SMX_REF_UNDEFINED;
		rw.neginf |= x[i] == -INFINITY;
		if (x[i] > rw.m) {
			rw.m = x[i];
			rw.k = i;
		}
	}
	if (rw.k == n)
		return SMX_REF_UNDEFINED;
	int done = 0;
	if (x[t] == -INFINITY || (eps != 0 && rw.neginf)) {
		*loss = (struct smx_refval){.cr = INFINITY, .r = 0.0, .e = 0};
		done = 1;
	}
	for (mpfr_prec_t p = smx_ref_start_prec(dt, n); !done; p *= 2) {
		if (p > SMX_REF_MAX_PREC)
			return SMX_REF_UNDEFINED; /* not reached: see ref_xent.h */
		done = loss_at(dt, &rw, p, loss);
	}
	for (mpfr_prec_t p = smx_ref_start_prec(dt, n); grad; p *= 2) {
		if (p > SMX_REF_MAX_PREC)
			return SMX_REF_UNDEFINED;
		if (grad_at(dt, &rw, p, grad))
			break;
	}
	return SMX_REF_OK;
}
