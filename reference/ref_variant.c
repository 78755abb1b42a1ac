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

#include "dtype.h"
#include "ref_internal.h"
#include "ref_variant.h"
#include "smx_variant.h"

/* Beyond this the row is labelled undefined rather than evaluated on. */
#define VAR_MAX_PREC (1L << 16)

/* Whether [lo, hi] reaches beyond range in magnitude. */
static int beyond(mpfr_t lo, mpfr_t hi, double range)
{
	return mpfr_cmp_d(lo, -range) < 0 || mpfr_cmp_d(hi, range) > 0;
}

/* Entry j: 1 with its interval in [lo, hi], 0 when it is -inf (out of the
 * row), -1 when the row is undefined: a NaN, or a value computed on the
 * way beyond range (half the dtype's largest finite value), where the
 * entry's own arithmetic could overflow. t is scratch. */
static int entry(const struct smx_ref_variant *v, const double *x, size_t j, mpfr_t lo, mpfr_t hi,
		 mpfr_t t, double range)
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
		if (beyond(lo, hi, range))
			return -1;
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
		if (beyond(lo, hi, range))
			return -1;
	}
	if (v->flags & SMX_VARIANT_ALIBI) {
		long k = (long)j - (long)v->pos;
		mpfr_set_d(t, v->alibi, MPFR_RNDN);
		mpfr_mul_si(t, t, k, MPFR_RNDD);
		if (beyond(t, t, range))
			return -1;
		mpfr_add(lo, lo, t, MPFR_RNDD);
		mpfr_set_d(t, v->alibi, MPFR_RNDN);
		mpfr_mul_si(t, t, k, MPFR_RNDU);
		if (beyond(t, t, range))
			return -1;
		mpfr_add(hi, hi, t, MPFR_RNDU);
		if (beyond(lo, hi, range))
			return -1;
	}
	if (v->flags & SMX_VARIANT_TEMPERATURE) {
		mpfr_div_d(lo, lo, v->temperature, MPFR_RNDD);
		mpfr_div_d(hi, hi, v->temperature, MPFR_RNDU);
		if (beyond(lo, hi, range))
			return -1;
	}
	return 1;
}

