/* Scalar softmax and log-softmax baselines, written once and instantiated
 * for float and double from softmax_scalar.inc.
 *
 * Compiled without vector ISA flags and with -ffp-contract=off, so that
 * these stay the plain C a reader would write. Error bounds (first order,
 * u = 2^-p, libm exp/log/log1p taken at <= 1 ulp = 2u relative):
 *   naive softmax    e_i = exp(x_i) (2u), sum ((n-1)u), divide (u):
 *                    <= (n + 4) ulps while exp neither overflows nor
 *                    underflows (|x| <= 40 in f32, 300 in f64).
 *   shifted softmax  x_i - max costs |d_i| u in exp's argument; the sum
 *                    carries the worst term's error plus (n-1)u; 1/sum and
 *                    the product add 2u: <= n + 5 + |d_i| + max|d| ulps,
 *                    + 1.5 ulps of the least subnormal for tiny outputs.
 *   online           every rescale by exp(m_old - m_new) adds its own
 *                    argument error (they telescope to max|d|) and 4u:
 *                    <= 5n + 6 + |d_i| + 2 max|d| ulps.
 *   naive log-softmax  no shift; log(sum) is off by (n + 3)u + 2u|log sum|,
 *                    which the difference x_i - L turns into an absolute
 *                    error: <= (3n + 5 + 2 domain) u max(1, |y_i|).
 *   shifted log-softmax  y_i = d_i - log1p(T), T the sum of exp(d_j) over
 *                    all but one maximum: log1p has condition <= 1 and both
 *                    terms are <= 0, so nothing cancels: <= n + 6 + max|d|
 *                    ulps (Blanchard, Higham & Higham, IMA J. Numer. Anal.
 *                    41 (2021), the log1p variant of their Algorithm 3). */
#include <math.h>

#include "smx.h"
#include "smx_impls.h"

#define T float
#define SFX f32
#define EXP expf
#define LOG logf
#define LOG1P log1pf
#include "softmax_scalar.inc"
#undef T
#undef SFX
#undef EXP
#undef LOG
#undef LOG1P

#define T double
#define SFX f64
#define EXP exp
#define LOG log
#define LOG1P log1p
#include "softmax_scalar.inc"
