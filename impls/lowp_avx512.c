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
#define LD lp_bf16_ld
#define LD_TAIL lp_bf16_ld_tail
#define ST lp_bf16_st
#define ST_TAIL lp_bf16_st_tail
#define STNT lp_bf16_stnt
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

#define FMT bf16nb
#define ST lp_bf16nb_st
#define ST_TAIL lp_bf16nb_st_tail
#define STNT lp_bf16nb_stnt
#define KNAME lp_softmax_bf16_nb
#define KLINK static
#include "lowp_simd.inc"
#define LQ_LSM lq_logsoftmax_bf16_nb
#define LQ_LINK static
#define LQ_NO_LSE
#include "lowp_lse_simd.inc"
#undef FMT
#undef LD
#undef LD_TAIL
#undef ST
#undef ST_TAIL
#undef STNT
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
#define LD lp_f16_ld
#define LD_TAIL lp_f16_ld_tail
#define ST lp_f16_st
#define ST_TAIL lp_f16_st_tail
#define STNT lp_f16_stnt
#include "lowp_simd.inc"
#include "lowp_lse_simd.inc"
#undef FMT
#undef LD
#undef LD_TAIL
#undef ST
#undef ST_TAIL
#undef STNT
