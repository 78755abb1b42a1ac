/* bf16>f32>bf16 and f16>f32>f16 shifted softmax, log-softmax and lse for
 * AVX-512 (F, DQ, VL, BW): lowp_simd.inc and lowp_lse_simd.inc on
 * vec_avx512.h, its exp (vec_math.inc) and log1p (vec_log.inc).
 *
 * Conversions. f16 uses VCVTPH2PS / VCVTPS2PH (AVX-512F) with rounding to
 * nearest even; both keep subnormals. bf16 widens by a 16-bit shift. It
 * narrows with AVX512-BF16's VCVTNEPS2BF16 where the processor has it
 * (chosen at run time): rounding to nearest even, NaNs quieted, but
 * subnormal inputs flushed to zero (Intel SDM, VCVTNEPS2BF16), so a vector
 * holding an f32 subnormal (an output below 2^-126) is narrowed again by
 * the integer path, which every other processor uses throughout: add
 * 0x7fff plus the kept lowest bit, keep the top half, quiet NaNs. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "lowp.h"
#include "lowp_scalar.h"
#include "vec_avx512.h"

#include "lowp_isa.inc"
#define GATHER(tab, p)                                                                             \
	_mm512_i32gather_ps(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(p))),       \
			    (tab), 4)

static inline __mmask16 lp_mask(size_t k)
{
	return (__mmask16)((1u << k) - 1);
}

/* s = the largest pattern as a signed integer, the least and the largest
 * as unsigned ones, over n 16-bit patterns, 32 a vector. */
static void lp_scan16(const uint16_t *x, size_t n, uint16_t s[3])
{
	__m512i a = _mm512_set1_epi16(INT16_MIN), b = _mm512_set1_epi16(-1),
		c = _mm512_setzero_si512();
	size_t i = 0;
	/* two vectors a step, combined before they meet the accumulators */
	for (; i + 64 <= n; i += 64) {
		const __m512i v = _mm512_loadu_si512(x + i), w = _mm512_loadu_si512(x + i + 32);
		a = _mm512_max_epi16(a, _mm512_max_epi16(v, w));
		b = _mm512_min_epu16(b, _mm512_min_epu16(v, w));
		c = _mm512_max_epu16(c, _mm512_max_epu16(v, w));
	}
	for (; i + 32 <= n; i += 32) {
		const __m512i v = _mm512_loadu_si512(x + i);
		a = _mm512_max_epi16(a, v);
		b = _mm512_min_epu16(b, v);
		c = _mm512_max_epu16(c, v);
	}
	if (i < n) {
		const __mmask32 k = (__mmask32)((1ull << (n - i)) - 1);
		const __m512i v = _mm512_maskz_loadu_epi16(k, x + i);
		a = _mm512_mask_max_epi16(a, k, a, v);
		b = _mm512_mask_min_epu16(b, k, b, v);
		c = _mm512_mask_max_epu16(c, k, c, v);
	}
	__m256i a2 = _mm256_max_epi16(_mm512_castsi512_si256(a), _mm512_extracti64x4_epi64(a, 1));
	__m256i b2 = _mm256_min_epu16(_mm512_castsi512_si256(b), _mm512_extracti64x4_epi64(b, 1));
	__m256i c2 = _mm256_max_epu16(_mm512_castsi512_si256(c), _mm512_extracti64x4_epi64(c, 1));
	/* PHMINPOSUW finds an unsigned minimum; a maximum is the minimum of
	 * the complements, a signed one with the sign bit flipped too */
	const __m128i a1 =
	    _mm_max_epi16(_mm256_castsi256_si128(a2), _mm256_extracti128_si256(a2, 1));
	const __m128i b1 =
	    _mm_min_epu16(_mm256_castsi256_si128(b2), _mm256_extracti128_si256(b2, 1));
	const __m128i c1 =
	    _mm_max_epu16(_mm256_castsi256_si128(c2), _mm256_extracti128_si256(c2, 1));
	s[0] = (uint16_t)(_mm_extract_epi16(
			      _mm_minpos_epu16(_mm_xor_si128(a1, _mm_set1_epi16(0x7fff))), 0) ^
			  0x7fff);
	s[1] = (uint16_t)_mm_extract_epi16(_mm_minpos_epu16(b1), 0);
	s[2] = (uint16_t)~_mm_extract_epi16(_mm_minpos_epu16(_mm_xor_si128(c1, _mm_set1_epi16(-1))),
					    0);
}

