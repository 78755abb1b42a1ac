/* Cross-entropy rows with the options (smx_xent_params.h), computed in long
 * double in the log1p form (three terms >= 0: nothing cancels), so a
 * correct row is within 0.5 ulp of the exact loss plus a few u of long
 * double; and the same with one planted bug each:
 *   XP_NO_EPS     label smoothing ignored (q = the one-hot target);
 *   XP_EPS_NM1    eps spread over the n - 1 other classes (q_c = eps /
 *                 (n - 1), q_t = 1 - eps), a convention that is not
 *                 PyTorch's;
 *   XP_NO_IGNORE  a row whose target is the ignore index is taken as a row
 *                 of that class (the ignore index must lie in [0, n)).
 * Shared by tests/test_xent_opts.c and tests/plugins/xent_opts.c. */
#ifndef XENT_PLANTED_H
#define XENT_PLANTED_H

#include <math.h>
#include <stddef.h>

#include "smx_xent_params.h"

enum xp_bug { XP_OK, XP_NO_EPS, XP_EPS_NM1, XP_NO_IGNORE };

/* Row x of n (long double copies), target t: the loss, and the gradient
 * into g when g is not NULL. */
static long double xp_row(const long double *x, size_t n, long long t,
			  const struct smx_xent_params *p, enum xp_bug bug, long double *g)
{
	const long double eps = bug == XP_NO_EPS ? 0 : (long double)p->label_smoothing;
	if (t == p->ignore_index && bug != XP_NO_IGNORE) {
		for (size_t c = 0; g && c < n; c++)
			g[c] = 0;
		return 0;
	}
	if (t < 0 || (size_t)t >= n) {
		for (size_t c = 0; g && c < n; c++)
			g[c] = NAN;
		return NAN;
	}
	size_t k = 0;
	for (size_t j = 1; j < n; j++)
		if (x[j] > x[k])
			k = j;
	const long double m = x[k];
	long double r = 0, d = 0, dt = m - x[t];
	for (size_t j = 0; j < n; j++) {
		if (j != k)
			r += expl(x[j] - m);
		d += m - x[j];
	}
	const long double l = log1pl(r);
	/* The smoothing term: the mean of m - x_c over every class, or over
	 * the classes but t. */
	const int nm1 = bug == XP_EPS_NM1 && n > 1;
	const long double mean = nm1 ? (d - dt) / (long double)(n - 1) : d / (long double)n;
	for (size_t c = 0; g && c < n; c++) {
		long double q = c == (size_t)t ? 1 - eps : nm1 ? eps / (long double)(n - 1) : 0;
		if (!nm1)
			q += eps / (long double)n;
		const long double pc = c == k ? 1 / (1 + r) : expl(x[c] - m - l);
		g[c] = pc - q;
	}
	return l + (1 - eps) * dt + eps * mean;
}

/* The registry's xent form over rows (targets at t[r * n]): out holds a
 * loss a row (fused 0) or the gradient rows (fused 1). */
#define XP_RUN(T, name, bug, fused)                                                                \
	static void name(const T *x, const T *t, T *out, size_t rows, size_t n,                    \
			 const struct smx_xent_params *p)                                          \
	{                                                                                          \
		long double xl[4096], gl[4096];                                                    \
		for (size_t r = 0; r < rows; r++) {                                                \
			if (n > 4096) { /* too long for the buffers: NaN, a failed claim */        \
				for (size_t c = 0; c < (fused ? n : 1); c++)                       \
					out[fused ? r * n + c : r] = NAN;                          \
				continue;                                                          \
			}                                                                          \
			for (size_t c = 0; c < n; c++)                                             \
				xl[c] = x[r * n + c];                                              \
			long double v =                                                            \
			    xp_row(xl, n, (long long)t[r * n], p, bug, fused ? gl : NULL);         \
			if (!fused)                                                                \
				out[r] = (T)v;                                                     \
			for (size_t c = 0; fused && c < n; c++)                                    \
				out[r * n + c] = (T)gl[c];                                         \
		}                                                                                  \
	}

#endif
