/* Correctly rounded references (MPFR): softmax, log-softmax, log-sum-exp.
 *
 * Each output component is the exact real value rounded to nearest-even in
 * the target format, subnormals included. A Ziv loop evaluates the row in
 * interval arithmetic at p bits (every MPFR operation rounded outwards, so
 * [lo, hi] provably holds the exact value) and accepts a component when lo
 * and hi round to the same target number and share one ulp; otherwise p
 * grows and the row is evaluated again. Rounding is monotone, so equal
 * roundings of the ends are the rounding of the exact value. The loop ends
 * because the exact values are irrational except when they are 0, 1, 1/2^k
 * or -inf, which the interval then holds exactly. */
#ifndef SMX_REF_H
#define SMX_REF_H

#include <stddef.h>

#include <mpfr.h>

#include "dtype.h"
#include "smx.h"

/* One exact output component: v = cr + r * 2^e, where cr is v correctly
 * rounded to the target format (held in a double), 2^e is ulp(v) in that
 * format (floored at the least subnormal) and |r| <= 1/2. For -inf outputs
 * cr = -inf and r = e = 0. */
struct smx_refval {
	double cr;
	double r;
	int e;
	/* Nonzero when cr is +-inf only by rounding: the exact value is finite
	 * beyond the format's range. It is then the format's index + 1, and r
	 * counts from +-max_finite, so a finite output is measured from the
	 * exact value (smx_ulp_error). */
	int ovf;
};

/* SMX_REF_UNSUPPORTED: an op this function does not evaluate. */
enum { SMX_REF_OK = 0, SMX_REF_UNDEFINED = 1, SMX_REF_UNSUPPORTED = 2 };

/* Each row is first evaluated by a fast path (double-double with a proven
 * error bound, reference/ref_fast.c) that returns a row only when every
 * component provably rounds as the MPFR loop rounds it; other rows run the
 * MPFR loop. Covered: softmax, log-softmax and lse, and vjp and jvp from
 * a given s; the Jacobian, logsoftmax_vjp, logsoftmax_jvp and every backward op from x
 * always run MPFR. smx_ref_set_mpfr_only(1) turns the fast path off (for
 * comparisons), process-wide. The counters add up the values returned by
 * each path since the last reset (thread-safe); mpfr_rows counts the rows
 * the MPFR loop evaluated. */
void smx_ref_set_mpfr_only(int on);
struct smx_ref_stats {
	unsigned long long fast_values, mpfr_values, mpfr_rows;
};
void smx_ref_stats_get(struct smx_ref_stats *s);
void smx_ref_stats_reset(void);

/* Reference softmax or log-softmax of one row of n values (f32 inputs are
 * passed exactly as doubles). Rows with a NaN, and rows whose entries are
 * all -inf, are SMX_REF_UNDEFINED and out is left alone; any other op is
 * SMX_REF_UNSUPPORTED. Rows of 2^16 or more are split across threads. +inf entries share
 * the mass equally (the limit); -inf entries are exact zeros. */
int smx_ref_row(smx_op op, smx_dtype dt, const double *x, size_t n, struct smx_refval *out);

/* log(sum(exp(x))) correctly rounded; +inf with any +inf entry, -inf for an
 * empty or all -inf row; a NaN makes it SMX_REF_UNDEFINED. */
int smx_ref_lse(smx_dtype dt, const double *x, size_t n, struct smx_refval *out);

/* Many rows in parallel (OpenMP); the output does not depend on the number
 * of threads. Row r is x[off[r] .. off[r+1]), or x[r n .. (r+1) n) when off
 * is NULL. For softmax and log-softmax out has one value per input value
 * (same indexing as x); for lse one per row. status[r] gets each row's
 * result. */
enum smx_ref_what { SMX_REF_SOFTMAX, SMX_REF_LOGSOFTMAX, SMX_REF_LSE };
void smx_ref_rows(enum smx_ref_what what, smx_dtype dt, const double *x, size_t rows, size_t n,
		  const size_t *off, struct smx_refval *out, int *status);

/* The Jacobian and the backward ops (op JACOBIAN, VJP, JVP,
 * LOGSOFTMAX_VJP, LOGSOFTMAX_JVP). from_x: a holds logits x and the exact softmax of x is
 * used (end to end); otherwise a holds the given s (y for the log-softmax ones),
 * which isolates the backward formula's own error. g is the upstream
 * gradient (v for jvp; NULL for the Jacobian). out has n*n values for the
 * Jacobian (row-major), n otherwise. NaN anywhere, an infinite g, or (from
 * x) an all -inf row: SMX_REF_UNDEFINED. */
int smx_ref_backward(smx_op op, smx_dtype dt, int from_x, const double *a, const double *g,
		     size_t n, struct smx_refval *out);
void smx_ref_backward_rows(smx_op op, smx_dtype dt, int from_x, const double *a, const double *g,
			   size_t rows, size_t n, struct smx_refval *out, int *status);

/* An exact infinite value (log-softmax of a -inf entry, lse of a row with
 * +inf or only -inf): itself, or in a format without inf the +-max_finite
 * it saturates to, taken as exact. */
struct smx_refval smx_ref_infinite(smx_dtype dt, int sign);

/* v rounded to nearest-even in the format dt, subnormals included, with
 * the format's overflow rule. */
double smx_ref_round(smx_dtype dt, mpfr_srcptr v);

#endif
