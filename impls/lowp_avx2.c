/* bf16>f32>bf16 and f16>f32>f16 shifted softmax, log-softmax and lse for
 * AVX2 + FMA, and F16C for f16 (every AVX2 processor has it; the Makefile
 * adds -mf16c to this object): lowp_simd.inc and lowp_lse_simd.inc on
 * vec_avx2.h, its exp (vec_math.inc) and log1p (vec_log.inc).
 *
 * Conversions: f16 by VCVTPH2PS / VCVTPS2PH, rounding to nearest even,
 * subnormals kept; bf16 by a 16-bit shift up and integer rounding down (add
 * 0x7fff plus the kept lowest bit; NaNs quieted). Tails of fewer than 8
 * values go through a small buffer: AVX2 has no 16-bit masked moves. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lowp.h"
#include "lowp_scalar.h"
#include "vec_avx2.h"

#include "lowp_isa.inc"
#define GATHER(tab, p)                                                                             \
	_mm256_i32gather_ps((tab), _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p))), 4)

/* s = the largest pattern as a signed integer, the least and the largest
 * as unsigned ones, over n 16-bit patterns, 16 a vector. */
static void lp_scan16(const uint16_t *x, size_t n, uint16_t s[3])
{
	__m256i a = _mm256_set1_epi16(INT16_MIN), b = _mm256_set1_epi16(-1),
		c = _mm256_setzero_si256();
	size_t i = 0;
	/* two vectors a step, combined before they meet the accumulators */
	for (; i + 32 <= n; i += 32) {
		const __m256i v = _mm256_loadu_si256((const __m256i *)(x + i)),
			      w = _mm256_loadu_si256((const __m256i *)(x + i + 16));
		a = _mm256_max_epi16(a, _mm256_max_epi16(v, w));
		b = _mm256_min_epu16(b, _mm256_min_epu16(v, w));
		c = _mm256_max_epu16(c, _mm256_max_epu16(v, w));
	}
	for (; i + 16 <= n; i += 16) {
		const __m256i v = _mm256_loadu_si256((const __m256i *)(x + i));
		a = _mm256_max_epi16(a, v);
		b = _mm256_min_epu16(b, v);
		c = _mm256_max_epu16(c, v);
	}
	/* PHMINPOSUW finds an unsigned minimum; a maximum is the minimum of
	 * the complements, a signed one with the sign bit flipped too */
	const __m128i a1 = _mm_max_epi16(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
	const __m128i b1 = _mm_min_epu16(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1));
	const __m128i c1 = _mm_max_epu16(_mm256_castsi256_si128(c), _mm256_extracti128_si256(c, 1));
	uint16_t sa = (uint16_t)(_mm_extract_epi16(
				     _mm_minpos_epu16(_mm_xor_si128(a1, _mm_set1_epi16(0x7fff))),
				     0) ^
				 0x7fff),
		 sb = (uint16_t)_mm_extract_epi16(_mm_minpos_epu16(b1), 0),
		 sc = (uint16_t)~_mm_extract_epi16(
		     _mm_minpos_epu16(_mm_xor_si128(c1, _mm_set1_epi16(-1))), 0);
	for (; i < n; i++) {
		if ((int16_t)x[i] > (int16_t)sa)
			sa = x[i];
		sb = x[i] < sb ? x[i] : sb;
		sc = x[i] > sc ? x[i] : sc;
	}
	s[0] = sa;
	s[1] = sb;
	s[2] = sc;
}

static inline vf32 lp_bf16_ld(const uint16_t *p)
{
	const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
	return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}

static inline __m128i lp_bf16_narrow(vf32 v)
{
	const __m256i u = _mm256_castps_si256(v);
	const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
	const __m256i r = _mm256_srli_epi32(
	    _mm256_add_epi32(u, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff))), 16);
	const __m256i q = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x40));
	const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
	const __m256i h = _mm256_blendv_epi8(r, q, nan);
	/* values fit 16 bits: the unsigned saturating pack keeps them */
	return _mm_packus_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

static inline void lp_bf16_st(uint16_t *p, vf32 v)
{
	_mm_storeu_si128((__m128i *)p, lp_bf16_narrow(v));
}

/* The rounding of lp_bf16_narrow without its NaN case. */
static inline __m256i lp_bf16_round(vf32 v)
{
	const __m256i u = _mm256_castps_si256(v);
	const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
	return _mm256_srli_epi32(
	    _mm256_add_epi32(u, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff))), 16);
}

/* a then b, finite (LP(plain)): one pack of both, its 128-bit halves'
 * interleaving undone by one permutation. */
static inline void lp_bf16_st2(uint16_t *p, vf32 a, vf32 b)
{
	const __m256i h = _mm256_packus_epi32(lp_bf16_round(a), lp_bf16_round(b));
	_mm256_storeu_si256((__m256i *)p, _mm256_permute4x64_epi64(h, 0xd8));
}

static inline void lp_bf16_stnt(uint16_t *p, vf32 v)
{
	_mm_stream_si128((__m128i *)p, lp_bf16_narrow(v));
}

static inline vf32 lp_f16_ld(const uint16_t *p)
{
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

static inline void lp_f16_st(uint16_t *p, vf32 v)
{
	_mm_storeu_si128((__m128i *)p,
			 _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

static inline void lp_f16_stnt(uint16_t *p, vf32 v)
{
	_mm_stream_si128((__m128i *)p,
			 _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

/* Tails: k < 8 values through an 8-value buffer, fill in the rest. */
#define LP_TAILS(fmt)                                                                              \
	static inline vf32 lp_##fmt##_ld_tail(const uint16_t *p, size_t k, float fill)             \
	{                                                                                          \
		float f[8];                                                                        \
		for (size_t i = 0; i < k; i++)                                                     \
			f[i] = smx_##fmt##_to_float(p[i]);                                         \
		return vf32_load_tail(f, k, fill);                                                 \
	}                                                                                          \
	static inline void lp_##fmt##_st_tail(uint16_t *p, vf32 v, size_t k)                       \
	{                                                                                          \
		uint16_t b[8];                                                                     \
		lp_##fmt##_st(b, v);                                                               \
		memcpy(p, b, k * sizeof *b);                                                       \
	}
LP_TAILS(bf16)
LP_TAILS(f16)
#undef LP_TAILS

#define FMT bf16
#define FINF 0x7f80 /* +inf; above it NaNs */
#define FTOF smx_bf16_to_float
#define LD lp_bf16_ld
#define LD_TAIL lp_bf16_ld_tail
#define ST lp_bf16_st
#define ST_TAIL lp_bf16_st_tail
#define STNT lp_bf16_stnt
#define LD2 LP_LD_PAIR
#define ST2 lp_bf16_st2
#include "lowp_simd.inc"
#undef FMT
#undef FINF
#undef FTOF
#undef LD
#undef LD_TAIL
#undef ST
#undef ST_TAIL
#undef STNT
#undef LD2
#undef ST2

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
#undef FINF
#undef FTOF
#undef LD
#undef LD_TAIL
#undef ST
#undef ST_TAIL
#undef STNT
#undef LD2
#undef ST2

#define FMT bf16
#define LD lp_bf16_ld
#define LD_TAIL lp_bf16_ld_tail
#define ST lp_bf16_st
#define ST_TAIL lp_bf16_st_tail
#define LD2 LP_LD_PAIR
#define ST2 lp_bf16_st2
#include "lowp_lse_simd.inc"
