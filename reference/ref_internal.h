/* Pieces of the forward reference that the backward references build on. */
#ifndef SMX_REF_INTERNAL_H
#define SMX_REF_INTERNAL_H

#include <mpfr.h>

#include "ref.h"

/* Accept the interval [lo, hi] (each end strict when it is known to differ
 * from the exact value) if it decides the rounding; fill *out. */
int smx_ref_settle(smx_dtype dt, mpfr_srcptr lo, int lo_s, mpfr_srcptr hi, int hi_s, mpfr_ptr tmp,
		   struct smx_refval *out);

/* Interval bounds of every softmax component of x at precision p (lo, hi
 * initialised by the caller); -1 when the row is undefined or empty. */
int smx_ref_softmax_bounds(const double *x, size_t n, mpfr_prec_t p, mpfr_t *lo, mpfr_t *hi,
			   int *lo_s, int *hi_s);

/* The first precision of a Ziv loop for a row of n. */
mpfr_prec_t smx_ref_start_prec(smx_dtype dt, size_t n);

/* Far beyond any row's need (a loop ends at the first p that separates the
 * exact value from the nearest rounding boundary). */
#define SMX_REF_MAX_PREC (1L << 20)

#endif
