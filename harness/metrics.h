/* Error metrics of an output row against its reference (DESIGN.md,
 * "Metrics"). Accumulated over the rows of one measurement. */
#ifndef SMX_METRICS_H
#define SMX_METRICS_H

#include <stddef.h>

#include "ref.h"
#include "smx.h"

struct smx_metrics {
	size_t rows;			      /* rows measured (reference defined) */
	size_t undefined_rows;		      /* reference undefined: not measured */
	size_t nan_rows, inf_rows, zero_rows; /* outcome classes */
	size_t wrong_rows;		      /* some component beyond the declared bound */
	size_t comps;			      /* components with a finite error */
	double sum_ulp;
	double max_ulp;	       /* +inf when a component is NaN or inf wrongly */
	double max_rel;	       /* |y - s| / |s| over components with s != 0 */
	double max_rel_normal; /* the same, over components with |s| normal */
	double norm_rel;       /* max over rows of |y - s|_inf / |s|_inf */
	double kl;	       /* max over rows of the generalised KL(s || y) */
	double sum_err;	       /* max over rows of |sum(y) - 1| in ulps of 1 */
	double bound_ratio;    /* max rel error / BHH bound (softmax), NaN if none */
	double decl_ratio;     /* max error / the entry's declared bound */
};

void smx_metrics_init(struct smx_metrics *m);
double smx_metrics_mean_ulp(const struct smx_metrics *m);

/* |y - s| / ulp(s) with s the exact value behind ref; +inf when y is NaN,
 * or infinite where s is not (and vice versa). Huge finite errors are
 * capped at 2^1000. */
double smx_ulp_error(const struct smx_refval *ref, double y);

/* Exact value as a double (rounded). */
double smx_ref_value(const struct smx_refval *ref);

/* Fold one row: x its input, y the output (as doubles), ref the reference
 * (status SMX_REF_OK or SMX_REF_UNDEFINED). errs, when not NULL, receives
 * each component's ulp error. bound may be NULL (no declared bound). */
void smx_metrics_row(struct smx_metrics *m, smx_op op, smx_dtype dt, const struct smx_bound *bound,
		     const double *x, const double *y, const struct smx_refval *ref, int status,
		     size_t n, double *errs);

/* Declared-bound measure of component i (ulps, or u * max(1, |s|) units
 * for SMX_BOUND_ABS) and the bound itself at that component. */
double smx_bound_measure(const struct smx_bound *b, smx_dtype dt, const struct smx_refval *ref,
			 double y);

/* |y - exp(x)| / ulp(exp(x)) in dt, exp(x) from MPFR at 160 bits. */
double smx_exp_ulp_error(double y, double x, smx_dtype dt);

#endif
