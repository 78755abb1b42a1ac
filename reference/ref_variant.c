/* Reference of the softmax variants; see ref_variant.h. A Ziv loop over
 * interval arithmetic, as ref.c: at p bits every transformed logit v_j is
 * an interval [lo, hi] obtained with outward rounding (x / c, tanh, * c,
 * + mask, + slope (j - r), / T, each monotone in its argument), so the
 * interval provably holds the exact value. With k the index of a largest
 * entry, d_j = v_j - v_k (d_k = 0 exactly) and
 *   T = sum over j != k of exp(d_j) + exp(sink - v_k),
 *   softmax_i = exp(d_i) / (1 + T),  log-softmax_i = d_i - log1p(T),
 * as the plain reference writes it: no term overflows, and log1p keeps
 * the log-softmax of the largest entry free of cancellation. Every
 * component is settled by smx_ref_settle (both ends round alike); the
 * ends are never claimed strict, so a tie is never guessed. */
#include <math.h>

#include <mpfr.h>

#include "ref_internal.h"
#include "ref_variant.h"
#include "smx_variant.h"

/* Beyond this the row is labelled undefined rather than evaluated on. */
#define VAR_MAX_PREC (1L << 16)

/* Entry j: 1 with its interval in [lo, hi], 0 when it is -inf (out of the
 * row), -1 when the row is undefined. t is scratch. */
static int entry(const struct smx_ref_variant *v, const double *x, size_t j, mpfr_t lo, mpfr_t hi,
		 mpfr_t t)
{
	double xj = x[j], m = v->flags & SMX_VARIANT_MASK && v->mask ? v->mask[j] : 0;
	if (isnan(xj) || isnan(m) || m == INFINITY)
		return -1;
	if (v->flags & SMX_VARIANT_SOFTCAP) {
		/* c tanh(x / c), c > 0: increasing in x; tanh(+-inf) = +-1. */
		mpfr_set_d(lo, xj, MPFR_RNDN);
		mpfr_div_d(lo, lo, v->softcap, MPFR_RNDD);
		mpfr_tanh(lo, lo, MPFR_RNDD);
		mpfr_mul_d(lo, lo, v->softcap, MPFR_RNDD);
		mpfr_set_d(hi, xj, MPFR_RNDN);
		mpfr_div_d(hi, hi, v->softcap, MPFR_RNDU);
		mpfr_tanh(hi, hi, MPFR_RNDU);
		mpfr_mul_d(hi, hi, v->softcap, MPFR_RNDU);
	} else {
		if (xj == INFINITY)
			return -1;
		if (xj == -INFINITY)
			return 0;
		mpfr_set_d(lo, xj, MPFR_RNDN); /* exact: p >= 53 */
		mpfr_set_d(hi, xj, MPFR_RNDN);
	}
	if (m == -INFINITY ||
	    (v->flags & SMX_VARIANT_CAUSAL && (long long)j > v->pos + v->causal_k))
		return 0;
	if (v->flags & SMX_VARIANT_MASK && v->mask) {
		mpfr_add_d(lo, lo, m, MPFR_RNDD);
		mpfr_add_d(hi, hi, m, MPFR_RNDU);
	}
	if (v->flags & SMX_VARIANT_ALIBI) {
		long k = (long)j - (long)v->pos;
		mpfr_set_d(t, v->alibi, MPFR_RNDN);
		mpfr_mul_si(t, t, k, MPFR_RNDD);
		mpfr_add(lo, lo, t, MPFR_RNDD);
		mpfr_set_d(t, v->alibi, MPFR_RNDN);
		mpfr_mul_si(t, t, k, MPFR_RNDU);
		mpfr_add(hi, hi, t, MPFR_RNDU);
	}
	if (v->flags & SMX_VARIANT_TEMPERATURE) {
		mpfr_div_d(lo, lo, v->temperature, MPFR_RNDD);
		mpfr_div_d(hi, hi, v->temperature, MPFR_RNDU);
	}
	return 1;
}

/* v_j in double, only to choose k (any index gives the same value). */
static double approx(const struct smx_ref_variant *v, const double *x, size_t j)
{
	double a = v->flags & SMX_VARIANT_SOFTCAP ? v->softcap * tanh(x[j] / v->softcap) : x[j];
	if (v->flags & SMX_VARIANT_MASK && v->mask)
		a += v->mask[j];
	if (v->flags & SMX_VARIANT_ALIBI)
		a += v->alibi * (double)((long long)j - v->pos);
	return v->flags & SMX_VARIANT_TEMPERATURE ? a / v->temperature : a;
}

struct vw {
	mpfr_t klo, khi, lo, hi, t, dlo, dhi, tlo, thi, slo, shi, a, b, mid;
};

static int has_sink(const struct smx_ref_variant *v)
{
	return (v->flags & (SMX_VARIANT_SINK | SMX_VARIANT_PLUS_ONE)) != 0;
}

/* d = v_j - v_k as an interval from v_j's [lo, hi]. */
static void diff(struct vw *w)
{
	mpfr_sub(w->dlo, w->lo, w->khi, MPFR_RNDD);
	mpfr_sub(w->dhi, w->hi, w->klo, MPFR_RNDU);
}

