/* Correctly rounded references of the Jacobian and the backward ops, in two
 * modes. From given inputs (s, or y, and g): J and the products with it are
 * evaluated exactly in MPFR (products and sums of the format's numbers fit
 * in EXACT_PREC bits) and rounded once, except exp(y) of log-softmax's,
 * which takes a Ziv loop. From logits x (end to end): the exact softmax of
 * x enters as intervals, and every output component is settled by a Ziv
 * loop as in ref.c. */
#include <math.h>
#include <stdlib.h>

#include <mpfr.h>

#include "ref.h"
#include "ref_internal.h"

/* Bits that hold exactly any product s g of two values of the format, any
 * sum of up to 2^64 of them, and s (g - <s, g>): the exponent span of
 * products (2^(2 emin_sub) .. 2^(2 emax + 2)) plus twice the significands
 * of a product and the 2^64 of a sum, rounded up to a multiple of 64 (f64:
 * 4480). */
static mpfr_prec_t exact_prec(smx_dtype dt)
{
	const struct smx_dtype_info *d = smx_dtype_info(dt);
	long span = 2L * (d->emax + 1) - 2L * d->emin_sub + 4L * d->prec + 64;
	return (span + 63) / 64 * 64;
}

static int has_nan(const double *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isnan(a[i]))
			return 1;
	return 0;
}

/* sum of a_j b_j (b NULL: of a_j), exactly. */
static void exact_dot(mpfr_t dot, const double *a, const double *b, size_t n, mpfr_prec_t prec)
{
	mpfr_t *t = malloc((n ? n : 1) * sizeof *t);
	mpfr_ptr *pt = malloc((n ? n : 1) * sizeof *pt);
	if (!t || !pt)
		abort(); /* no memory for the reference: nothing sensible to return */
	for (size_t j = 0; j < n; j++) {
		mpfr_init2(t[j], 2 * 64);
		mpfr_set_d(t[j], a[j], MPFR_RNDN);
		if (b)
			mpfr_mul_d(t[j], t[j], b[j], MPFR_RNDN); /* exact: 128 bits */
		pt[j] = t[j];
	}
	mpfr_set_prec(dot, prec);
	if (mpfr_sum(dot, pt, (unsigned long)n, MPFR_RNDN) != 0)
		abort(); /* unreachable: prec covers the exponent span */
	for (size_t j = 0; j < n; j++)
		mpfr_clear(t[j]);
	free(t);
	free(pt);
}

/* Round an exact value. */
static void settle_exact(smx_dtype dt, mpfr_srcptr v, mpfr_ptr tmp, struct smx_refval *out)
{
	smx_ref_settle(dt, v, 0, v, 0, tmp, out);
}

static int from_given(smx_op op, smx_dtype dt, const double *s, const double *g, size_t n,
		      struct smx_refval *out)
{
	mpfr_prec_t P = exact_prec(dt);
	mpfr_t v, t, tmp, dot;
	mpfr_inits2(2 * P, v, t, tmp, dot, (mpfr_ptr)0);
	if (op == SMX_OP_JACOBIAN) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				mpfr_set_d(t, s[i], MPFR_RNDN);
				mpfr_mul_d(t, t, s[j], MPFR_RNDN);
				if (i == j)
					mpfr_d_sub(v, s[i], t, MPFR_RNDN);
				else
					mpfr_neg(v, t, MPFR_RNDN);
				settle_exact(dt, v, tmp, &out[i * n + j]);
			}
	} else if (op == SMX_OP_VJP || op == SMX_OP_JVP) {
		exact_dot(dot, s, g, n, 2 * P);
		for (size_t i = 0; i < n; i++) {
			mpfr_d_sub(t, g[i], dot, MPFR_RNDN);
			mpfr_mul_d(v, t, s[i], MPFR_RNDN);
			settle_exact(dt, v, tmp, &out[i]);
		}
	} else { /* logsoftmax_vjp: g - exp(y) sum(g), a Ziv loop for exp */
		exact_dot(dot, g, NULL, n, 2 * P);
		for (size_t i = 0; i < n; i++) {
			int done = 0;
			for (mpfr_prec_t p = smx_ref_start_prec(dt, n);
			     !done && p <= SMX_REF_MAX_PREC; p *= 2) {
				mpfr_t elo, ehi, lo, hi, w;
				mpfr_inits2(p, elo, ehi, lo, hi, w, (mpfr_ptr)0);
				mpfr_set_d(w, s[i], MPFR_RNDN);
				int es = mpfr_exp(elo, w, MPFR_RNDD) != 0;
				mpfr_exp(ehi, w, MPFR_RNDU);
				/* exp(y) G, ends swapped when G < 0 */
				int neg = mpfr_sgn(dot) < 0;
				int s1 = (mpfr_mul(lo, neg ? ehi : elo, dot, MPFR_RNDD) != 0) | es;
				int s2 = (mpfr_mul(hi, neg ? elo : ehi, dot, MPFR_RNDU) != 0) | es;
				int a_s = (mpfr_d_sub(elo, g[i], hi, MPFR_RNDD) != 0) | s2;
				int b_s = (mpfr_d_sub(ehi, g[i], lo, MPFR_RNDU) != 0) | s1;
				done = smx_ref_settle(dt, elo, a_s, ehi, b_s, w, &out[i]);
				mpfr_clears(elo, ehi, lo, hi, w, (mpfr_ptr)0);
			}
			if (!done)
				abort(); /* unreachable: see ref.h */
		}
	}
	mpfr_clears(v, t, tmp, dot, (mpfr_ptr)0);
	return SMX_REF_OK;
}

