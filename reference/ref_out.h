/* The reference of an entry whose output format or scale differs from its
 * input dtype (struct smx_impl out_fmt, out_scale): softmax times S,
 * correctly rounded to the output format.
 *
 * What is compared. A scaled entry writes fl_out(p_i S); the reference is
 * the exact p_i S rounded once to the output format, so its error is read
 * in ulps of that format, where the cast happens, and no descale (itself
 * rounded) blurs it. For amax scaling S = max_finite / max_j p_j, and since
 * max_j p_j = 1 / sum_j exp(x_j - max), p_i S = max_finite exp(x_i - max)
 * exactly: no sum enters the exact value. A row with +inf entries takes
 * the limit (p = 1/k on its k infinite entries, S = max_finite k): those
 * give max_finite, the rest 0. Amax values are decided by the fast path
 * (reference/ref_fast.c) where it can, with the scale in place of the
 * softmax's 1/sum, and by MPFR otherwise. */
#ifndef SMX_REF_OUT_H
#define SMX_REF_OUT_H

#include "ref.h"

/* Rows of softmax(x) S rounded to out (scale as struct smx_impl's
 * out_scale: 0 or 1 for S = 1, SMX_SCALE_AMAX, or S > 0). Status per row
 * as smx_ref_rows gives it (NaN or all -inf: SMX_REF_UNDEFINED). */
void smx_ref_out_rows(smx_dtype out, double scale, const double *x, size_t rows, size_t n,
		      struct smx_refval *ref, int *status);

/* A long row's fast-path plan for these outputs (harness/stream.c), from
 * the plan of its softmax (smx_ref_fast_plan): S = 1 rounds the same
 * values to out; amax scales by max_finite, exactly, in place of 1/sum.
 * 0 for another scale (the caller measures the row whole). The values are
 * smx_ref_out_rows's, bit for bit, wherever the fast path decides them. */
struct smx_ref_plan;
int smx_ref_out_plan(struct smx_ref_plan *p, const struct smx_ref_plan *softmax, smx_dtype out,
		     double scale);

#endif
