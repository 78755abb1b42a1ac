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

#include "op.h"
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

/* logsoftmax_jvp: dy_i = v_i - sum_j e^y_j v_j. Entries of equal y share
 * e^y, so their v are summed first, exactly: a coefficient c_k for each
 * distinct y_k. -inf entries add nothing and y = 0 adds the rational part
 * R. The rest, T = sum_k c_k e^y_k over distinct nonzero y_k with c_k != 0,
 * is transcendental when not empty (Lindemann-Weierstrass), so v_i - R - T
 * is neither a format number nor a midpoint and its Ziv loop ends; when
 * empty, dy_i = v_i - R exactly. A sum of v over entries that share e^y
 * can be a midpoint (y = (0, a, a), v = (2^-24, 1 + 2^-23, -1 - 2^-23) in
 * f32: dy_1 = 1 + 2^-24), which intervals around each term never settle. */
struct keyv {
	double key, v;
};

struct group {
	double key;
	unsigned long count;
	mpfr_t c; /* the sum of v over the group, exact */
};

static int by_key(const void *a, const void *b)
{
	double p = ((const struct keyv *)a)->key, q = ((const struct keyv *)b)->key;
	return (p > q) - (p < q);
}

/* The groups of equal key of e[0 .. cnt) (sorted in place), each c at
 * precision prec (enough for any sum of the format's values); returns how
 * many. */
static size_t group_sums(struct keyv *e, size_t cnt, mpfr_prec_t prec, struct group *gr)
{
	double *vs = malloc((cnt ? cnt : 1) * sizeof *vs);
	if (!vs)
		abort(); /* no memory for the reference */
	qsort(e, cnt, sizeof *e, by_key);
	size_t k = 0;
	for (size_t a = 0, b; a < cnt; a = b, k++) {
		for (b = a; b < cnt && e[b].key == e[a].key; b++)
			vs[b - a] = e[b].v;
		gr[k].key = e[a].key;
		gr[k].count = (unsigned long)(b - a);
		mpfr_init2(gr[k].c, prec);
		exact_dot(gr[k].c, vs, NULL, b - a, prec);
	}
	free(vs);
	return k;
}

static void groups_clear(struct group *gr, size_t ng)
{
	for (size_t k = 0; k < ng; k++)
		mpfr_clear(gr[k].c);
	free(gr);
}

/* [lo, hi] holds sum over gr[ix[k]] of c e^key at precision p (lo, hi
 * initialised by the caller); the ends' strict flags in *ls, *hs. */
static void exp_dot(const struct group *gr, const size_t *ix, size_t nk, mpfr_ptr lo, mpfr_ptr hi,
		    int *ls, int *hs)
{
	mpfr_prec_t p = mpfr_get_prec(lo);
	mpfr_t w, elo, ehi, t;
	mpfr_inits2(p, w, elo, ehi, t, (mpfr_ptr)0);
	mpfr_set_zero(lo, 1);
	mpfr_set_zero(hi, 1);
	*ls = *hs = 0;
	for (size_t k = 0; k < nk; k++) {
		const struct group *q = &gr[ix[k]];
		mpfr_set_d(w, q->key, MPFR_RNDN); /* exact: p >= 64 */
		int es = mpfr_exp(elo, w, MPFR_RNDD) != 0;
		mpfr_exp(ehi, w, MPFR_RNDU);
		int neg = mpfr_sgn(q->c) < 0; /* c e^y, ends swapped when c < 0 */
		*ls |= (mpfr_mul(t, neg ? ehi : elo, q->c, MPFR_RNDD) != 0) | es;
		*ls |= mpfr_add(lo, lo, t, MPFR_RNDD) != 0;
		*hs |= (mpfr_mul(t, neg ? elo : ehi, q->c, MPFR_RNDU) != 0) | es;
		*hs |= mpfr_add(hi, hi, t, MPFR_RNDU) != 0;
	}
	mpfr_clears(w, elo, ehi, t, (mpfr_ptr)0);
}

static int lsjvp_given(smx_dtype dt, const double *y, const double *v, size_t n,
		       struct smx_refval *out)
{
	mpfr_prec_t P = 2 * exact_prec(dt);
	struct keyv *e = malloc(n * sizeof *e);
	struct group *gr = malloc(n * sizeof *gr);
	size_t *ix = malloc(n * sizeof *ix);
	int *done = calloc(n, sizeof *done);
	if (!e || !gr || !ix || !done)
		abort(); /* no memory for the reference */
	size_t cnt = 0, nk = 0, left = n;
	for (size_t i = 0; i < n; i++)
		if (y[i] != -INFINITY)
			e[cnt++] = (struct keyv){y[i], v[i]};
	size_t ng = group_sums(e, cnt, P, gr);
	mpfr_t r, base, lo, hi, tlo, thi, tmp;
	mpfr_inits2(P, r, base, (mpfr_ptr)0);
	mpfr_set_zero(r, 1);
	for (size_t k = 0; k < ng; k++)
		if (gr[k].key == 0)
			mpfr_add(r, r, gr[k].c, MPFR_RNDN); /* exact: P bits */
		else if (!mpfr_zero_p(gr[k].c))
			ix[nk++] = k;
	mpfr_inits2(64, lo, hi, tlo, thi, tmp, (mpfr_ptr)0);
	for (mpfr_prec_t p = smx_ref_start_prec(dt, n); left && p <= SMX_REF_MAX_PREC; p *= 2) {
		mpfr_set_prec(lo, p);
		mpfr_set_prec(hi, p);
		mpfr_set_prec(tlo, p);
		mpfr_set_prec(thi, p);
		mpfr_set_prec(tmp, p);
		int ls, hs;
		exp_dot(gr, ix, nk, tlo, thi, &ls, &hs);
		for (size_t i = 0; i < n; i++) {
			if (done[i])
				continue;
			mpfr_d_sub(base, v[i], r, MPFR_RNDN); /* exact: P bits */
			int a_s = (mpfr_sub(lo, base, thi, MPFR_RNDD) != 0) | hs;
			int b_s = (mpfr_sub(hi, base, tlo, MPFR_RNDU) != 0) | ls;
			done[i] = smx_ref_settle(dt, lo, a_s, hi, b_s, tmp, &out[i]);
			left -= (size_t)done[i];
		}
	}
	if (left)
		abort(); /* unreachable: see above */
	mpfr_clears(r, base, lo, hi, tlo, thi, tmp, (mpfr_ptr)0);
	groups_clear(gr, ng);
	free(e);
	free(ix);
	free(done);
	return SMX_REF_OK;
}

