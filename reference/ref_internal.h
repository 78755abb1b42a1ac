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

/* The fast path (ref_fast.c): 1 when every component is decided (out
 * filled), 0 when the caller must run the MPFR loop. kmax is the index of
 * a maximum m of a row with no NaN or +inf and at least one finite entry. */
int smx_ref_fast_row(smx_op op, smx_dtype dt, const double *x, size_t n, size_t kmax, double m,
		     struct smx_refval *out);
int smx_ref_fast_lse(smx_dtype dt, const double *x, size_t n, size_t kmax, double m,
		     struct smx_refval *out);
/* A long row block by block (harness/stream.c), the same values as
 * smx_ref_fast_row gives the whole row: the parts of T over blocks of
 * SMX_REF_BLOCK values (xb the block's values, skip the index of the row's
 * maximum within the block, or len), then the row's plan from every part
 * in order (0 when the fast path cannot take the row), then the components
 * of any block (0 when one is undecided: the row needs the MPFR loop). */
#define SMX_REF_BLOCK 1024
struct smx_ref_part {
	double hi, lo;
	size_t terms;
};
struct smx_ref_plan {
	smx_op op;
	smx_dtype dt;
	double m, shi, slo, srad;
	int below_one;
};
void smx_ref_fast_part(const double *xb, size_t len, size_t skip, double m,
		       struct smx_ref_part *out);
int smx_ref_fast_plan(struct smx_ref_plan *p, smx_op op, smx_dtype dt, size_t n, double m,
		      const struct smx_ref_part *part);
int smx_ref_fast_block(const struct smx_ref_plan *p, const double *xb, size_t len,
		       struct smx_refval *out);

/* vjp and jvp from the given s and g (finite, no NaN). */
int smx_ref_fast_backward(smx_op op, smx_dtype dt, const double *s, const double *g, size_t n,
			  struct smx_refval *out);

/* The fast path's exp: e^(dh + dl) = 2^k (hi + lo) within 2^-81 relative,
 * |dh| <= 1500. For tests: smx_ref_fast_plant, when not 0, multiplies
 * every such exp by 1 + plant without widening the bound (a planted error
 * that the identity tests must catch). */
void smx_ref_fast_exp(double dh, double dl, int *k, double *hi, double *lo);
extern double smx_ref_fast_plant;

/* The MPFR path alone, whatever smx_ref_set_mpfr_only says, and not
 * counted (for comparisons from several threads). */
int smx_ref_row_mpfr(smx_op op, smx_dtype dt, const double *x, size_t n, struct smx_refval *out);
int smx_ref_lse_mpfr(smx_dtype dt, const double *x, size_t n, struct smx_refval *out);
int smx_ref_backward_mpfr(smx_op op, smx_dtype dt, int from_x, const double *a, const double *g,
			  size_t n, struct smx_refval *out);

/* Whether the fast path runs, and its counters (ref.c). */
int smx_ref_fast_on(void);
void smx_ref_count(size_t values, int fell_back);

/* Far beyond any row's need (a loop ends at the first p that separates the
 * exact value from the nearest rounding boundary). */
#define SMX_REF_MAX_PREC (1L << 20)

#endif
