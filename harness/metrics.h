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
	size_t unclaimed_bad_rows;	      /* not ok, outside the claim's domain */
	/* Of nan_rows, those whose input has a +inf entry, and those whose
	 * input is all -inf with a defined reference (lse: -inf): the rows an
	 * edge policy of NaN declares (smx_verdict_metrics). */
	size_t pinf_nan_rows, neginf_nan_rows;
	size_t comps; /* components with a finite error */
	double sum_ulp;
	double max_ulp;	       /* +inf when a component is NaN or inf wrongly */
	double max_rel;	       /* |y - s| / |s| over components with s != 0; s exact */
	double max_rel_normal; /* the same, over components with |s| normal */
	double norm_rel;       /* max over rows of |y - s|_inf / |s|_inf */
	double kl;	       /* max over rows of the generalised KL(s || y) */
	double sum_err;	       /* max over rows of |sum(y) - 1| in ulps of 1 */
	double bound_ratio;    /* max rel error / BHH bound (softmax), NaN if none */
	double decl_ratio;     /* max error / the entry's declared bound */
	double cond_err;       /* backward: max |y - s| / (u * condition scale) */
	double invariant;      /* backward: J 1 = 0 or sum(dx) = 0, residual (see README) */
	double abs_err;	       /* max |y - s| (lse, xent: in nats), NaN if not kept */
	/* Log-probability error in nats: logsoftmax max |y - log p| over every
	 * component; xent without smoothing the loss's (-log p_t's); NaN for
	 * the other ops. */
	double logprob_nats;
};

void smx_metrics_init(struct smx_metrics *m);

/* Fold one row of op xent or xent_fused (harness/xent_metrics.c): x the
 * logits, t the targets row (its class index at t[0]). */
void smx_metrics_xent_row(struct smx_metrics *m, smx_op op, smx_dtype dt,
			  const struct smx_bound *bound, const double *x, const double *t,
			  const double *y, const struct smx_refval *ref, int status, size_t n,
			  double *errs);
double smx_metrics_mean_ulp(const struct smx_metrics *m);

/* |y - s| / ulp(s) with s the exact value behind ref; +inf when y is NaN,
 * or infinite where s is not (and vice versa). Where s is finite but
 * rounds to inf, inf scores 0 and a finite y its distance from s.
 * Huge finite errors are capped at 2^1000. */
double smx_ulp_error(const struct smx_refval *ref, double y);

/* Exact value as a double (rounded). */
double smx_ref_value(const struct smx_refval *ref);

/* Fold one row: x its input, y the output (as doubles), ref the reference
 * (status SMX_REF_OK or SMX_REF_UNDEFINED). errs, when not NULL, receives
 * each component's ulp error. bound may be NULL (no declared bound). */
void smx_metrics_row(struct smx_metrics *m, smx_op op, smx_dtype dt, const struct smx_bound *bound,
		     const double *x, const double *y, const struct smx_refval *ref, int status,
		     size_t n, double *errs);

/* smx_metrics_row for an entry whose output format out differs from its
 * input (reference/ref_out.h): ulps are out's, ref is the reference of the
 * output, and with scaled the outputs are p S, so the sum and KL are
 * taken of y / S, S being the exact outputs' sum. */
void smx_metrics_row_scaled(struct smx_metrics *m, smx_op op, smx_dtype out,
			    const struct smx_bound *bound, const double *x, const double *y,
			    const struct smx_refval *ref, int status, size_t n, double *errs,
			    int scaled);

/* smx_metrics_row under a variant (harness/variant.h): vc->lim holds the
 * claim of each component (NULL: the row is not claimed), and sum_one
 * says whether the outputs sum to 1 (not with a sink). x is then not the
 * row softmax sees, so no ratio to the Blanchard-Higham-Higham bound is
 * taken. vc NULL: smx_metrics_row. */
