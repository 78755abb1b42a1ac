/* The vector layer for AVX2 + FMA: 8 floats or 4 doubles a register.
 * Kernels are written once against these names (vf32_*, vf64_*) and
 * compiled once per ISA (see softmax_simd.inc). Compiled with
 * -mavx2 -mfma only. */
#ifndef SMX_VEC_AVX2_H
#define SMX_VEC_AVX2_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define SMX_ISA avx2

typedef __m256 vf32;
typedef __m256d vf64;
#define VF32_LANES 8
#define VF64_LANES 4

/* ---- f32 ---- */
static inline vf32 vf32_set1(float a)
{
	return _mm256_set1_ps(a);
}
static inline vf32 vf32_loadu(const float *p)
{
	return _mm256_loadu_ps(p);
}
static inline void vf32_storeu(float *p, vf32 v)
{
	_mm256_storeu_ps(p, v);
}
static inline __m256i vf32_tailmask(size_t k)
{
	return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)k),
				  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
/* The first k < 8 elements; the other lanes hold fill. Masked-off lanes
 * are not read, so a row may end at the edge of a page. */
static inline vf32 vf32_load_tail(const float *p, size_t k, float fill)
{
	__m256i m = vf32_tailmask(k);
	return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m),
				_mm256_castsi256_ps(m));
}
static inline void vf32_store_tail(float *p, vf32 v, size_t k)
{
	_mm256_maskstore_ps(p, vf32_tailmask(k), v);
}
/* A non-temporal store (p aligned to the vector): the line goes to memory
 * without being read first. */
static inline void vf32_stream(float *p, vf32 v)
{
	_mm256_stream_ps(p, v);
}
static inline vf32 vf32_add(vf32 a, vf32 b)
{
	return _mm256_add_ps(a, b);
}
static inline vf32 vf32_sub(vf32 a, vf32 b)
{
	return _mm256_sub_ps(a, b);
}
static inline vf32 vf32_mul(vf32 a, vf32 b)
{
	return _mm256_mul_ps(a, b);
}
static inline vf32 vf32_fma(vf32 a, vf32 b, vf32 c)
{
	return _mm256_fmadd_ps(a, b, c);
}
/* max(a, b) ignoring a NaN in a (MAXPS returns its second operand). */
static inline vf32 vf32_max(vf32 a, vf32 b)
{
	return _mm256_max_ps(a, b);
}
static inline vf32 vf32_min(vf32 a, vf32 b)
{
	return _mm256_min_ps(a, b);
}
/* Round to nearest integer (ties to even). */
static inline vf32 vf32_round(vf32 a)
{
	return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
/* v where a >= lim, else 0 (also where a is NaN). */
static inline vf32 vf32_zero_unless_ge(vf32 a, vf32 lim, vf32 v)
{
	return _mm256_and_ps(_mm256_cmp_ps(a, lim, _CMP_GE_OQ), v);
}
/* where(a == b) ? t : f */
static inline vf32 vf32_sel_eq(vf32 a, vf32 b, vf32 t, vf32 f)
{
	return _mm256_blendv_ps(f, t, _mm256_cmp_ps(a, b, _CMP_EQ_OQ));
}
/* The number of lanes where a == b. */
static inline unsigned vf32_count_eq(vf32 a, vf32 b)
{
	return (unsigned)__builtin_popcount(
	    (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(a, b, _CMP_EQ_OQ)));
}
/* 2^k for integer lanes k in [-126, 127]: the exponent field. */
static inline vf32 vf32_pow2(__m256i k)
{
	return _mm256_castsi256_ps(
	    _mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
}
/* p 2^k for integral k (NaN, +-inf allowed), rounded once: in one step when
 * every lane's 2^k is a normal number, else as 2^(k/2) 2^(k - k/2), each
 * normal, so subnormal results are rounded once and not flushed. */
static inline vf32 vf32_scale2(vf32 p, vf32 k)
{
	k = _mm256_min_ps(_mm256_set1_ps(130.0f), _mm256_max_ps(_mm256_set1_ps(-152.0f), k));
	__m256i ki = _mm256_cvtps_epi32(k);
	__m256i out = _mm256_or_si256(_mm256_cmpgt_epi32(ki, _mm256_set1_epi32(127)),
				      _mm256_cmpgt_epi32(_mm256_set1_epi32(-126), ki));
	if (_mm256_testz_si256(out, out))
		return _mm256_mul_ps(p, vf32_pow2(ki));
	__m256i k1 = _mm256_srai_epi32(ki, 1);
	return _mm256_mul_ps(_mm256_mul_ps(p, vf32_pow2(k1)), vf32_pow2(_mm256_sub_epi32(ki, k1)));
}
static inline float vf32_hmax(vf32 v)
{
	__m128 a = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	a = _mm_max_ps(a, _mm_movehl_ps(a, a));
	a = _mm_max_ss(a, _mm_movehdup_ps(a));
	return _mm_cvtss_f32(a);
}
static inline float vf32_hsum(vf32 v)
{
	__m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	a = _mm_add_ps(a, _mm_movehl_ps(a, a));
	a = _mm_add_ss(a, _mm_movehdup_ps(a));
	return _mm_cvtss_f32(a);
}
/* Widen the low and high halves to doubles, and narrow back. */
static inline vf64 vf32_lo64(vf32 v)
{
	return _mm256_cvtps_pd(_mm256_castps256_ps128(v));
}
static inline vf64 vf32_hi64(vf32 v)
{
	return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
}
static inline vf32 vf32_from64(vf64 lo, vf64 hi)
{
	return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)),
				    _mm256_cvtpd_ps(hi), 1);
}