/* One evaluation at p bits: 1 when every component settled. */
static int eval(smx_op op, smx_dtype dt, const struct smx_ref_variant *v, const double *x, size_t n,
		size_t k, mpfr_prec_t p, struct smx_refval *out)
{
	struct vw w;
	mpfr_inits2(p, w.klo, w.khi, w.lo, w.hi, w.t, w.dlo, w.dhi, w.tlo, w.thi, w.slo, w.shi, w.a,
		    w.b, w.mid, (mpfr_ptr)0);
	entry(v, x, k, w.klo, w.khi, w.t);
	mpfr_set_zero(w.tlo, 1);
	mpfr_set_zero(w.thi, 1);
	for (size_t j = 0; j < n; j++) {
		if (j == k || entry(v, x, j, w.lo, w.hi, w.t) != 1)
			continue;
		diff(&w);
		mpfr_exp(w.a, w.dlo, MPFR_RNDD);
		mpfr_add(w.tlo, w.tlo, w.a, MPFR_RNDD);
		mpfr_exp(w.b, w.dhi, MPFR_RNDU);
		mpfr_add(w.thi, w.thi, w.b, MPFR_RNDU);
	}
	if (has_sink(v)) {
		double s = v->flags & SMX_VARIANT_SINK ? v->sink : 0;
		mpfr_set_d(w.lo, s, MPFR_RNDN);
		mpfr_set(w.hi, w.lo, MPFR_RNDN);
		diff(&w);
		mpfr_exp(w.a, w.dlo, MPFR_RNDD);
		mpfr_add(w.tlo, w.tlo, w.a, MPFR_RNDD);
		mpfr_exp(w.b, w.dhi, MPFR_RNDU);
		mpfr_add(w.thi, w.thi, w.b, MPFR_RNDU);
	}
	if (op == SMX_OP_SOFTMAX) {
		mpfr_add_ui(w.slo, w.tlo, 1, MPFR_RNDD);
		mpfr_add_ui(w.shi, w.thi, 1, MPFR_RNDU);
	} else {
		mpfr_log1p(w.slo, w.tlo, MPFR_RNDD);
		mpfr_log1p(w.shi, w.thi, MPFR_RNDU);
	}
	int ok = 1;
	for (size_t i = 0; i < n && ok; i++) {
		int in = i == k || entry(v, x, i, w.lo, w.hi, w.t) == 1;
		if (!in) {
			out[i] = op == SMX_OP_SOFTMAX
				     ? (struct smx_refval){0.0, 0.0, smx_dtype_emin_sub(dt)}
				     : (struct smx_refval){-INFINITY, 0.0, 0};
			continue;
		}
		if (i == k) {
			mpfr_set_zero(w.dlo, 1);
			mpfr_set_zero(w.dhi, 1);
		} else {
			diff(&w);
		}
		if (op == SMX_OP_SOFTMAX) {
			mpfr_exp(w.t, w.dlo, MPFR_RNDD);
			mpfr_div(w.a, w.t, w.shi, MPFR_RNDD);
			mpfr_exp(w.t, w.dhi, MPFR_RNDU);
			mpfr_div(w.b, w.t, w.slo, MPFR_RNDU);
		} else {
			mpfr_sub(w.a, w.dlo, w.shi, MPFR_RNDD);
			mpfr_sub(w.b, w.dhi, w.slo, MPFR_RNDU);
		}
		ok = smx_ref_settle(dt, w.a, 0, w.b, 0, w.mid, &out[i]);
	}
	mpfr_clears(w.klo, w.khi, w.lo, w.hi, w.t, w.dlo, w.dhi, w.tlo, w.thi, w.slo, w.shi, w.a,
		    w.b, w.mid, (mpfr_ptr)0);
	return ok;
}

int smx_ref_variant_row(smx_op op, smx_dtype dt, const struct smx_ref_variant *v, const double *x,
			size_t n, struct smx_refval *out)
{
	if (op != SMX_OP_SOFTMAX && op != SMX_OP_LOGSOFTMAX)
		return SMX_REF_UNSUPPORTED;
	/* Classify the entries once at 64 bits; k: a largest one. */
	mpfr_t lo, hi, t;
	mpfr_inits2(64, lo, hi, t, (mpfr_ptr)0);
	size_t k = n, in = 0;
	int undefined = 0;
	double best = -INFINITY;
	for (size_t j = 0; j < n && !undefined; j++) {
		int e = entry(v, x, j, lo, hi, t);
		undefined = e < 0;
		if (e == 1) {
			double a = approx(v, x, j);
			in++;
			if (k == n || a > best) {
				best = a;
				k = j;
			}
		}
	}
	mpfr_clears(lo, hi, t, (mpfr_ptr)0);
	if (undefined || (!in && !has_sink(v)))
		return SMX_REF_UNDEFINED;
	if (!in) {
		for (size_t i = 0; i < n; i++)
			out[i] = op == SMX_OP_SOFTMAX
				     ? (struct smx_refval){0.0, 0.0, smx_dtype_emin_sub(dt)}
				     : (struct smx_refval){-INFINITY, 0.0, 0};
		return SMX_REF_OK;
	}
	for (mpfr_prec_t p = smx_ref_start_prec(dt, n) + 16; p <= VAR_MAX_PREC; p *= 2)
		if (eval(op, dt, v, x, n, k, p, out))
			return SMX_REF_OK;
	return SMX_REF_UNDEFINED;
}
