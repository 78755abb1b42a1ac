/* Scalar softmax, log-softmax and log-sum-exp on bf16 and f16 storage, and
 * softmax to fp8 (E4M3, E5M2), in explicit precision recipes
 * (impls/lowp.inc lists them). A recipe reads storage in > compute and
 * accumulate > output:
 *   in>f32>in    upcast exactly, run the f32 scalar kernel's own
 *                arithmetic (impls/softmax_scalar.inc, same operations in
 *                the same order), round once to the storage format. This is
 *                what PyTorch and JAX do for bf16 and f16; the result is
 *                the f32 kernel's on the upcast input, rounded once, bit for
 *                bit (the benchdnn rule, checked by harness/lowp_published.c).
 *   in>in>in     the chop approach: every operation (subtraction, exp, add,
 *                divide, log) is evaluated in double and rounded once to
 *                the storage format, so a half- or bfloat-accumulating
 *                device is emulated on any CPU. +, -, * and / of format
 *                values are then correctly rounded (double has 53 >= 2p + 2
 *                bits, so rounding twice is innocuous: Figueroa, SIGNUM
 *                Newsl. 30 (1995)); exp and log are libm's double ones (< 1
 *                double ulp) rounded once, within u' = u + 2^-51 relative.
 *   f32>f32>e4m3 and friends: compute in f32, one rounding to fp8.
 *
 * ERROR BOUNDS (derived here, evaluated by smx_lowp_bound, checked against
 * MPFR by tests/test_lowp_kernels.c). u = 2^-p is the output format's unit
 * roundoff (bf16 2^-8, f16 2^-11, e4m3 2^-4, e5m2 2^-3), lam its least
 * subnormal (bf16 2^-133, f16 2^-24, e4m3 2^-9, e5m2 2^-16), u32 = 2^-24.
 * A relative error rho of an exact value y is at most rho/u ulps of y (ulp(y)
 * > u y), and an absolute error k lam at most k ulps (the ulp is floored at
 * lam). d_i = |x_i - max|, M = max_i d_i. Exact, not first order: half
 * precision makes n u large, and the products below (not n u) are what
 * holds; to first order each is the familiar (c + n + d_i + M) u.
 *
 *   SOFTMAX_ACC16 (shifted, chop): fl(x_i - max) moves exp's argument by at
 *     most u d_i, a factor e^(u d_i); exp adds (1 + u'); the max's term is
 *     exactly 1, so the sum s >= 1 and each underflowed term adds at most
 *     lam/2, a factor (1 + n lam/2); n - 1 rounded additions of nonnegative
 *     terms stay within (1 - u)^-(n-1); the division adds (1 + u). So
 *       rho = (1 + u)(1 + u') e^(u (d_i + M)) (1 + n lam/2) / (1 - u)^(n-1) - 1
 *     (the upper side: 1/(1 - u)^k - 1 >= 1 - (1 - u)^k), and the output's
 *     own underflow (lam/2) and its term's (lam/2 / s) add 1 ulp:
 *       ulps <= rho/u + 1.
 *   SOFTMAX_NAIVE16: no argument error (d_i -> 0, M -> 0), while no exp
 *     overflows or underflows and the sum stays finite: the same with
 *     e^0 and without (1 + n lam/2): ulps <= rho/u + 1.
 *   SOFTMAX_ACC32: the f32 shifted kernel claims 7 + n + d_i + M f32 ulps
 *     (impls/softmax_scalar.c), a relative error of at most 2 u32 times
 *     that; one rounding to the output adds half an ulp of the output, or
 *     ulp(z) of the f32 result z: when rho32/u <= 1/2, z - y is below half
 *     an ulp of z, so z and y share a binade or round to its boundary and
 *     this is half an ulp of y; otherwise at most one:
 *       ulps <= h + 2 u32 (7 + n + d_i + M) / u, h = 1/2 or 1 as said.
 *   FP8_S1: the same with the fp8 u: ulps <= h + 2 u32 (7 + n + d_i + M)/u.
 *   FP8_AMAX: q_i = fmax e^(x_i - max): f32 subtraction (argument error
 *     u32 d_i, or 0 for bf16 input when exact), expf (<= 1 ulp, 2 u32), the
 *     product by fmax (u32): rho32 = (1 + u32)(1 + 2 u32) e^(u32 d_i) - 1;
 *     ulps <= h + rho32/u.
 *   What FP8_S1 and FP8_AMAX are measured against (reference/ref_out.h):
 *     the output cast, q_i = fl_out(p_i S), against the exact p_i S rounded
 *     once to the output format, in that format's ulps; for amax
 *     p_i S = fmax e^(x_i - max) exactly (max_j p_j = 1/sum), so neither
 *     the kernel's sum nor a rounded descale enters the comparison, and
 *     the descale 1/S (smx_lowp_softmax_fp8) is the caller's. The ulp is
 *     floored at lam, so an output below lam/2 (a subnormal or zero fp8
 *     value) costs at most h of that absolute floor; no other subnormal
 *     term is needed. The row's sum is judged as sum(q)/S - 1, S the exact
 *     outputs' sum. With S = 1 the outputs below lam/2 vanish: every
 *     component keeps its claim while the row sum drifts (a maximum and
 *     644 entries 7 below it sum to 0.625, the FlyDSL #1020 symptom;
 *     tests/test_fp8.c), and a uniform row of 2048 or more is all zeros.
 *   LOGSOFTMAX_ACC16: y_i = fl(fl(x_i - max) - l), l = fl(log(s)), s as in
 *     SOFTMAX_ACC16 with rho_s = (1 + u') e^(u M) (1 + n lam/2)/(1 - u)^(n-1)
 *     - 1. |log(s^) - log(s)| <= log1p(rho_s); the rounded log adds u' |l|;
 *     the subtraction's argument error is u d_i; the final rounding u |y^|.
 *     Both parts of y = -d_i - log(s) are <= 0, so d_i <= |y| and
 *     log(s) <= |y|: in units of u max(1, |y_i|) (kind ABS),
 *       <= (1 + u)(2 + 2^-40 + log1p(rho_s)(1 + u')/u) + 1.
 *   LOGSOFTMAX_NAIVE16: y_i = fl(x_i - l), l = fl(log(s)) of the naive sum
 *     (rho_s as SOFTMAX_NAIVE16 without the division): |l - L| <=
 *     log1p(rho_s)(1 + u') + u'|L|, and |L| <= X + |y_i| where X = max |x|:
 *       <= (1 + u)(log1p(rho_s)(1 + u')/u + (1 + 2^-40)(X + |y|)/max(1,|y|)) + 1.
 *   LOGSOFTMAX_ACC32: the f32 kernel claims 6 + n + M f32 ulps:
 *       ulps <= h + 2 u32 (6 + n + M)/u.
 *   LSE_ACC16: fl(max + l), l as in LOGSOFTMAX_ACC16, where log(s^) <=
 *     log n + log1p(rho_s) is no longer bounded by the output (max + l may
 *     cancel): in units of u max(1, |lse|),
 *       <= 1 + (1 + u)(log1p(rho_s)(1 + u')/u + (1 + 2^-40)(log n + log1p(rho_s))).
 *   LSE_NAIVE16: l = fl(log(s^)), |log(s^) - lse| <= log1p(rho_s) (rho_s as
 *     LOGSOFTMAX_NAIVE16), the log's rounding u'(|lse| + log1p(rho_s)):
 *       <= 1 + 2^-40 + log1p(rho_s)(1 + u')(1 + 1/u),
 *     while no exp overflows or underflows.
 *   LSE_ACC32: f32 argument errors (e^(u32 M)), expf (1 + 2 u32), n - 2
 *     additions ((1 + u32)^(n-2) on a sum of positives), log1pf (condition
 *     <= 1, then 2 u32 relative on l <= log n), the f32 addition max + l
 *     (u32 |lse| (1 + 2^-20)), the final rounding (u |lse|):
 *       rho = (1 + 2 u32) e^(u32 M) (1 + u32)^n - 1,
 *       <= 1 + (1 + u)(log1p(rho) + 2 u32 (log n + rho) + u32 (|lse| + 1))
 *          / (u max(1, |lse|)).
 *   LSE_NAIVE32: expf (1 + 2 u32), n - 1 additions, logf (2 u32 |L|):
 *       rho = (1 + 2 u32)(1 + u32)^(n-1) - 1,
 *       <= 1 + (1 + u)(log1p(rho) + 2 u32 (|lse| + rho)) / (u max(1, |lse|)),
 *     while no expf overflows (x < 88) or underflows.
 *   LSE_VEC2, LSE_VEC512: the vector lse (lowp_lse_simd.inc derives it),
 *     c = 23.47 (AVX2) or 16.47 (AVX-512):
 *       <= 1 + (1 + u) (c + M) u32 / u. */
