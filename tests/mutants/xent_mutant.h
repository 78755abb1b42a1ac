/* Shared by the cross-entropy planted bugs and controls: a correct f32
 * loss (op xent) and gradient (op xent_fused) that each mutant copies and
 * changes in exactly one place. Targets arrive as the registry's entries
 * get them: row r's class index, as a float, at t[r * n]; -100 is the
 * ignore index (loss and gradient 0), any other value outside [0, n) gives
 * NaN.
 *
 * With m the first maximum (index k), e_j = exp(x_j - m) and R the sum of
 * e_j over j != k, in double:
 *   loss = log1p(R) + (m - x_t), two terms >= 0 (no cancellation);
 *   grad_c = e_c / (1 + R) - [c == t].
 * Loss: m - x_t rounds once (2^-53 relative); each exp (glibc, < 1 ulp)
 * 2^-52, the n - 2 additions (n - 2) 2^-53 to first order, so R is within
 * (n + 2) 2^-53; log1p's condition R / ((1 + R) log1p R) is at most 1, and
 * its own error 2^-52; the final addition 2^-53: (n + 6) 2^-53 relative in
 * all, which is (n + 6) 2^-29 float ulps (an ulp is at least 2^-24 of the
 * value), below 1/2 for n < 2^28; with the rounding to float, under 1 ulp
 * (a subnormal loss: within half the least subnormal, inside the metric's
 * floor). Gradient: p_c = e_c / (1 + R) within (n + 4) 2^-53 relative,
 * p_t - 1 adds 2^-53 |g_t|, and the rounding to float at most
 * 2^-24 |g_c| = u |g_c| <= u (p_c + q_c): under 2 u (p_c + q_c) for
 * n < 2^28. These are the claims XM_LOSS_BOUND (ulps) and XM_GRAD_BOUND
 * (units of u (p_c + q_c)). Policies: R starts at m - m, which is NaN
 * when the maximum is +inf or -inf (a +inf entry, an all -inf row), and
 * NaN propagates through exp: NaN, as declared. */
#ifndef SMX_XENT_MUTANT_H
#define SMX_XENT_MUTANT_H

#include <math.h>
#include <stddef.h>

#include "smx_plugin.h"

#define XM_LOSS_BOUND 1.0
#define XM_GRAD_BOUND 2.0
#define XM_IGNORE (-100)

/* The row's target: 1 and *t for a class, 0 for the ignore index, -1 for
 * anything else. */
static inline int xm_target(const float *tr, size_t n, size_t *t)
{
	double v = tr[0];
	if (v == XM_IGNORE)
		return 0;
	if (!(v >= 0 && v < (double)n && v == floor(v)))
		return -1;
	*t = (size_t)v;
	return 1;
}

/* The first maximum (n: none above -inf; NaN entries skipped). */
static inline size_t xm_argmax(const float *x, size_t n)
{
	size_t k = n;
	for (size_t i = 0; i < n; i++)
		if (k == n ? x[i] >= -INFINITY : x[i] > x[k])
			k = i;
	return k;
}

/* The correct loss of one row with target t. */
static inline double xm_loss(const float *x, size_t n, size_t t)
{
	size_t k = xm_argmax(x, n);
	double m = k < n ? x[k] : -INFINITY, r = m - m; /* NaN when m is infinite */
	for (size_t j = 0; j < n; j++)
		if (j != k)
			r += exp(x[j] - m);
	return log1p(r) + (m - x[t]);
}

/* The correct gradient of one row with target t. */
static inline void xm_grad(const float *x, size_t n, size_t t, float *g)
{
	size_t k = xm_argmax(x, n);
	double m = k < n ? x[k] : -INFINITY, r = m - m; /* NaN when m is infinite */
	for (size_t j = 0; j < n; j++)
		if (j != k)
			r += exp(x[j] - m);
	for (size_t c = 0; c < n; c++)
		g[c] = (float)(exp(x[c] - m) / (1 + r) - (c == t));
}

/* Rows of a loss function loss_(x, n, t) (op xent). */
#define XM_LOSS_ROWS(fn_, loss_)                                                                   \
	static void fn_(const float *x, const float *tr, float *out, size_t rows, size_t n)        \
	{                                                                                          \
		for (size_t r = 0; r < rows; r++, x += n, tr += n) {                               \
			size_t t = 0;                                                              \
			int k = xm_target(tr, n, &t);                                              \
			out[r] = k > 0 ? (float)loss_(x, n, t) : k == 0 ? 0.0f : NAN;              \
		}                                                                                  \
	}

/* Rows of a gradient function grad_(x, n, t, g) (op xent_fused). */
#define XM_GRAD_ROWS(fn_, grad_)                                                                   \
	static void fn_(const float *x, const float *tr, float *out, size_t rows, size_t n)        \
	{                                                                                          \
		for (size_t r = 0; r < rows; r++, x += n, tr += n, out += n) {                     \
			size_t t = 0;                                                              \
			int k = xm_target(tr, n, &t);                                              \
			if (k > 0)                                                                 \
				grad_(x, n, t, out);                                               \
			else                                                                       \
				for (size_t c = 0; c < n; c++)                                     \
					out[c] = k == 0 ? 0.0f : NAN;                              \
		}                                                                                  \
	}

#define XM_LOSS_ENTRY(name_, note_, fn_)                                                           \
	{                                                                                          \
		.op = "xent", .dtype = "f32", .name = (name_), .note = (note_), .f32_2 = (fn_),    \
		.bound = XM_LOSS_BOUND                                                             \
	}
#define XM_GRAD_ENTRY(name_, note_, fn_)                                                           \
	{                                                                                          \
		.op = "xent_fused", .dtype = "f32", .name = (name_), .note = (note_),              \
		.f32_2 = (fn_), .bound = XM_GRAD_BOUND                                             \
	}

/* A plug-in of one entry. */
#define XM_PLUGIN(entry_)                                                                          \
	static const struct smx_plugin_impl impls[] = {entry_};                                    \
	const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls}

#endif
