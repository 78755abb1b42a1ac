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
 *   loss = l + (1 - eps)(m - x_t) + (eps / n) D, three terms >= 0 (eps a
 *     value of T, as smx passes it). l = log1p(T): e_T (its condition is
 *     at most 1) + 2u; (1 - eps)(m - x_t): three roundings, 3u; D = sum of
 *     (m - x_j) over all n entries, summed scaled by 2^-25 (exact; no
 *     partial sum overflows where m - x_j would): each term m 2^-25 - x_j
 *     2^-25 one rounding (u), the running sum of n terms >= 0 (n - 1)u,
 *     so e_D <= n u; D / n, the 2^25 (exact) and eps: 2u. The two sums
 *     add 2u to the largest term's: max(e_T + 2u, 3u, (n + 2)u) + 2u <=
 *     (n + dmax + 4)u relative, within c0 = 6, cn = 1, cm = 1 (ulps;
 *     ulp(v) >= u |v|). Products x_j 2^-25 below T's normal range err by
 *     half the least subnormal at most (the claim's n eta / 2).
 *   grad, c != t: the exp's argument off by u |d_c| + e_T + 2u l (log1p)
 *     + u (|d_c| + l), the exp 2u, q = eps / n and the difference u each
 *     (units u (p_c + q_c)): e_T + 2|d_c| u + 3 l u + 4u.
 *   grad, the target: p_t - q_t with p_t = 1 / (1 + T) (x_t = m: e_T +
 *     2u) or as for c != t, q_t = (1 - eps) + eps / n (2u relative: a sum
 *     of two terms >= 0 rounded once each), the difference u: at most e_T
 *     + 2|d_t| u + 3 l u + 5u; without smoothing at x_t = m, -T / (1 + T)
 *     (e_T + 2u relative to itself). Both: c0 = 6, cn = 1, cd = 2, cl =
 *     3, cm = 1 (units u (p_c + q_c)).
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