static inline vf32 lp_bf16_widen(__m256i h)
{
	return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

static inline __m512i lp_bf16_narrow(vf32 v)
{
	const __m512i u = _mm512_castps_si512(v);
	const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
	const __m512i r = _mm512_srli_epi32(
	    _mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
	const __m512i q = _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40));
	return _mm512_mask_blend_epi32(_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), r, q);
}

static inline vf32 lp_bf16_ld(const uint16_t *p)
{
	return lp_bf16_widen(_mm256_loadu_si256((const __m256i *)p));
}

/* 2 LANES values: one load, each half widened by one permutation that
 * puts pattern j in the high half of lane j and zeros the low halves. */
static inline void lp_bf16_ld2(const uint16_t *p, vf32 *a, vf32 *b)
{
	const __m512i w = _mm512_loadu_si512(p);
	const __m512i j = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
	*a = _mm512_castsi512_ps(
	    _mm512_maskz_permutexvar_epi16(0xaaaaaaaa, _mm512_slli_epi32(j, 16), w));
	*b = _mm512_castsi512_ps(_mm512_maskz_permutexvar_epi16(
	    0xaaaaaaaa, _mm512_slli_epi32(_mm512_add_epi32(j, _mm512_set1_epi32(16)), 16), w));
}

static inline vf32 lp_bf16_ld_tail(const uint16_t *p, size_t k, float fill)
{
	const __mmask16 m = lp_mask(k);
	return _mm512_mask_blend_ps(m, _mm512_set1_ps(fill),
				    lp_bf16_widen(_mm256_maskz_loadu_epi16(m, p)));
}

static inline void lp_bf16_st(uint16_t *p, vf32 v)
{
	_mm256_storeu_si256((__m256i *)p, _mm512_cvtepi32_epi16(lp_bf16_narrow(v)));
}

static inline void lp_bf16_st_tail(uint16_t *p, vf32 v, size_t k)
{
	_mm512_mask_cvtepi32_storeu_epi16(p, lp_mask(k), lp_bf16_narrow(v));
}

static inline void lp_bf16_stnt(uint16_t *p, vf32 v)
{
	_mm256_stream_si256((__m256i *)p, _mm512_cvtepi32_epi16(lp_bf16_narrow(v)));
}

static inline vf32 lp_f16_ld(const uint16_t *p)
{
	return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
}

static inline vf32 lp_f16_ld_tail(const uint16_t *p, size_t k, float fill)
{
	const __mmask16 m = lp_mask(k);
	return _mm512_mask_blend_ps(m, _mm512_set1_ps(fill),
				    _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p)));
}

#define LP_F16_NARROW(v) _mm512_cvtps_ph((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)

static inline void lp_f16_st(uint16_t *p, vf32 v)
{
	_mm256_storeu_si256((__m256i *)p, LP_F16_NARROW(v));
}

static inline void lp_f16_st_tail(uint16_t *p, vf32 v, size_t k)
{
	_mm256_mask_storeu_epi16(p, lp_mask(k), LP_F16_NARROW(v));
}

static inline void lp_f16_stnt(uint16_t *p, vf32 v)
{
	_mm256_stream_si256((__m256i *)p, LP_F16_NARROW(v));
}

