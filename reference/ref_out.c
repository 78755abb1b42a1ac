/* Softmax times a scale, correctly rounded to an output format; see
 * ref_out.h. The Ziv loop and its termination are ref.h's: the exact
 * values are max_finite e^d (d != 0 irrational, never a rounding midpoint),
 * max_finite itself, 0, or S times a softmax component. */
#include <math.h>
#include <stdlib.h>

#include <mpfr.h>

#include "ref_internal.h"
#include "ref_out.h"

static struct smx_refval exact_zero_of(smx_dtype dt)
{
	return (struct smx_refval){.cr = 0.0, .e = smx_dtype_emin_sub(dt)};
}

/* max_finite e^(x - m), bracketed at p bits: [lo, hi] from directed
 * roundings, each end strict when some rounding on its way was inexact. */
static void amax_value(smx_dtype out, double x, double m, struct smx_refval *o)
{
	const double fmax = smx_dtype_info(out)->max_finite;
	for (mpfr_prec_t p = 64; p <= SMX_REF_MAX_PREC; p *= 2) {
		mpfr_t xv, lo, hi, tmp;
		mpfr_inits2(p, xv, lo, hi, tmp, (mpfr_ptr)0);
		mpfr_set_d(xv, x, MPFR_RNDN); /* exact: p >= 53 */
		int d_s = mpfr_sub_d(lo, xv, m, MPFR_RNDD) != 0;
		mpfr_sub_d(hi, xv, m, MPFR_RNDU);
		int lo_s = (mpfr_exp(lo, lo, MPFR_RNDD) != 0) | d_s;
		int hi_s = (mpfr_exp(hi, hi, MPFR_RNDU) != 0) | d_s;
		lo_s |= mpfr_mul_d(lo, lo, fmax, MPFR_RNDD) != 0;
		hi_s |= mpfr_mul_d(hi, hi, fmax, MPFR_RNDU) != 0;
		int ok = smx_ref_settle(out, lo, lo_s, hi, hi_s, tmp, o);
		mpfr_clears(xv, lo, hi, tmp, (mpfr_ptr)0);
		if (ok)
			return;
	}
	abort(); /* unreachable: see the termination argument above */
}

int smx_ref_out_plan(struct smx_ref_plan *p, const struct smx_ref_plan *softmax, smx_dtype out,
		     double scale)
{
	if (softmax->op != SMX_OP_SOFTMAX || !(scale == 0 || scale == 1 || scale == SMX_SCALE_AMAX))
		return 0;
	*p = *softmax;
	p->dt = out;
	if (scale == SMX_SCALE_AMAX) {
		/* max_finite e^(x - m): the scale is exact, no radius; the
		 * value reaches max_finite (not below 1) */
		p->shi = smx_dtype_info(out)->max_finite;
		p->slo = 0;
		p->srad = 0;
		p->below_one = 0;
	}
	return 1;
}

/* The amax plan of a row of maximum m (the fast path's tables set up by
 * smx_ref_fast_plan on an empty sum). */
static void amax_plan(smx_dtype out, double m, struct smx_ref_plan *p)
{
	struct smx_ref_plan soft;
	const struct smx_ref_part none = {0, 0, 0};
	smx_ref_fast_plan(&soft, SMX_OP_SOFTMAX, out, 1, m, &none);
	smx_ref_out_plan(p, &soft, out, SMX_SCALE_AMAX);
}

static int amax_row(smx_dtype out, const double *x, size_t n, struct smx_refval *ref)
{
	double m = -INFINITY;
	int posinf = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(x[i]))
			return SMX_REF_UNDEFINED;
		posinf |= x[i] == INFINITY;
		m = x[i] > m ? x[i] : m;
	}
	if (n == 0)
		return SMX_REF_OK;
	if (m == -INFINITY)
		return SMX_REF_UNDEFINED;
	const struct smx_dtype_info *d = smx_dtype_info(out);
	struct smx_ref_plan plan;
	const int fast = !posinf && smx_ref_fast_on();
	if (fast)
		amax_plan(out, m, &plan);
	for (size_t i = 0; i < n; i++) {
		if (posinf || x[i] == -INFINITY)
			ref[i] = x[i] == INFINITY ? (struct smx_refval){.cr = d->max_finite,
									.e = d->emax - d->prec + 1}
						  : exact_zero_of(out);
		else if (!fast || !smx_ref_fast_block(&plan, x + i, 1, &ref[i]))
			amax_value(out, x[i], m, &ref[i]);
	}
	return SMX_REF_OK;
}

/* S p_i from the softmax's interval bounds, the loop raising p until every
 * component settles. */
static int scaled_row(smx_dtype out, double s, const double *x, size_t n, struct smx_refval *ref)
{
	if (n == 0)
		return SMX_REF_OK;
	mpfr_t *lo = malloc(n * sizeof *lo), *hi = malloc(n * sizeof *hi), tmp;
	int *lo_s = malloc(n * sizeof *lo_s), *hi_s = malloc(n * sizeof *hi_s);
	if (!lo || !hi || !lo_s || !hi_s)
		abort(); /* a reference cannot go on without its row */
	int st = SMX_REF_OK;
	for (mpfr_prec_t p = smx_ref_start_prec(out, n);; p *= 2) {
		if (p > SMX_REF_MAX_PREC)
			abort(); /* unreachable: see ref.h */
		for (size_t i = 0; i < n; i++)
			mpfr_inits2(p, lo[i], hi[i], (mpfr_ptr)0);
		mpfr_init2(tmp, p);
		int ok = 1;
		if (smx_ref_softmax_bounds(x, n, p, lo, hi, lo_s, hi_s)) {
			st = SMX_REF_UNDEFINED;
		} else {
			for (size_t i = 0; i < n && ok; i++) {
				lo_s[i] |= mpfr_mul_d(lo[i], lo[i], s, MPFR_RNDD) != 0;
				hi_s[i] |= mpfr_mul_d(hi[i], hi[i], s, MPFR_RNDU) != 0;
				ok = smx_ref_settle(out, lo[i], lo_s[i], hi[i], hi_s[i], tmp,
						    &ref[i]);
			}
		}
		for (size_t i = 0; i < n; i++)
			mpfr_clears(lo[i], hi[i], (mpfr_ptr)0);
		mpfr_clear(tmp);
		if (ok)
			break;
	}
	free(lo);
	free(hi);
	free(lo_s);
	free(hi_s);
	return st;
}

void smx_ref_out_rows(smx_dtype out, double scale, const double *x, size_t rows, size_t n,
		      struct smx_refval *ref, int *status)
{
	if (scale == 0 || scale == 1) {
		smx_ref_rows(SMX_REF_SOFTMAX, out, x, rows, n, NULL, ref, status);
		return;
	}
	long nr = (long)rows;
#pragma omp parallel if (nr > 1)
	{
#pragma omp for schedule(dynamic, 1)
		for (long r = 0; r < nr; r++) {
			const double *xr = x + (size_t)r * n;
			struct smx_refval *o = ref + (size_t)r * n;
			status[r] = scale == SMX_SCALE_AMAX ? amax_row(out, xr, n, o)
							    : scaled_row(out, scale, xr, n, o);
		}
		mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
	}
}
