/* Softmax of f32 and bf16 rows to fp8 for AVX-512 (F, DQ, VL, BW):
 * fp8_simd.inc on vec_avx512.h and its exp (vec_math.inc); the kernels,
 * their conversion and their error bounds are derived there. Here: the
 * conversion's vector form, one byte a lane out by VPMOVDB (masked for
 * tails), and the bf16 widening (a 16-bit shift, as lowp_avx512.c's). */
#include <float.h>
#include <math.h>

#include "fp8_simd.h"
#include "lowp.h"
#include "lowp_scalar.h"
#include "vec_avx512.h"

#define VT vf32
#define T float
#define V(op) vf32_##op
#define SFX f32
#define LANES VF32_LANES
#define TMAX FLT_MAX
#define SMX_T_IS_F32 1
#include "vec_math.inc"

typedef __m512i F8W;

static inline __mmask16 f8_mask(size_t k)
{
	return (__mmask16)((1u << k) - 1);
}

/* fp8 patterns of f32 lanes of any sign (fp8_simd.inc, "The
 * conversion"). The sum is rounded to nearest whatever the rounding mode,
 * and no lane reaches it as inf or NaN (magnitudes are capped first). */
static inline F8W f8_cvt_any(vf32 v, int e5m2)
{
	const int m = e5m2 ? 2 : 3, b = e5m2 ? 15 : 7;
	const __m512i u = _mm512_castps_si512(v);
	/* |v| capped at 2^(emax + 1): above every finite, inf included */
	const __m512i a = _mm512_min_epu32(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)),
					   _mm512_set1_epi32((128 + (e5m2 ? 16 : 9)) << 23));
	/* the binade's exponent bits, floored at the least normal's */
	const __m512i ef = _mm512_max_epu32(_mm512_and_si512(a, _mm512_set1_epi32(0x7f800000)),
					    _mm512_set1_epi32((128 - b) << 23));
	/* 2^(E + 23 - m): its ulp is the format's ulp in the binade */
	const __m512i magic = _mm512_add_epi32(ef, _mm512_set1_epi32((23 - m) << 23));
	const __m512 sum = _mm512_add_round_ps(_mm512_castsi512_ps(a), _mm512_castsi512_ps(magic),
					       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	/* q = sum - magic counts ulps; the pattern is ((E + b - 1) << m) + q */
	__m512i mag =
	    _mm512_add_epi32(_mm512_sub_epi32(_mm512_castps_si512(sum), magic),
			     _mm512_sub_epi32(_mm512_srli_epi32(magic, 23 - m),
					      _mm512_set1_epi32((128 - b + 23 - m) << m)));
	/* e4m3 saturates at 0x7e (448), e5m2 overflows to 0x7c (inf) */
	mag = _mm512_min_epu32(mag, _mm512_set1_epi32(e5m2 ? 0x7c : 0x7e));
	mag = _mm512_mask_mov_epi32(mag, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q),
				    _mm512_set1_epi32(e5m2 ? 0x7e : 0x7f));
	/* mag | (sign >> 24) */
	return _mm512_ternarylogic_epi32(mag, _mm512_srli_epi32(u, 24), _mm512_set1_epi32(0x80),
					 0xf8);
}

/* The tables of f8_cvt_pos: for every exponent field e from the least
 * normal's e0 = 128 - b on, at e mod 32, the magic 2^(E + 23 - m) (E = e -
 * 127) whose ulp is the format's ulp in that binade, and the offset
 * ((e - e0) << m) - magic that turns the sum's bits into the pattern. */