#define FMT bf16
#define FINF 0x7f80 /* +inf; above it NaNs */
#define FTOF smx_bf16_to_float
#define LD lp_bf16_ld
#define LD2(p, a, b) lp_bf16_ld2((p), &(a), &(b))
#define LD_TAIL lp_bf16_ld_tail
#define ST lp_bf16_st
#define ST_TAIL lp_bf16_st_tail
#define STNT lp_bf16_stnt
#define ST2 LP_ST_PAIR
#define KNAME lp_softmax_bf16_int
#define KLINK static
#include "lowp_simd.inc"
#define LQ_LSM lq_logsoftmax_bf16_int
#define LQ_LINK static
#include "lowp_lse_simd.inc"
#undef FMT
#undef ST
#undef ST_TAIL
#undef STNT
#undef ST2

/* The BF16 conversion for the functions below only (the dispatch picks
 * them when the processor has it); clang spells the pragma its own way. */
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx512bf16"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512bf16")
#endif
/* One instruction, unless a lane is an f32 subnormal (class bit 0x20). */
static inline __m256i lp_bf16_narrow_nb(vf32 v)
{
	if (__builtin_expect(_mm512_fpclass_ps_mask(v, 0x20) != 0, 0))
		return _mm512_cvtepi32_epi16(lp_bf16_narrow(v));
	return (__m256i)_mm512_cvtneps_pbh(v);
}

static inline void lp_bf16nb_st(uint16_t *p, vf32 v)
{
	_mm256_storeu_si256((__m256i *)p, lp_bf16_narrow_nb(v));
}

static inline void lp_bf16nb_st_tail(uint16_t *p, vf32 v, size_t k)
{
	_mm256_mask_storeu_epi16(p, lp_mask(k), lp_bf16_narrow_nb(v));
}

static inline void lp_bf16nb_stnt(uint16_t *p, vf32 v)
{
	_mm256_stream_si256((__m256i *)p, lp_bf16_narrow_nb(v));
}

/* a then b, no subnormal among them (LP(plain)): one conversion of both. */
static inline void lp_bf16nb_st2(uint16_t *p, vf32 a, vf32 b)
{
	_mm512_storeu_si512(p, (__m512i)_mm512_cvtne2ps_pbh(b, a));
}

#define FMT bf16nb
#define ST lp_bf16nb_st
#define ST_TAIL lp_bf16nb_st_tail
#define STNT lp_bf16nb_stnt
#define ST2 lp_bf16nb_st2
#define KNAME lp_softmax_bf16_nb
#define KLINK static
#include "lowp_simd.inc"
#define LQ_LSM lq_logsoftmax_bf16_nb
#define LQ_LINK static
#define LQ_NO_LSE
#include "lowp_lse_simd.inc"
#undef FMT
#undef FINF
#undef FTOF
#undef LD
#undef LD2
#undef LD_TAIL
#undef ST
#undef ST_TAIL
#undef STNT
#undef ST2
#ifdef __clang__
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

void smx_softmax_bf16_shifted_acc32__avx512(const uint16_t *x, uint16_t *y, size_t rows, size_t n)
{
	__builtin_cpu_init();
	(__builtin_cpu_supports("avx512bf16") ? lp_softmax_bf16_nb : lp_softmax_bf16_int)(x, y,
											  rows, n);
}

void smx_logsoftmax_bf16_shifted_acc32__avx512(const uint16_t *x, uint16_t *y, size_t rows,
					       size_t n)
{
	__builtin_cpu_init();
	(__builtin_cpu_supports("avx512bf16") ? lq_logsoftmax_bf16_nb
					      : lq_logsoftmax_bf16_int)(x, y, rows, n);
}

#define FMT f16
#define FINF 0x7c00 /* +inf; above it NaNs */
#define FTOF smx_f16_to_float
#define LD lp_f16_ld
#define LD_TAIL lp_f16_ld_tail
#define ST lp_f16_st
#define ST_TAIL lp_f16_st_tail
#define STNT lp_f16_stnt
#define LD2 LP_LD_PAIR
#define ST2 LP_ST_PAIR
#include "lowp_simd.inc"
#include "lowp_lse_simd.inc"
#undef FMT
#undef LD
#undef LD_TAIL
#undef ST
#undef ST_TAIL
#undef STNT
#undef LD2
#undef ST2
#undef FINF
#undef FTOF