/* logsoftmax_jvp end to end: dy_i = v_i - D, D = sum_k c_k e^x_k / sum_k
 * m_k e^x_k over the groups of equal x among the entries that take part
 * (m_k entries each). D is rational exactly when every group has the same
 * mean q of v (Lindemann-Weierstrass), and then D = q = C / M; such rows
 * (one group among them: all x equal, or the +inf entries' limit) are
 * evaluated here exactly and 1 returned. Otherwise v_i - D is irrational
 * and the interval loop of end_to_end settles it: 0. */
static int lsjvp_mean(smx_dtype dt, const double *x, const double *v, size_t n,
		      struct smx_refval *out)
{
	mpfr_prec_t P = 2 * exact_prec(dt);
	struct keyv *e = malloc(n * sizeof *e);
	struct group *gr = malloc(n * sizeof *gr);
	if (!e || !gr)
		abort(); /* no memory for the reference */
	int posinf = 0;
	for (size_t i = 0; i < n; i++)
		posinf |= x[i] == INFINITY;
	size_t cnt = 0;
	for (size_t i = 0; i < n; i++)
		if (posinf ? x[i] == INFINITY : x[i] != -INFINITY)
			e[cnt++] = (struct keyv){posinf ? 0 : x[i], v[i]};
	size_t ng = group_sums(e, cnt, P, gr);
	free(e);
	mpfr_t a, b, num, lo, hi, tmp;
	mpfr_inits2(P + 64, a, b, (mpfr_ptr)0);
	int same = 1;
	for (size_t k = 1; k < ng && same; k++) {		 /* c_k / m_k == c_0 / m_0 */
		mpfr_mul_ui(a, gr[k].c, gr[0].count, MPFR_RNDN); /* exact: P + 64 bits */
		mpfr_mul_ui(b, gr[0].c, gr[k].count, MPFR_RNDN);
		same = mpfr_equal_p(a, b);
	}
	if (same) {
		mpfr_set_zero(a, 1);
		for (size_t k = 0; k < ng; k++)
			mpfr_add(a, a, gr[k].c, MPFR_RNDN); /* C, exact */
		mpfr_inits2(P + 128, num, (mpfr_ptr)0);
		mpfr_inits2(64, lo, hi, tmp, (mpfr_ptr)0);
		for (size_t i = 0; i < n; i++) { /* (M v_i - C) / M */
			mpfr_set_d(num, v[i], MPFR_RNDN);
			mpfr_mul_ui(num, num, (unsigned long)cnt, MPFR_RNDN); /* exact */
			mpfr_sub(num, num, a, MPFR_RNDN);		      /* exact */
			int ok = 0;
			for (mpfr_prec_t p = smx_ref_start_prec(dt, n);
			     !ok && p <= SMX_REF_MAX_PREC; p *= 2) {
				mpfr_set_prec(lo, p);
				mpfr_set_prec(hi, p);
				mpfr_set_prec(tmp, p);
				int ls = mpfr_div_ui(lo, num, (unsigned long)cnt, MPFR_RNDD) != 0;
				int hs = mpfr_div_ui(hi, num, (unsigned long)cnt, MPFR_RNDU) != 0;
				ok = smx_ref_settle(dt, lo, ls, hi, hs, tmp, &out[i]);
			}
			if (!ok)
				abort(); /* unreachable: a quotient by M <= n settles */
		}
		mpfr_clears(num, lo, hi, tmp, (mpfr_ptr)0);
	}
	mpfr_clears(a, b, (mpfr_ptr)0);
	groups_clear(gr, ng);
	return same;
}

static int from_given(smx_op op, smx_dtype dt, const double *s, const double *g, size_t n,
		      struct smx_refval *out)
{
	if (op == SMX_OP_LOGSOFTMAX_JVP)
		return lsjvp_given(dt, s, g, n, out);
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
	} else if (op == SMX_OP_VJP || op == SMX_OP_JVP || op == SMX_OP_LOGSOFTMAX_JVP) {
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
			if (op == SMX_OP_LOGSOFTMAX_JVP) { /* v_i - <v, s> itself */
				ok = smx_ref_settle(dt, c, cs, d, ds, tmp, &out[i]);
				continue;
			}
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
			if (isinf(a[i]) &&
			    !(smx_op_info(op)->in[0] == SMX_ARG_Y && a[i] == -INFINITY))
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
	if (op == SMX_OP_LOGSOFTMAX_JVP && lsjvp_mean(dt, a, g, n, out))
		return SMX_REF_OK;
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
