/* Correctly rounded softmax, log-softmax and log-sum-exp with MPFR.
 * See ref.h for the method; the row is written as
 *   d_j = x_j - max (an interval, usually exact at p bits),
 *   T   = sum over j != k of exp(d_j), k one index of the maximum,
 *   softmax_i = exp(d_i) / (1 + T),  log-softmax_i = d_i - log1p(T),
 *   lse = max + log1p(T),
 * so no term overflows, and log1p keeps log-softmax free of cancellation
 * when T is tiny (Blanchard, Higham & Higham 2021). */
#include <math.h>
#include <stdlib.h>

#include <mpfr.h>

#include "ref.h"
#include "ref_internal.h"

/* Round to the target format, nearest-even, subnormals included: at the
 * bits the format has at v's binade (fewer below its least normal), then
 * the format's overflow rule. MPFR's exponent E has 2^(E-1) <= |v| < 2^E. */
double smx_ref_round(smx_dtype dt, mpfr_srcptr v)
{
	const struct smx_dtype_info *d = smx_dtype_info(dt);
	double r = 0;
	if (!mpfr_regular_p(v)) {
		r = mpfr_get_d(v, MPFR_RNDN);
		return isinf(r) && !d->has_inf ? copysign(d->max_finite, r) : r;
	}
	long e = mpfr_get_exp(v), bits = e - d->emin_sub;
	if (bits > d->prec)
		bits = d->prec;
	mpfr_t t;
	if (bits >= 1) {
		mpfr_init2(t, bits);
		mpfr_set(t, v, MPFR_RNDN);
		r = mpfr_get_d(t, MPFR_RNDN); /* exact: at most 53 bits, in range */
	} else {
		/* |v| < 2^emin_sub: zero up to half the least subnormal (a tie
		 * goes to even, zero), the least subnormal above it. */
		mpfr_init2(t, 2);
		mpfr_set_si_2exp(t, 1, d->emin_sub - 1, MPFR_RNDN);
		if (bits == 0 && mpfr_cmpabs(v, t) > 0)
			r = ldexp(1.0, d->emin_sub);
		r = mpfr_sgn(v) < 0 ? -r : r;
	}
	mpfr_clear(t);
	if (fabs(r) > d->max_finite)
		r = copysign(d->has_inf ? INFINITY : d->max_finite, r);
	return r;
}

struct smx_refval smx_ref_infinite(smx_dtype dt, int sign)
{
	const struct smx_dtype_info *d = smx_dtype_info(dt);
	if (d->has_inf)
		return (struct smx_refval){.cr = sign * INFINITY, .r = 0.0, .e = 0};
	return (struct smx_refval){
	    .cr = sign * d->max_finite, .r = 0.0, .e = d->emax - d->prec + 1};
}

/* log2 of ulp of v in the target format (v != 0), floored at the least
 * subnormal. MPFR's exponent E has 2^(E-1) <= |v| < 2^E. */
static int ulp_exp(smx_dtype dt, const mpfr_t v)
{
	int emin = smx_dtype_emin_sub(dt);
	if (mpfr_zero_p(v))
		return emin;
	long e = mpfr_get_exp(v) - smx_dtype_prec(dt);
	return e < emin ? emin : (int)e;
}

static mpfr_prec_t start_prec(smx_dtype dt, size_t n);

/* Working storage for one row at precision p. */
struct work {
	mpfr_t xv, dlo, dhi, elo, ehi, tlo, thi, slo, shi, a, b, mid;
	/* Strictness of each bound: 1 when it is known to differ from the
	 * exact value (some rounding on its way was inexact). */
	int dlo_s, dhi_s, elo_s, ehi_s, tlo_s, thi_s, slo_s, shi_s, a_s, b_s;
};

static void work_init(struct work *w, mpfr_prec_t p)
{
	mpfr_inits2(p, w->xv, w->dlo, w->dhi, w->elo, w->ehi, w->tlo, w->thi, w->slo, w->shi, w->a,
		    w->b, w->mid, (mpfr_ptr)0);
}

