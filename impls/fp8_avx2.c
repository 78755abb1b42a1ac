/* Softmax of f32 and bf16 rows to fp8 for AVX2 and FMA: fp8_simd.inc on
 * vec_avx2.h and its exp (vec_math.inc); the kernels, their conversion and
 * their error bounds are derived there. Here: the conversion's vector form
 * (the sum that rounds is an ordinary VADDPS: round to nearest under the
 * default rounding mode, which every kernel here assumes), one byte a lane
 * out by a byte shuffle and a dword permute, tails through an 8-byte
 * buffer, and the bf16 widening (a 16-bit shift, as lowp_avx2.c's). */
#include <float.h>
#include <math.h>
#include <string.h>

#include "fp8_simd.h"
#include "lowp.h"
#include "lowp_scalar.h"
#include "vec_avx2.h"

#define VT vf32
#define T float
#define V(op) vf32_##op
#define SFX f32
#define LANES VF32_LANES
#define TMAX FLT_MAX
#define SMX_T_IS_F32 1
#include "vec_math.inc"

typedef __m256i F8W;

static inline __m256i f8_set(int v)
{
	return _mm256_set1_epi32(v);
}

/* The rounding of a magnitude a (non-negative f32 bits, capped below
 * inf): the sum a + 2^(E + 23 - m), E the binade's exponent floored at the
 * least normal's, rounds a to the format's ulp there; the pattern is
 * ((E + b - 1) << m) plus the ulps counted by the sum. */
static inline __m256i f8_round(__m256i a, int m, int b)
{
	const __m256i ef =
	    _mm256_max_epu32(_mm256_and_si256(a, f8_set(0x7f800000)), f8_set((128 - b) << 23));
	const __m256i magic = _mm256_add_epi32(ef, f8_set((23 - m) << 23));
	const __m256 sum = _mm256_add_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(magic));
	return _mm256_add_epi32(
	    _mm256_sub_epi32(_mm256_castps_si256(sum), magic),
	    _mm256_sub_epi32(_mm256_srli_epi32(magic, 23 - m), f8_set((128 - b + 23 - m) << m)));
}

/* fp8 patterns of f32 lanes of any sign (fp8_simd.inc, "The
 * conversion"): magnitudes capped at 2^(emax + 1) (inf included), then
 * saturated (e4m3) or overflowed to inf (e5m2), NaN, the sign. */
static inline F8W f8_cvt_any(vf32 v, int e5m2)
{
	const int m = e5m2 ? 2 : 3, b = e5m2 ? 15 : 7;
	const __m256i u = _mm256_castps_si256(v);
	const __m256i a = _mm256_min_epu32(_mm256_and_si256(u, f8_set(0x7fffffff)),
					   f8_set((128 + (e5m2 ? 16 : 9)) << 23));
	__m256i mag = _mm256_min_epu32(f8_round(a, m, b), f8_set(e5m2 ? 0x7c : 0x7e));
	mag = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(mag),
						   _mm256_castsi256_ps(f8_set(e5m2 ? 0x7e : 0x7f)),
						   _mm256_cmp_ps(v, v, _CMP_UNORD_Q)));
	return _mm256_or_si256(mag, _mm256_and_si256(_mm256_srli_epi32(u, 24), f8_set(0x80)));
}

/* Lanes that are +0, positive or +inf: capping at 448 (e4m3) is
 * satfinite, at 61440 (e5m2) the overflow to inf; no saturation, NaN or
 * sign step. Otherwise the general form. */
static inline F8W f8_cvt(vf32 v, int e5m2)
{
	const __m256i u = _mm256_castps_si256(v);
	/* a sign bit, or bits above +inf's (NaN) */
	if (__builtin_expect(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_or_si256(
				 u, _mm256_cmpgt_epi32(u, f8_set(0x7f800000))))) != 0,
			     0))
		return f8_cvt_any(v, e5m2);
	const __m256i a =
	    _mm256_min_epu32(u, f8_set(e5m2 ? 0x47700000 /* 61440 */ : 0x43e00000 /* 448 */));
	return f8_round(a, e5m2 ? 2 : 3, e5m2 ? 15 : 7);
}

/* The low byte of each lane, in order, in the low 8 bytes. */
static inline __m128i f8_pack(F8W w)
{
	const __m256i sh =
	    _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8,
			     12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
	const __m256i p = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(w, sh),
						      _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
	return _mm256_castsi256_si128(p);
}

static inline void f8_st(uint8_t *p, F8W w)
{
	_mm_storel_epi64((__m128i *)p, f8_pack(w));
}

static inline void f8_st_tail(uint8_t *p, F8W w, size_t k)
{
	uint8_t b[8];
	_mm_storel_epi64((__m128i *)b, f8_pack(w));
	memcpy(p, b, k);
}

#define F8_CVT f8_cvt
#define F8_ST f8_st
#define F8_ST_TAIL f8_st_tail

static inline vf32 f8_bf16_ld(const uint16_t *p)
{
	return _mm256_castsi256_ps(
	    _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}

/* k < 8 values, the rest fill (exact in bf16: -inf or 0 here). */
static inline vf32 f8_bf16_ld_tail(const uint16_t *p, size_t k, float fill)
{
	uint16_t b[8];
	for (size_t i = 0; i < 8; i++)
		b[i] = i < k ? p[i] : smx_bf16_from_float(fill);
	return f8_bf16_ld(b);
}

#include "fp8_isa.inc"
