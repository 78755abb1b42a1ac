/* The vector layer for AVX-512 (F, DQ, VL, BW): 16 floats or 8 doubles a
 * register; tails use mask registers. Same names as vec_avx2.h. */
#ifndef SMX_VEC_AVX512_H
#define SMX_VEC_AVX512_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define SMX_ISA avx512

typedef __m512 vf32;
typedef __m512d vf64;
#define VF32_LANES 16
#define VF64_LANES 8
/* scale2 is one instruction (VSCALEFPD): exp takes it over exponent bits;
 * so is frac (VREDUCEPD), which the exps of the f32 kernels in double use. */
#define VF64_SCALEF 1
#define VF64_FRAC 1

/* ---- f32 ---- */
static inline vf32 vf32_set1(float a)
{
	return _mm512_set1_ps(a);
}
static inline vf32 vf32_loadu(const float *p)
{
	return _mm512_loadu_ps(p);
}
static inline void vf32_storeu(float *p, vf32 v)
{
	_mm512_storeu_ps(p, v);
}
/* Masked-off lanes are not read (no fault past the end of a row). */
static inline vf32 vf32_load_tail(const float *p, size_t k, float fill)
{
	return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), (__mmask16)((1u << k) - 1), p);
}
static inline void vf32_store_tail(float *p, vf32 v, size_t k)
{
	_mm512_mask_storeu_ps(p, (__mmask16)((1u << k) - 1), v);
}
/* A non-temporal store (p aligned to the vector): the line goes to memory
 * without being read first. */
static inline void vf32_stream(float *p, vf32 v)
{
	_mm512_stream_ps(p, v);
}
static inline vf32 vf32_add(vf32 a, vf32 b)
{
	return _mm512_add_ps(a, b);
}
static inline vf32 vf32_sub(vf32 a, vf32 b)
{
	return _mm512_sub_ps(a, b);
}
static inline vf32 vf32_mul(vf32 a, vf32 b)
{
	return _mm512_mul_ps(a, b);
}
static inline vf32 vf32_fma(vf32 a, vf32 b, vf32 c)
{
	return _mm512_fmadd_ps(a, b, c);
}
static inline vf32 vf32_max(vf32 a, vf32 b)
{
	return _mm512_max_ps(a, b);
}
static inline vf32 vf32_min(vf32 a, vf32 b)
{
	return _mm512_min_ps(a, b);
}
static inline vf32 vf32_round(vf32 a)
{
	return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
/* v where a >= lim, else 0 (also where a is NaN). */
static inline vf32 vf32_zero_unless_ge(vf32 a, vf32 lim, vf32 v)
{
	return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(a, lim, _CMP_GE_OQ), v);
}
static inline vf32 vf32_sel_eq(vf32 a, vf32 b, vf32 t, vf32 f)
{
	return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ), f, t);
}
/* The number of lanes where a == b. */
static inline unsigned vf32_count_eq(vf32 a, vf32 b)
{
	return (unsigned)__builtin_popcount(_mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ));
}
/* p 2^k for integral k, rounded once (subnormals kept, overflow to inf). */
static inline vf32 vf32_scale2(vf32 p, vf32 k)
{
	return _mm512_scalef_ps(p, k);
}
static inline float vf32_hmax(vf32 v)
{
	return _mm512_reduce_max_ps(v);
}
static inline float vf32_hsum(vf32 v)
{
	return _mm512_reduce_add_ps(v);
}
static inline vf64 vf32_lo64(vf32 v)
{
	return _mm512_cvtps_pd(_mm512_castps512_ps256(v));
}
static inline vf64 vf32_hi64(vf32 v)
{
	return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}
static inline vf32 vf32_from64(vf64 lo, vf64 hi)
{
	__m256 l = _mm512_cvtpd_ps(lo), h = _mm512_cvtpd_ps(hi);
	return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(l)),
						   _mm256_castps_pd(h), 1));
}

/* ---- f64 ---- */
static inline vf64 vf64_set1(double a)
{
	return _mm512_set1_pd(a);
}
/* As vec_avx2.h. */
static inline vf64 vf64_load_f32(const float *p)
{
	return _mm512_cvtps_pd(_mm256_loadu_ps(p));
}
static inline void vf64_store_f32(float *p, vf64 v)
{
	_mm256_storeu_ps(p, _mm512_cvtpd_ps(v));
}
static inline vf64 vf64_loadu(const double *p)
{
	return _mm512_loadu_pd(p);
}
static inline void vf64_storeu(double *p, vf64 v)
{
	_mm512_storeu_pd(p, v);
}
static inline vf64 vf64_load_tail(const double *p, size_t k, double fill)
{
	return _mm512_mask_loadu_pd(_mm512_set1_pd(fill), (__mmask8)((1u << k) - 1), p);
}
static inline void vf64_store_tail(double *p, vf64 v, size_t k)
{
	_mm512_mask_storeu_pd(p, (__mmask8)((1u << k) - 1), v);
}
static inline void vf64_stream(double *p, vf64 v)
{
	_mm512_stream_pd(p, v);
}
static inline vf64 vf64_add(vf64 a, vf64 b)
{
	return _mm512_add_pd(a, b);
}
static inline vf64 vf64_sub(vf64 a, vf64 b)
{
	return _mm512_sub_pd(a, b);
}
static inline vf64 vf64_mul(vf64 a, vf64 b)
{
	return _mm512_mul_pd(a, b);
}
static inline vf64 vf64_fma(vf64 a, vf64 b, vf64 c)
{
	return _mm512_fmadd_pd(a, b, c);
}
static inline vf64 vf64_max(vf64 a, vf64 b)
{
	return _mm512_max_pd(a, b);
}
static inline vf64 vf64_min(vf64 a, vf64 b)
{
	return _mm512_min_pd(a, b);
}
static inline vf64 vf64_round(vf64 a)
{
	return _mm512_roundscale_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
static inline vf64 vf64_zero_unless_ge(vf64 a, vf64 lim, vf64 v)
{
	return _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(a, lim, _CMP_GE_OQ), v);
}
static inline vf64 vf64_sel_eq(vf64 a, vf64 b, vf64 t, vf64 f)
{
	return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ), f, t);
}
/* p 2^floor(k), rounded once; k = -inf gives 0 for finite p. */
static inline vf64 vf64_scale2(vf64 p, vf64 k)
{
	return _mm512_scalef_pd(p, k);
}
/* a - floor(a) in [0, 1]: exact (a multiple of ulp(a) below 1) except for
 * a in (-1/2, 0), where 1 + a is rounded (by at most 2^-53); 0 for +-inf,
 * NaN for NaN. */
static inline vf64 vf64_frac(vf64 a)
{
	return _mm512_reduce_pd(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}
/* acc + v in the lanes where a != b (or either is NaN); acc elsewhere. */
static inline vf64 vf64_add_unless_eq(vf64 acc, vf64 a, vf64 b, vf64 v)
{
	return _mm512_mask_add_pd(acc, _knot_mask8(_mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ)), acc, v);
}
static inline unsigned vf64_count_eq(vf64 a, vf64 b)
{
	return (unsigned)__builtin_popcount(_mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ));
}
/* floor(log2 v) for positive normal v, as doubles. */
static inline vf64 vf64_getexp(vf64 v)
{
	return _mm512_getexp_pd(v);
}
static inline double vf64_hmax(vf64 v)
{
	return _mm512_reduce_max_pd(v);
}
static inline double vf64_hsum(vf64 v)
{
	return _mm512_reduce_add_pd(v);
}

#endif