static void work_clear(struct work *w)
{
	mpfr_clears(w->xv, w->dlo, w->dhi, w->elo, w->ehi, w->tlo, w->thi, w->slo, w->shi, w->a,
		    w->b, w->mid, (mpfr_ptr)0);
}

/* [dlo, dhi] holds x - m; exact (dlo == dhi) whenever p bits suffice. */
static void shift(struct work *w, double x, double m)
{
	mpfr_set_d(w->xv, x, MPFR_RNDN); /* exact: p >= 53 */
	w->dlo_s = mpfr_sub_d(w->dlo, w->xv, m, MPFR_RNDD) != 0;
	if (!w->dlo_s)
		mpfr_set(w->dhi, w->dlo, MPFR_RNDN);
	else
		mpfr_sub_d(w->dhi, w->xv, m, MPFR_RNDU);
	w->dhi_s = w->dlo_s;
}

static void exp_interval(struct work *w)
{
	w->elo_s = (mpfr_exp(w->elo, w->dlo, MPFR_RNDD) != 0) | w->dlo_s;
	w->ehi_s = (mpfr_exp(w->ehi, w->dhi, MPFR_RNDU) != 0) | w->dhi_s;
}

/* Accept [lo, hi] if both ends round alike; fill *out. Two more cases are
 * decided. An end that is exactly the midpoint between the two roundings,
 * but known to be strictly away from the exact value (say y = d - L with d
 * a midpoint and 0 < L below MPFR's exponent range): the exact value is
 * then on the other end's side. And an interval around 0 whose ends both
 * round to zero: the answer is 0 (+0; the sign of a zero that may be exact
 * is not resolved). tmp is scratch at the working precision. */
int smx_ref_settle(smx_dtype dt, mpfr_srcptr lo, int lo_s, mpfr_srcptr hi, int hi_s, mpfr_ptr tmp,
		   struct smx_refval *out)
{
	double c = smx_ref_round(dt, lo), c_hi = smx_ref_round(dt, hi);
	if (c_hi != c) {
		if (!isfinite(c) || !isfinite(c_hi))
			return 0;
		mpfr_set_d(tmp, c, MPFR_RNDN);
		mpfr_add_d(tmp, tmp, c_hi, MPFR_RNDN); /* exact: p >= 64 */
		mpfr_div_2ui(tmp, tmp, 1, MPFR_RNDN);
		if (hi_s && mpfr_equal_p(hi, tmp))
			; /* exact value in [lo, mid): rounds as lo */
		else if (lo_s && mpfr_equal_p(lo, tmp))
			c = c_hi; /* in (mid, hi]: rounds as hi */
		else
			return 0;
	}
	/* The ends straddle a power of two only when the exact value is that
	 * close to it, possibly closer than any p resolves (1/(2 + e^-1e38)):
	 * then ulp is taken in the binade of smaller magnitude. */
	int elo = ulp_exp(dt, lo), ehi = ulp_exp(dt, hi);
	int e = elo < ehi ? elo : ehi;
	if (c == 0) {
		/* A zero's sign: that of the exact value when the interval tells
		 * it (ends strictly away from the exact value count), else +0
		 * (the exact value may be 0). */
		int neg = mpfr_sgn(hi) < 0 || (mpfr_zero_p(hi) && hi_s);
		int pos = mpfr_sgn(lo) > 0 || (mpfr_zero_p(lo) && lo_s);
		c = neg && !pos ? -0.0 : 0.0;
	}
	/* An overflowing rounding of a finite value: the offset is counted
	 * from the largest finite value, the format's nearest. */
	int ovf = isinf(c) && mpfr_number_p(lo) && mpfr_number_p(hi);
	double from = ovf ? copysign(smx_dtype_info(dt)->max_finite, c) : c;
	mpfr_add(tmp, lo, hi, MPFR_RNDN);
	mpfr_div_2ui(tmp, tmp, 1, MPFR_RNDN);
	mpfr_sub_d(tmp, tmp, from, MPFR_RNDN);
	mpfr_mul_2si(tmp, tmp, -e, MPFR_RNDN);
	out->cr = c;
	out->r = mpfr_get_d(tmp, MPFR_RNDN);
	out->e = e;
	out->ovf = ovf ? (int)dt + 1 : 0;
	return 1;
}