/* [lo, hi] = [a, b] * [c, d] with a, b >= 0 (an interval of s). */
static void mul_pos(mpfr_ptr lo, mpfr_ptr hi, int *lo_s, int *hi_s, mpfr_srcptr a, mpfr_srcptr b,
		    int as, int bs, mpfr_srcptr c, mpfr_srcptr d, int cs, int ds)
{
	if (mpfr_sgn(c) >= 0) {
		*lo_s = (mpfr_mul(lo, a, c, MPFR_RNDD) != 0) | as | cs;
		*hi_s = (mpfr_mul(hi, b, d, MPFR_RNDU) != 0) | bs | ds;
	} else if (mpfr_sgn(d) <= 0) {
		*lo_s = (mpfr_mul(lo, b, c, MPFR_RNDD) != 0) | bs | cs;
		*hi_s = (mpfr_mul(hi, a, d, MPFR_RNDU) != 0) | as | ds;
	} else {
		*lo_s = (mpfr_mul(lo, b, c, MPFR_RNDD) != 0) | bs | cs;
		*hi_s = (mpfr_mul(hi, b, d, MPFR_RNDU) != 0) | bs | ds;
	}
}

/* One Ziv step end to end at precision p; 1 when every component settled. */
static int end_to_end(smx_op op, smx_dtype dt, const double *x, const double *g, size_t n,
		      mpfr_prec_t p, struct smx_refval *out)
{
	mpfr_t *sl = malloc(2 * n * sizeof *sl), *sh = sl ? sl + n : NULL;
	int *ls = malloc(2 * n * sizeof *ls), *hs = ls ? ls + n : NULL;
	if (!sl || !ls)
		abort(); /* no memory for the reference */
	for (size_t i = 0; i < n; i++)
		mpfr_inits2(p, sl[i], sh[i], (mpfr_ptr)0);
	smx_ref_softmax_bounds(x, n, p, sl, sh, ls, hs);
	mpfr_t lo, hi, a, b, c, d, tmp;
	mpfr_inits2(p, lo, hi, a, b, c, d, tmp, (mpfr_ptr)0);
	int ok = 1, cs = 0, ds = 0;
	if (op == SMX_OP_JACOBIAN) {
		for (size_t i = 0; i < n && ok; i++)
			for (size_t j = 0; j < n && ok; j++) {
				int l_s, h_s;
				if (i == j) { /* s (1 - s) as [sl (1 - sh), sh (1 - sl)] */
					cs = mpfr_ui_sub(c, 1, sh[i], MPFR_RNDD) != 0;
					ds = mpfr_ui_sub(d, 1, sl[i], MPFR_RNDU) != 0;
					mul_pos(lo, hi, &l_s, &h_s, sl[i], sh[i], ls[i], hs[i], c,
						d, cs | hs[i], ds | ls[i]);
				} else { /* -(s_i s_j) */
					l_s = (mpfr_mul(lo, sh[i], sh[j], MPFR_RNDU) != 0) | hs[i] |
					      hs[j];
					h_s = (mpfr_mul(hi, sl[i], sl[j], MPFR_RNDD) != 0) | ls[i] |
					      ls[j];
					mpfr_neg(lo, lo, MPFR_RNDN);
					mpfr_neg(hi, hi, MPFR_RNDN);
				}
				ok = smx_ref_settle(dt, lo, l_s, hi, h_s, tmp, &out[i * n + j]);
			}
	} else if (op == SMX_OP_VJP || op == SMX_OP_JVP) {
		/* <g, s> as an interval: s_j g_j, ends by the sign of g_j. */
		mpfr_set_zero(a, 1);
		mpfr_set_zero(b, 1);
		int as = 0, bs = 0;
		for (size_t j = 0; j < n; j++) {
			int neg = g[j] < 0;
			as |= (mpfr_mul_d(c, neg ? sh[j] : sl[j], g[j], MPFR_RNDD) != 0) |
			      (neg ? hs[j] : ls[j]);
			bs |= (mpfr_mul_d(d, neg ? sl[j] : sh[j], g[j], MPFR_RNDU) != 0) |
			      (neg ? ls[j] : hs[j]);
			as |= mpfr_add(a, a, c, MPFR_RNDD) != 0;
			bs |= mpfr_add(b, b, d, MPFR_RNDU) != 0;
		}
		for (size_t i = 0; i < n && ok; i++) {
			cs = (mpfr_d_sub(c, g[i], b, MPFR_RNDD) != 0) | bs; /* g_i - <g, s> */
			ds = (mpfr_d_sub(d, g[i], a, MPFR_RNDU) != 0) | as;
			int l_s, h_s;
			mul_pos(lo, hi, &l_s, &h_s, sl[i], sh[i], ls[i], hs[i], c, d, cs, ds);
			ok = smx_ref_settle(dt, lo, l_s, hi, h_s, tmp, &out[i]);
		}
	} else { /* logsoftmax_vjp: g_i - s_i G */
		exact_dot(a, g, NULL, n, 2 * exact_prec(dt));
		for (size_t i = 0; i < n && ok; i++) {
			int l_s, h_s;
			mul_pos(c, d, &l_s, &h_s, sl[i], sh[i], ls[i], hs[i], a, a, 0, 0);
			int s1 = (mpfr_d_sub(lo, g[i], d, MPFR_RNDD) != 0) | h_s;
			int s2 = (mpfr_d_sub(hi, g[i], c, MPFR_RNDU) != 0) | l_s;
			ok = smx_ref_settle(dt, lo, s1, hi, s2, tmp, &out[i]);
		}
		mpfr_set_prec(a, p);
	}
	mpfr_clears(lo, hi, a, b, c, d, tmp, (mpfr_ptr)0);
	for (size_t i = 0; i < n; i++)
		mpfr_clears(sl[i], sh[i], (mpfr_ptr)0);
	free(sl);
	free(ls);
	return ok;
}

