/* Scalar log-sum-exp, one output per row, instantiated for float and
 * double:
 *   lse = m + log1p(T),  m = max_j x_j,  T = sum over j != k of exp(x_j - m),
 * k one index of the maximum (Blanchard, Higham & Higham, IMA J. Numer.
 * Anal. 41 (2021), Algorithm 3 with log1p). No term exceeds 1, so nothing
 * overflows before the final sum, and log1p keeps the small-T case exact.
 *
 * Error bound (first order, u = 2^-p, libm exp and log1p taken at <= 1 ulp
 * = 2u relative, as in softmax_scalar.c; D = max_j |x_j - m|):
 *   d_j = x_j - m is rounded: |d_j| u absolute in exp's argument, so each
 *     term carries a relative error <= (2 + D) u;
 *   the recursive sum of n - 1 nonnegative terms adds (n - 2) u relative:
 *     the computed T is T (1 + t), |t| <= (n + D) u;
 *   log1p has absolute condition T / (1 + T) < 1 and rounds with 2u
 *     relative: log1p(T) off by <= (n + D) u + 2 u log1p(T), and
 *     log1p(T) <= log n <= n / 2;
 *   the final m + L rounds with u |lse|.
 * Total |lse~ - lse| <= u |lse| + (2n + D) u, so in units of
 * u max(1, |lse|) (kind ABS): <= 1 + 2n + D; the claim adds 1 for second
 * order terms and underflowed exps (each below 2^emin_sub, n of them
 * negligible against u): c0 = 2, cn = 2, cm = 1.
 *
 * Edges: a NaN anywhere gives NaN; a +inf entry (and no NaN) gives +inf;
 * an empty or all -inf row gives -inf (the sum of no exps is 0): the
 * reference's values. */
#include <math.h>

#include "smx.h"
#include "smx_impls.h"

#define SMX_LSE_SHIFTED(T, SFX, EXP, LOG1P)                                                        \
	void smx_lse_##SFX##_shifted__scalar(const T *x, T *y, size_t rows, size_t n)              \
	{                                                                                          \
		for (size_t r = 0; r < rows; r++, x += n) {                                        \
			T m = -INFINITY;                                                           \
			size_t k = n;                                                              \
			int nan = 0;                                                               \
			for (size_t i = 0; i < n; i++) {                                           \
				nan |= isnan(x[i]);                                                \
				if (x[i] > m) {                                                    \
					m = x[i];                                                  \
					k = i;                                                     \
				}                                                                  \
			}                                                                          \
			if (nan || isinf(m)) {                                                     \
				y[r] = nan ? (T)NAN : m;                                           \
				continue;                                                          \
			}                                                                          \
			T rest = 0;                                                                \
			for (size_t i = 0; i < n; i++)                                             \
				if (i != k)                                                        \
					rest += EXP(x[i] - m);                                     \
			y[r] = m + LOG1P(rest);                                                    \
		}                                                                                  \
	}

SMX_LSE_SHIFTED(float, f32, expf, log1pf)
SMX_LSE_SHIFTED(double, f64, exp, log1p)