static int settle(smx_dtype dt, struct work *w, struct smx_refval *out)
{
	return smx_ref_settle(dt, w->a, w->a_s, w->b, w->b_s, w->mid, out);
}

/* The row as seen by the formulas: entries that take part have d = x - m;
 * -inf entries are out. With +inf entries present, the limit is the row
 * where those are 0 and all else is out (m = 0). */
struct row {
	const double *x;
	size_t n, k;
	double m;
	int posinf;
};

static int in_row(const struct row *rw, size_t i)
{
	return rw->posinf ? rw->x[i] == INFINITY : rw->x[i] != -INFINITY;
}

static double x_at(const struct row *rw, size_t i)
{
	return rw->posinf ? 0.0 : rw->x[i];
}

/* Classify the row; return SMX_REF_UNDEFINED for NaN, or 1 when no entry
 * takes part (all -inf or empty), else 0 with m and k set. */
static int row_setup(struct row *rw, const double *x, size_t n)
{
	rw->x = x;
	rw->n = n;
	rw->posinf = 0;
	rw->k = n;
	rw->m = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		if (isnan(x[i]))
			return -1;
		if (x[i] == INFINITY)
			rw->posinf = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (in_row(rw, i) && (rw->k == n || x_at(rw, i) > rw->m)) {
			rw->k = i;
			rw->m = x_at(rw, i);
		}
	return rw->k == n ? 1 : 0;
}

/* [tlo, thi] holds T = sum over the row but k of exp(d_j). */
static void sum_rest(struct work *w, const struct row *rw)
{
	mpfr_set_zero(w->tlo, 1);
	mpfr_set_zero(w->thi, 1);
	w->tlo_s = w->thi_s = 0;
	for (size_t j = 0; j < rw->n; j++) {
		if (j == rw->k || !in_row(rw, j))
			continue;
		shift(w, x_at(rw, j), rw->m);
		exp_interval(w);
		w->tlo_s |= (mpfr_add(w->tlo, w->tlo, w->elo, MPFR_RNDD) != 0) | w->elo_s;
		w->thi_s |= (mpfr_add(w->thi, w->thi, w->ehi, MPFR_RNDU) != 0) | w->ehi_s;
	}
}

static int eval_row(smx_op op, smx_dtype dt, const struct row *rw, mpfr_prec_t p,
		    struct smx_refval *out)
{
	struct work w;
	work_init(&w, p);
	sum_rest(&w, rw);
	if (op == SMX_OP_SOFTMAX) {
		w.slo_s = (mpfr_add_ui(w.slo, w.tlo, 1, MPFR_RNDD) != 0) | w.tlo_s;
		w.shi_s = (mpfr_add_ui(w.shi, w.thi, 1, MPFR_RNDU) != 0) | w.thi_s;
	} else {
		w.slo_s = (mpfr_log1p(w.slo, w.tlo, MPFR_RNDD) != 0) | w.tlo_s;
		w.shi_s = (mpfr_log1p(w.shi, w.thi, MPFR_RNDU) != 0) | w.thi_s;
	}
	int ok = 1;
	for (size_t i = 0; i < rw->n && ok; i++) {
		if (!in_row(rw, i)) {
			out[i] = op == SMX_OP_SOFTMAX
				     ? (struct smx_refval){.cr = 0.0,
							   .r = 0.0,
							   .e = smx_dtype_emin_sub(dt)}
				     : smx_ref_infinite(dt, -1);
			continue;
		}
		shift(&w, x_at(rw, i), rw->m);
		if (op == SMX_OP_SOFTMAX) {
			exp_interval(&w);
			w.a_s = (mpfr_div(w.a, w.elo, w.shi, MPFR_RNDD) != 0) | w.elo_s | w.shi_s;
			w.b_s = (mpfr_div(w.b, w.ehi, w.slo, MPFR_RNDU) != 0) | w.ehi_s | w.slo_s;
		} else {
			w.a_s = (mpfr_sub(w.a, w.dlo, w.shi, MPFR_RNDD) != 0) | w.dlo_s | w.shi_s;
			w.b_s = (mpfr_sub(w.b, w.dhi, w.slo, MPFR_RNDU) != 0) | w.dhi_s | w.slo_s;
		}
		ok = settle(dt, &w, &out[i]);
	}
	work_clear(&w);
	return ok;
}