static int backward_path(smx_op op, smx_dtype dt, int from_x, const double *a, const double *g,
			 size_t n, struct smx_refval *out, int mpfr)
{
	if (n == 0)
		return SMX_REF_OK;
	if (has_nan(a, n) || (g && has_nan(g, n)))
		return SMX_REF_UNDEFINED;
	if (g)
		for (size_t i = 0; i < n; i++)
			if (isinf(g[i]))
				return SMX_REF_UNDEFINED;
	if (!from_x) {
		for (size_t i = 0; i < n; i++)
			if (isinf(a[i]) && !(op == SMX_OP_LOGSOFTMAX_VJP && a[i] == -INFINITY))
				return SMX_REF_UNDEFINED;
		if (!mpfr) {
			if (smx_ref_fast_backward(op, dt, a, g, n, out)) {
				smx_ref_count(smx_op_out_len(op, n), 0);
				return SMX_REF_OK;
			}
			smx_ref_count(smx_op_out_len(op, n), 1);
		}
		return from_given(op, dt, a, g, n, out);
	}
	/* Rows whose softmax is undefined have no backward either. */
	int undefined = 1;
	for (size_t i = 0; i < n; i++)
		undefined &= a[i] == -INFINITY;
	if (undefined)
		return SMX_REF_UNDEFINED;
	if (!mpfr)
		smx_ref_count(smx_op_out_len(op, n), 1);
	for (mpfr_prec_t p = smx_ref_start_prec(dt, n); p <= SMX_REF_MAX_PREC; p *= 2)
		if (end_to_end(op, dt, a, g, n, p, out))
			return SMX_REF_OK;
	abort(); /* unreachable: see ref.h */
}

int smx_ref_backward(smx_op op, smx_dtype dt, int from_x, const double *a, const double *g,
		     size_t n, struct smx_refval *out)
{
	int st = backward_path(op, dt, from_x, a, g, n, out, !smx_ref_fast_on());
	if (!smx_ref_fast_on() && st == SMX_REF_OK)
		smx_ref_count(smx_op_out_len(op, n), 1);
	return st;
}

int smx_ref_backward_mpfr(smx_op op, smx_dtype dt, int from_x, const double *a, const double *g,
			  size_t n, struct smx_refval *out)
{
	return backward_path(op, dt, from_x, a, g, n, out, 1);
}

void smx_ref_backward_rows(smx_op op, smx_dtype dt, int from_x, const double *a, const double *g,
			   size_t rows, size_t n, struct smx_refval *out, int *status)
{
	long nr = (long)rows;
	size_t olen = smx_op_out_len(op, n);
#pragma omp parallel if (nr > 1)
	{
#pragma omp for schedule(dynamic, 1)
		for (long r = 0; r < nr; r++)
			status[r] = smx_ref_backward(op, dt, from_x, a + (size_t)r * n,
						     g ? g + (size_t)r * n : NULL, n,
						     out + (size_t)r * olen);
		mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
	}
}