static double range(smx_dtype dt)
{
	return smx_dtype_info(dt)->max_finite / 2;
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

/* At p bits: the logits, their differences and the outputs; at pe bits
 * (fewer when the logits are large: exp(d) is known only as well as d,
 * about 2^-p |v| absolute): the exponentials and their sums. */
struct vw {
	mpfr_t klo, khi, lo, hi, t, dlo, dhi, a, b, mid;
	mpfr_t ea, eb, tlo, thi, slo, shi;
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

/* One evaluation at p (and pe) bits: 1 when every component settled, 0
 * when p is too short, -1 when an entry turns out undefined at p bits (a
 * value within rounding of range). */
static int eval(smx_op op, smx_dtype dt, const struct smx_ref_variant *v, const double *x, size_t n,
		size_t k, mpfr_prec_t p, mpfr_prec_t pe, struct smx_refval *out)
{
	struct vw w;
	mpfr_inits2(p, w.klo, w.khi, w.lo, w.hi, w.t, w.dlo, w.dhi, w.a, w.b, w.mid, (mpfr_ptr)0);
	mpfr_inits2(pe, w.ea, w.eb, w.tlo, w.thi, w.slo, w.shi, (mpfr_ptr)0);
	int ok = entry(v, x, k, w.klo, w.khi, w.t, range(dt));
	mpfr_set_zero(w.tlo, 1);
	mpfr_set_zero(w.thi, 1);
	for (size_t j = 0; j < n && ok == 1; j++) {
		int e = j == k ? 0 : entry(v, x, j, w.lo, w.hi, w.t, range(dt));
		ok = e < 0 ? -1 : 1;
		if (e != 1)
			continue;
		diff(&w);
		mpfr_exp(w.ea, w.dlo, MPFR_RNDD);
		mpfr_add(w.tlo, w.tlo, w.ea, MPFR_RNDD);
		mpfr_exp(w.eb, w.dhi, MPFR_RNDU);
		mpfr_add(w.thi, w.thi, w.eb, MPFR_RNDU);
	}
	if (has_sink(v)) {
		double s = v->flags & SMX_VARIANT_SINK ? v->sink : 0;
		mpfr_set_d(w.lo, s, MPFR_RNDN);
		mpfr_set(w.hi, w.lo, MPFR_RNDN);
		diff(&w);
		mpfr_exp(w.ea, w.dlo, MPFR_RNDD);
		mpfr_add(w.tlo, w.tlo, w.ea, MPFR_RNDD);
		mpfr_exp(w.eb, w.dhi, MPFR_RNDU);
		mpfr_add(w.thi, w.thi, w.eb, MPFR_RNDU);
	}
	if (op == SMX_OP_SOFTMAX) {
		mpfr_add_ui(w.slo, w.tlo, 1, MPFR_RNDD);
		mpfr_add_ui(w.shi, w.thi, 1, MPFR_RNDU);
	} else {
		mpfr_log1p(w.slo, w.tlo, MPFR_RNDD);
		mpfr_log1p(w.shi, w.thi, MPFR_RNDU);
	}
	for (size_t i = 0; i < n && ok == 1; i++) {
		int in = i == k || entry(v, x, i, w.lo, w.hi, w.t, range(dt)) == 1;
		if (!in) {
			out[i] = op == SMX_OP_SOFTMAX
				     ? (struct smx_refval){.cr = 0.0,
							   .r = 0.0,
							   .e = smx_dtype_emin_sub(dt)}
				     : (struct smx_refval){.cr = -INFINITY, .r = 0.0, .e = 0};
			continue;
		}
		if (i == k) {
			mpfr_set_zero(w.dlo, 1);
			mpfr_set_zero(w.dhi, 1);
		} else {
			diff(&w);
		}
		if (op == SMX_OP_SOFTMAX) {
			mpfr_exp(w.ea, w.dlo, MPFR_RNDD);
			mpfr_div(w.a, w.ea, w.shi, MPFR_RNDD);
			mpfr_exp(w.eb, w.dhi, MPFR_RNDU);
			mpfr_div(w.b, w.eb, w.slo, MPFR_RNDU);
		} else {
			mpfr_sub(w.a, w.dlo, w.shi, MPFR_RNDD);
			mpfr_sub(w.b, w.dhi, w.slo, MPFR_RNDU);
		}
		ok = smx_ref_settle(dt, w.a, 0, w.b, 0, w.mid, &out[i]);
	}
	mpfr_clears(w.klo, w.khi, w.lo, w.hi, w.t, w.dlo, w.dhi, w.a, w.b, w.mid, w.ea, w.eb, w.tlo,
		    w.thi, w.slo, w.shi, (mpfr_ptr)0);
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
	double best = -INFINITY, big = 1; /* the largest |v_j| */
	for (size_t j = 0; j < n && !undefined; j++) {
		int e = entry(v, x, j, lo, hi, t, range(dt));
		undefined = e < 0;
		if (e == 1) {
			double a = approx(v, x, j);
			big = fabs(a) > big ? fabs(a) : big;
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
				     ? (struct smx_refval){.cr = 0.0,
							   .r = 0.0,
							   .e = smx_dtype_emin_sub(dt)}
				     : (struct smx_refval){.cr = -INFINITY, .r = 0.0, .e = 0};
		return SMX_REF_OK;
	}
	/* d_j = v_j - v_k is known to about 2^-p |v|: start with the bits
	 * that magnitude takes. */
	int mag = isfinite(big) ? ilogb(big) : 0;
	mpfr_prec_t p0 = smx_ref_start_prec(dt, n) + 16 + mag;
	for (mpfr_prec_t p = p0; p <= VAR_MAX_PREC; p *= 2) {
		mpfr_prec_t pe = p - mag > 64 ? p - mag : 64;
		int e = eval(op, dt, v, x, n, k, p, pe, out);
		if (e)
			return e > 0 ? SMX_REF_OK : SMX_REF_UNDEFINED;
	}
	return SMX_REF_UNDEFINED;
}
