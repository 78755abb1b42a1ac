/* Cross-entropy options, as smx passes them to entries of the xent and
 * xent_fused ops (`--label-smoothing EPS`, `--ignore-index I`).
 *
 * With p = softmax(x) and t the row's target, the per-row loss is
 * PyTorch's
 *     (1 - eps) (-log p_t) + eps mean_c (-log p_c)
 * and the gradient p_c - q_c with q_c = (1 - eps) [c == t] + eps / n. A row
 * whose target equals ignore_index has loss 0 and gradient 0 (PyTorch's
 * convention, its default -100). */
#ifndef SMX_XENT_PARAMS_H
#define SMX_XENT_PARAMS_H

#include <stddef.h>

/* Fields are only ever appended; size is the sizeof smx filled. */
struct smx_xent_params {
	size_t size;
	double label_smoothing; /* eps in [0, 1], a value of the entry's dtype */
	long long ignore_index; /* |I| <= 2^24: exact in every input format */
};

/* The registry's xent signature (targets as the second input, row r's
 * class index at t[r * n]) with the options. */
typedef void (*smx_fnx_f32)(const float *x, const float *t, float *out, size_t rows, size_t n,
			    const struct smx_xent_params *p);
typedef void (*smx_fnx_f64)(const double *x, const double *t, double *out, size_t rows, size_t n,
			    const struct smx_xent_params *p);

#endif