#ifndef SMX_LOWP_SCALAR_H
#define SMX_LOWP_SCALAR_H

#include <stddef.h>
#include <stdint.h>

#define SMX_LOWP(op, in, algo, name, out, isa, cpu, recipe, bound, note)                           \
	void smx_##op##_##in##_##algo##__##isa(const smx_lowp_##in##_t *x, smx_lowp_##out##_t *y,  \
					       size_t rows, size_t n);
typedef uint16_t smx_lowp_bf16_t;
typedef uint16_t smx_lowp_f16_t;
typedef uint8_t smx_lowp_e4m3_t;
typedef uint8_t smx_lowp_e5m2_t;
typedef float smx_lowp_f32_t;
#include "lowp.inc"
#undef SMX_LOWP

/* Bound families (the derivations above). */
enum smx_lowp_bound {
	SMX_LB_SOFTMAX_ACC16,
	SMX_LB_SOFTMAX_NAIVE16,
	SMX_LB_SOFTMAX_ACC32,
	SMX_LB_FP8_S1,
	SMX_LB_FP8_AMAX,
	SMX_LB_LOGSOFTMAX_ACC16,
	SMX_LB_LOGSOFTMAX_NAIVE16,
	SMX_LB_LOGSOFTMAX_ACC32,
	SMX_LB_LSE_ACC16,
	SMX_LB_LSE_NAIVE16,
	SMX_LB_LSE_ACC32,
	SMX_LB_LSE_NAIVE32,
	SMX_LB_LSE_VEC2,
	SMX_LB_LSE_VEC512,
};