int smx_ref_softmax_bounds(const double *x, size_t n, mpfr_prec_t p, mpfr_t *lo, mpfr_t *hi,
			   int *lo_s, int *hi_s)
{
	struct row rw;
	if (row_setup(&rw, x, n) != 0)
		return -1;
	struct work w;
	work_init(&w, p);
	sum_rest(&w, &rw);
	w.slo_s = (mpfr_add_ui(w.slo, w.tlo, 1, MPFR_RNDD) != 0) | w.tlo_s;
	w.shi_s = (mpfr_add_ui(w.shi, w.thi, 1, MPFR_RNDU) != 0) | w.thi_s;
	for (size_t i = 0; i < n; i++) {
		if (!in_row(&rw, i)) {
			mpfr_set_zero(lo[i], 1);
			mpfr_set_zero(hi[i], 1);
			lo_s[i] = hi_s[i] = 0;
			continue;
		}
		shift(&w, x_at(&rw, i), rw.m);
		exp_interval(&w);
		lo_s[i] = (mpfr_div(lo[i], w.elo, w.shi, MPFR_RNDD) != 0) | w.elo_s | w.shi_s;
		hi_s[i] = (mpfr_div(hi[i], w.ehi, w.slo, MPFR_RNDU) != 0) | w.ehi_s | w.slo_s;
	}
	work_clear(&w);
	return 0;
}

mpfr_prec_t smx_ref_start_prec(smx_dtype dt, size_t n)
{
	return start_prec(dt, n);
}

static mpfr_prec_t start_prec(smx_dtype dt, size_t n)
{
	mpfr_prec_t p = smx_dtype_prec(dt) + 32;
	for (size_t m = n; m; m >>= 1)
		p++;
	return p < 64 ? 64 : p;
}

static int mpfr_only;
static unsigned long long n_fast, n_mpfr, n_mpfr_rows;

void smx_ref_set_mpfr_only(int on)
{
	mpfr_only = on;
}

int smx_ref_fast_on(void)
{
	return !mpfr_only;
}

void smx_ref_count(size_t values, int fell_back)
{
	if (fell_back) {
#pragma omp atomic
		n_mpfr += values;
#pragma omp atomic
		n_mpfr_rows++;
	} else {
#pragma omp atomic
		n_fast += values;
	}
}

void smx_ref_stats_get(struct smx_ref_stats *s)
{
#pragma omp critical(smx_ref_stats)
	*s = (struct smx_ref_stats){n_fast, n_mpfr, n_mpfr_rows};
}

void smx_ref_stats_reset(void)
{
#pragma omp critical(smx_ref_stats)
	n_fast = n_mpfr = n_mpfr_rows = 0;
}