#define F8_MAGIC(e, m) ((e) + 23 - (m)) * (1 << 23)
#define F8_TM(e, e0, m) [(e) % 32] = F8_MAGIC(e, m)
#define F8_TO(e, e0, m) [(e) % 32] = (((e) - (e0)) << (m)) - F8_MAGIC(e, m)
#define F8_4(F, e, e0, m) F(e, e0, m), F(e + 1, e0, m), F(e + 2, e0, m), F(e + 3, e0, m)
#define F8_32(F, e0, m)                                                                            \
	F8_4(F, e0, e0, m), F8_4(F, e0 + 4, e0, m), F8_4(F, e0 + 8, e0, m),                        \
	    F8_4(F, e0 + 12, e0, m), F8_4(F, e0 + 16, e0, m), F8_4(F, e0 + 20, e0, m),             \
	    F8_4(F, e0 + 24, e0, m), F8_4(F, e0 + 28, e0, m)
static const int32_t f8_tabs[2][2][32] = {
    {{F8_32(F8_TM, 121, 3)}, {F8_32(F8_TO, 121, 3)}}, /* e4m3 */
    {{F8_32(F8_TM, 113, 2)}, {F8_32(F8_TO, 113, 2)}}, /* e5m2 */
};
#undef F8_32
#undef F8_4
#undef F8_TO
#undef F8_TM
#undef F8_MAGIC

/* The conversion for lanes that are +0, positive or +inf (softmax
 * outputs), in fewer operations: capping at 448 (e4m3) is satfinite
 * itself, and at 61440 (e5m2, half way to the next binade) rounds to inf
 * as every larger value does; the magic and the offset come from the
 * tables, indexed by e (floored at e0) mod 32: e4m3 121 to 135, e5m2 113
 * to 142. */
static inline F8W f8_cvt_pos(vf32 v, int e5m2)
{
	const int32_t *tm = f8_tabs[e5m2][0], *to = f8_tabs[e5m2][1];
	const __m512i a = _mm512_min_epu32(_mm512_castps_si512(v),
					   _mm512_set1_epi32(e5m2 ? 0x47700000	  /* 61440 */
								  : 0x43e00000)); /* 448 */
	const __m512i e =
	    _mm512_max_epu32(_mm512_srli_epi32(a, 23), _mm512_set1_epi32(e5m2 ? 113 : 121));
	const __m512i magic =
	    _mm512_permutex2var_epi32(_mm512_loadu_si512(tm), e, _mm512_loadu_si512(tm + 16));
	const __m512 sum = _mm512_add_round_ps(_mm512_castsi512_ps(a), _mm512_castsi512_ps(magic),
					       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	return _mm512_add_epi32(
	    _mm512_castps_si512(sum),
	    _mm512_permutex2var_epi32(_mm512_loadu_si512(to), e, _mm512_loadu_si512(to + 16)));
}

/* The fast form unless a lane is negative or NaN (bits above +inf's). */
static inline F8W f8_cvt(vf32 v, int e5m2)
{
	if (__builtin_expect(
		_mm512_cmpgt_epu32_mask(_mm512_castps_si512(v), _mm512_set1_epi32(0x7f800000)) != 0,
		0))
		return f8_cvt_any(v, e5m2);
	return f8_cvt_pos(v, e5m2);
}

static inline void f8_st(uint8_t *p, F8W w)
{
	_mm_storeu_si128((__m128i *)p, _mm512_cvtepi32_epi8(w));
}

static inline void f8_st_tail(uint8_t *p, F8W w, size_t k)
{
	_mm512_mask_cvtepi32_storeu_epi8(p, f8_mask(k), w);
}

#define F8_CVT f8_cvt
#define F8_ST f8_st
#define F8_ST_TAIL f8_st_tail

static inline vf32 f8_bf16_ld(const uint16_t *p)
{
	return _mm512_castsi512_ps(
	    _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p)), 16));
}

static inline vf32 f8_bf16_ld_tail(const uint16_t *p, size_t k, float fill)
{
	const __mmask16 mk = f8_mask(k);
	const __m512i h = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mk, p));
	return _mm512_mask_blend_ps(mk, _mm512_set1_ps(fill),
				    _mm512_castsi512_ps(_mm512_slli_epi32(h, 16)));
}

#include "fp8_isa.inc"