/* ---- f64 ---- */
static inline vf64 vf64_set1(double a)
{
	return _mm256_set1_pd(a);
}
/* VF64_LANES floats widened to doubles, and narrowed back (rounded): one
 * conversion with a memory operand, no shuffle. */
static inline vf64 vf64_load_f32(const float *p)
{
	return _mm256_cvtps_pd(_mm_loadu_ps(p));
}
static inline void vf64_store_f32(float *p, vf64 v)
{
	_mm_storeu_ps(p, _mm256_cvtpd_ps(v));
}
static inline vf64 vf64_loadu(const double *p)
{
	return _mm256_loadu_pd(p);
}
static inline void vf64_storeu(double *p, vf64 v)
{
	_mm256_storeu_pd(p, v);
}
static inline __m256i vf64_tailmask(size_t k)
{
	return _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)k), _mm256_setr_epi64x(0, 1, 2, 3));
}
static inline vf64 vf64_load_tail(const double *p, size_t k, double fill)
{
	__m256i m = vf64_tailmask(k);
	return _mm256_blendv_pd(_mm256_set1_pd(fill), _mm256_maskload_pd(p, m),
				_mm256_castsi256_pd(m));
}
static inline void vf64_store_tail(double *p, vf64 v, size_t k)
{
	_mm256_maskstore_pd(p, vf64_tailmask(k), v);
}
static inline void vf64_stream(double *p, vf64 v)
{
	_mm256_stream_pd(p, v);
}
static inline vf64 vf64_add(vf64 a, vf64 b)
{
	return _mm256_add_pd(a, b);
}
static inline vf64 vf64_sub(vf64 a, vf64 b)
{
	return _mm256_sub_pd(a, b);
}
static inline vf64 vf64_mul(vf64 a, vf64 b)
{
	return _mm256_mul_pd(a, b);
}
static inline vf64 vf64_fma(vf64 a, vf64 b, vf64 c)
{
	return _mm256_fmadd_pd(a, b, c);
}
static inline vf64 vf64_max(vf64 a, vf64 b)
{
	return _mm256_max_pd(a, b);
}
static inline vf64 vf64_min(vf64 a, vf64 b)
{
	return _mm256_min_pd(a, b);
}
static inline vf64 vf64_round(vf64 a)
{
	return _mm256_round_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
static inline vf64 vf64_zero_unless_ge(vf64 a, vf64 lim, vf64 v)
{
	return _mm256_and_pd(_mm256_cmp_pd(a, lim, _CMP_GE_OQ), v);
}
static inline vf64 vf64_sel_eq(vf64 a, vf64 b, vf64 t, vf64 f)
{
	return _mm256_blendv_pd(f, t, _mm256_cmp_pd(a, b, _CMP_EQ_OQ));
}
/* 2^k from t = 1.5 * 2^52 + 1023 + k, k integral in [-1023, 1024): t's
 * low bits hold the biased exponent; shifted into place (k = -1023: +0). */
static inline vf64 vf64_pow2_biased(vf64 t)
{
	return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(t), 52));
}
/* 2^k for integral k in [-1022, 1023]. */
static inline vf64 vf64_pow2(vf64 k)
{
	return vf64_pow2_biased(
	    _mm256_add_pd(k, _mm256_set1_pd(0x1.8p52 + 1023))); /* 1.5 * 2^52 + bias */
}
/* As vf32_scale2. */
static inline vf64 vf64_scale2(vf64 p, vf64 k)
{
	k = _mm256_min_pd(_mm256_set1_pd(1030.0), _mm256_max_pd(_mm256_set1_pd(-1080.0), k));
	__m256d out = _mm256_or_pd(_mm256_cmp_pd(k, _mm256_set1_pd(1023.0), _CMP_GT_OQ),
				   _mm256_cmp_pd(k, _mm256_set1_pd(-1022.0), _CMP_LT_OQ));
	if (_mm256_testz_pd(out, out))
		return _mm256_mul_pd(p, vf64_pow2(k));
	__m256d k1 = _mm256_floor_pd(_mm256_mul_pd(k, _mm256_set1_pd(0.5)));
	return _mm256_mul_pd(_mm256_mul_pd(p, vf64_pow2(k1)), vf64_pow2(_mm256_sub_pd(k, k1)));
}
/* acc + v in the lanes where a != b (or either is NaN); acc elsewhere. */
static inline vf64 vf64_add_unless_eq(vf64 acc, vf64 a, vf64 b, vf64 v)
{
	return _mm256_add_pd(acc, _mm256_andnot_pd(_mm256_cmp_pd(a, b, _CMP_EQ_OQ), v));
}
static inline unsigned vf64_count_eq(vf64 a, vf64 b)
{
	return (unsigned)__builtin_popcount(
	    (unsigned)_mm256_movemask_pd(_mm256_cmp_pd(a, b, _CMP_EQ_OQ)));
}
/* floor(log2 v) for positive normal v, as doubles: the biased exponent
 * field placed in the low bits of 2^52 (an exact double), minus 2^52 +
 * 1023. */
static inline vf64 vf64_getexp(vf64 v)
{
	__m256i e = _mm256_srli_epi64(_mm256_castpd_si256(v), 52);
	__m256d t = _mm256_castsi256_pd(_mm256_or_si256(e, _mm256_set1_epi64x(0x4330000000000000)));
	return _mm256_sub_pd(t, _mm256_set1_pd(0x1p52 + 1023)); /* 2^52 + bias */
}
static inline double vf64_hmax(vf64 v)
{
	__m128d a = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
	return _mm_cvtsd_f64(_mm_max_sd(a, _mm_unpackhi_pd(a, a)));
}
static inline double vf64_hsum(vf64 v)
{
	__m128d a = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
	return _mm_cvtsd_f64(_mm_add_sd(a, _mm_unpackhi_pd(a, a)));
}

#endif
