/* Scalar cross-entropy baselines (smx_xent.h), written once in
 * xent_scalar.inc: the log1p form in the element type, libm exp and log1p,
 * a plain running sum. (The scalar log-sum-exp is lse_scalar.c's.) Compiled without vector ISA
 * flags and with -ffp-contract=off.
 *
 * Bounds (first order, u = 2^-p; glibc's exp, expf, log1p and log1pf
 * within 1 ulp = 2u relative, per its manual's table of known maximum
 * errors on x86_64; smx_xent.h gives the form):
 *   T: each term 2u + |d_j| u (its argument's rounding), the running sum
 *     of n - 1 terms >= 0 (n - 2)u: e_T <= (n + dmax) u.
 *   loss: l relative e_T + 2u; m - x_t u; with eps, D (n u + u: its
 *     terms' rounding), the products and eps/n (3u), two sums of terms
 *     >= 0 (2u): c0 = 6, cn = 1, cm = 1 (ulps).
 *   grad: the exp's argument off by u |d_c| + e_T + 3u l + u (|d_c| + l),
 *     the exp 2u, q and the difference 2u; the target entry T / (1 + T)
 *     within e_T + 2u, eps (n-1)/n 3u, the sum u: c0 = 6, cn = 1, cd = 2,
 *     cl = 3, cm = 1 (units u (p_c + q_c)).
 * Edges as the SIMD kernels (xent_simd.inc): an all -inf row gives a NaN
 * loss; NaN propagates. */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "smx_xent.h"

#define T float
#define SFX f32
#define TMAX FLT_MAX
#define EXP expf
#define LOG1P log1pf
#include "xent_scalar.inc"
#undef T
#undef SFX
#undef TMAX
#undef EXP
#undef LOG1P

#define T double
#define SFX f64
#define TMAX DBL_MAX
#define EXP exp
#define LOG1P log1p
#include "xent_scalar.inc"
#undef T
#undef SFX
#undef TMAX
#undef EXP
#undef LOG1P