static int row_path(smx_op op, smx_dtype dt, const double *x, size_t n, struct smx_refval *out,
		    int mpfr)
{
	if (op != SMX_OP_SOFTMAX && op != SMX_OP_LOGSOFTMAX)
		return SMX_REF_UNSUPPORTED;
	struct row rw;
	if (row_setup(&rw, x, n) != 0)
		return n == 0 ? SMX_REF_OK : SMX_REF_UNDEFINED;
	if (!mpfr) {
		if (!rw.posinf && smx_ref_fast_row(op, dt, x, n, rw.k, rw.m, out)) {
			smx_ref_count(n, 0);
			return SMX_REF_OK;
		}
		smx_ref_count(n, 1);
	}
	for (mpfr_prec_t p = start_prec(dt, n); p <= SMX_REF_MAX_PREC; p *= 2)
		if (eval_row(op, dt, &rw, p, out))
			return SMX_REF_OK;
	abort(); /* unreachable: see the termination argument in ref.h */
}

int smx_ref_row(smx_op op, smx_dtype dt, const double *x, size_t n, struct smx_refval *out)
{
	int st = row_path(op, dt, x, n, out, mpfr_only);
	if (mpfr_only && st == SMX_REF_OK)
		smx_ref_count(n, 1);
	return st;
}

int smx_ref_row_mpfr(smx_op op, smx_dtype dt, const double *x, size_t n, struct smx_refval *out)
{
	return row_path(op, dt, x, n, out, 1);
}

static int lse_path(smx_dtype dt, const double *x, size_t n, struct smx_refval *out, int mpfr)
{
	struct row rw;
	int st = row_setup(&rw, x, n);
	if (st < 0)
		return SMX_REF_UNDEFINED;
	if (st > 0 || rw.posinf) {
		*out = smx_ref_infinite(dt, rw.posinf ? 1 : -1);
		return SMX_REF_OK;
	}
	if (!mpfr) {
		if (smx_ref_fast_lse(dt, x, n, rw.k, rw.m, out)) {
			smx_ref_count(1, 0);
			return SMX_REF_OK;
		}
		smx_ref_count(1, 1);
	}
	for (mpfr_prec_t p = start_prec(dt, n); p <= SMX_REF_MAX_PREC; p *= 2) {
		struct work w;
		work_init(&w, p);
		sum_rest(&w, &rw);
		w.slo_s = (mpfr_log1p(w.slo, w.tlo, MPFR_RNDD) != 0) | w.tlo_s;
		w.shi_s = (mpfr_log1p(w.shi, w.thi, MPFR_RNDU) != 0) | w.thi_s;
		w.a_s = (mpfr_add_d(w.a, w.slo, rw.m, MPFR_RNDD) != 0) | w.slo_s;
		w.b_s = (mpfr_add_d(w.b, w.shi, rw.m, MPFR_RNDU) != 0) | w.shi_s;
		int ok = settle(dt, &w, out);
		work_clear(&w);
		if (ok)
			return SMX_REF_OK;
	}
	abort(); /* unreachable: see ref.h */
}

int smx_ref_lse(smx_dtype dt, const double *x, size_t n, struct smx_refval *out)
{
	int st = lse_path(dt, x, n, out, mpfr_only);
	if (mpfr_only && st == SMX_REF_OK)
		smx_ref_count(1, 1);
	return st;
}

int smx_ref_lse_mpfr(smx_dtype dt, const double *x, size_t n, struct smx_refval *out)
{
	return lse_path(dt, x, n, out, 1);
}

void smx_ref_rows(enum smx_ref_what what, smx_dtype dt, const double *x, size_t rows, size_t n,
		  const size_t *off, struct smx_refval *out, int *status)
{
	long nr = (long)rows;
#pragma omp parallel if (nr > 1)
	{
#pragma omp for schedule(dynamic, 1)
		for (long r = 0; r < nr; r++) {
			size_t a = off ? off[r] : (size_t)r * n, len = off ? off[r + 1] - a : n;
			if (what == SMX_REF_LSE)
				status[r] = smx_ref_lse(dt, x + a, len, &out[r]);
			else
				status[r] = smx_ref_row(what == SMX_REF_SOFTMAX ? SMX_OP_SOFTMAX
										: SMX_OP_LOGSOFTMAX,
							dt, x + a, len, out + a);
		}
		mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
	}
}
