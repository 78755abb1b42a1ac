/* Scalar Jacobian and backward kernels, written once and instantiated for
 * float and double from backward_scalar.inc. Compiled like every scalar
 * file: no vector ISA flags, no FP contraction.
 *
 * Bounds, in units of u times the component's condition scale (COND; the
 * scale is |s_i| (|g_i| + sum_j |s_j g_j|) for the products with J, and
 * |g_i| + e^y_i sum_j |g_j| for log-softmax's), first order:
 *   jacobian naive      s_i - s_i s_i: two roundings against s_i + s_i^2:
 *                       2 (diagonal), 0.5 ulp off it (COND 2).
 *   jacobian symmetric  s_i (1 - s_i) on the diagonal: 1 - s_i is exact
 *                       for s_i >= 1/2 and rounds by u below, so the
 *                       diagonal is within 1.5 ulps, the rest 0.5 (ULP 2).
 *   vjp naive           J formed (2u on its entries) and J^T g summed
 *                       recursively: (n + 3) u of the scale.
 *   vjp fused           <g, s> summed recursively ((n - 1) u of sum |s g|),
 *                       then g_i - <g, s> and the product: (n + 2).
 *   vjp accurate        <g, s> by Ogita, Rump & Oishi's Dot2 (SIAM J. Sci.
 *                       Comput. 26 (2005)): as if summed in twice the
 *                       precision; g_i - <g, s> with its rounding error
 *                       (two-sum) kept: about 1.5 ulps of dx_i unless the
 *                       difference cancels to below u^2 of the scale (3).
 *   jvp                 J v = J^T v (J is symmetric): the same kernels;
 *                       naive forms J and multiplies row by row.
 *   logsoftmax_vjp      sum(g) recursively, exp(y_i) by libm, one product
 *                       and one difference: (n + 4).
 *   logsoftmax_jvp      dy_i = v_i - D, D = sum_j e_j v_j, e_j = exp(y_j);
 *                       scale |v_i| + S, S = sum_j e_j |v_j|. Each term
 *                       fl(fl(e_j) v_j) is within 3u of e_j v_j (libm exp
 *                       <= 1 ulp = 2u, the product u); the recursive sum
 *                       adds (n - 1) u of sum |terms|: |D^ - D| <= (n + 2)
 *                       u S. The difference rounds once, u (|v_i| + S):
 *                       (n + 3) u (|v_i| + S) in all. Claimed n + 4: the
 *                       extra unit covers the second-order terms while
 *                       (n + 3)^2 u <= 1/2 (n <= 2893 in f32); beyond it
 *                       the claim is the first-order one, as for the
 *                       others. Results in the subnormal range are
 *                       measured in the least subnormal (metrics.h). */
#include <math.h>
#include <stdlib.h>

#include "smx.h"
#include "smx_impls.h"

#define T float
#define SFX f32
#define EXP expf
#define FMA fmaf
#include "backward_scalar.inc"
#undef T
#undef SFX
#undef EXP
#undef FMA

#define T double
#define SFX f64
#define EXP exp
#define FMA fma
#include "backward_scalar.inc"