/* Low-precision formats, for the bound's u and lam. */
enum smx_lowp_fmt { SMX_LOWP_BF16, SMX_LOWP_F16, SMX_LOWP_E4M3, SMX_LOWP_E5M2 };

/* 1 when family b is measured in ulps of the output (softmax, fp8 and the
 * f32-accumulating log-softmax), 0 when in units of
 * u max(1, |y|) (the log-domain outputs, kind ABS). */
int smx_lowp_bound_is_ulp(enum smx_lowp_bound b);

/* The bound of one output: out its format, n the row length, d = |x_i -
 * max| (0 for lse), dmax = max_j |x_j - max|, xmax = max_j |x_j| (for the
 * naive log-softmax), y the exact output (for ABS kinds). */
double smx_lowp_bound(enum smx_lowp_bound b, enum smx_lowp_fmt out, size_t n, double d, double dmax,
		      double xmax, double y);

/* Softmax of f32 (in_bf16 = 0) or bf16 (in_bf16 = 1) rows to fp8 out,
 * computed in f32. scale 0 is amax scaling: y_i = fp8(fmax exp(x_i - max)),
 * descale[r] = 1 / (fmax sum) in f32, so p_i ~ y_i descale[r]. A positive
 * scale S gives y_i = fp8(p_i S) (p_i as the f32 shifted kernel computes it)
 * and descale[r] = 1/S. descale may be NULL. */
void smx_lowp_softmax_fp8(const void *x, int in_bf16, uint8_t *y, float *descale, size_t rows,
			  size_t n, enum smx_lowp_fmt out, float scale);

#endif