struct smx_row_claim {
	const double *lim;
	int sum_one;
};
void smx_metrics_row_claim(struct smx_metrics *m, smx_op op, smx_dtype dt,
			   const struct smx_bound *bound, const double *x, const double *y,
			   const struct smx_refval *ref, int status, size_t n, double *errs,
			   const struct smx_row_claim *vc);

/* A forward row too long to hold whole (harness/stream.c), measured span
 * by span with the result smx_metrics_row gives: scan its input (in any
 * split and order: smx_row_scan_add on parts into scans merged), then
 * smx_metrics_row_spans (n >= SMX_METRICS_SPAN_MIN) asks src for the
 * components of each span of SMX_METRICS_SPAN (the last may be shorter):
 * the input, output and reference of [i0, i0 + len) as doubles, valid
 * until the next call on that thread; scratch is the calling thread's own
 * buffer of the bytes given. src is called from several threads at once;
 * a nonzero return abandons the row (-1, m untouched). scaled: the outputs
 * are p S, as smx_metrics_row_scaled's. */
#define SMX_METRICS_SPAN_MIN ((size_t)1 << 16)
#define SMX_METRICS_SPAN ((size_t)1 << 14)
struct smx_row_scan {
	double xmax, xmin;
	int in_domain, finite_row;
};
void smx_row_scan_init(struct smx_row_scan *s);
void smx_row_scan_add(struct smx_row_scan *s, const struct smx_bound *bound, const double *x,
		      size_t n);
void smx_row_scan_merge(struct smx_row_scan *s, const struct smx_row_scan *o);
typedef int (*smx_span_src)(void *arg, size_t i0, size_t len, const double **x, const double **y,
			    const struct smx_refval **ref, void *scratch);
int smx_metrics_row_spans(struct smx_metrics *m, smx_op op, smx_dtype dt,
			  const struct smx_bound *bound, const struct smx_row_scan *scan, size_t n,
			  smx_span_src src, void *arg, size_t scratch, int scaled);

/* The same for the Jacobian and backward ops: in is the given s (or y), g
 * the upstream gradient (NULL for the Jacobian), y the output (n*n values
 * for the Jacobian). ulp errors count components that do not cancel (|s| >=
 * 2^-10 of the condition scale); cond_err counts all. */
void smx_metrics_backward_row(struct smx_metrics *m, smx_op op, smx_dtype dt,
			      const struct smx_bound *bound, const double *in, const double *g,
			      const double *y, const struct smx_refval *ref, int status, size_t n,
			      double *errs);

/* Condition scale of component k of a backward op's row: s_i s_j (s_i +
 * s_i^2 on the diagonal) for the Jacobian, |s_i| (|g_i| + sum_j |s_j g_j|)
 * for vjp and jvp, |g_i| + exp(y_i) sum_j |g_j| for logsoftmax_vjp, |v_i| +
 * sum_j exp(y_j) |v_j| for logsoftmax_jvp. sum_abs is that sum over j
 * (sum_j |s_j g_j|, sum_j |g_j| or sum_j exp(y_j) |v_j|). */
double smx_cond_scale(smx_op op, const double *in, const double *g, size_t n, size_t k,
		      double sum_abs);

/* An error of ulps * 2^e in units of max(u * scale, the least subnormal)
 * of dt: the condition-scaled error, floored so that a correctly rounded
 * subnormal output is never counted wrong; computed without underflow. */
double smx_cond_units(smx_dtype dt, double ulps, int e, double scale);

/* Declared-bound measure of component i (ulps, or u * max(1, |s|) units
 * for SMX_BOUND_ABS) and the bound itself at that component. */
double smx_bound_measure(const struct smx_bound *b, smx_dtype dt, const struct smx_refval *ref,
			 double y);

/* |y - exp(x)| / ulp(exp(x)) in dt, exp(x) from MPFR at 160 bits. */
double smx_exp_ulp_error(double y, double x, smx_dtype dt);

#endif
