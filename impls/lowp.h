/* Low-precision storage formats: bfloat16, IEEE binary16 (f16) and the OCP
 * 8-bit floats E4M3 and E5M2, as bit patterns, with conversions to and from
 * float and double.
 *
 * Every narrowing conversion rounds once, to nearest with ties to even,
 * from the value it is given (a double is never first rounded to float:
 * that would round twice). Subnormals of the target are kept, never
 * flushed; a NaN stays a NaN of the same sign.
 *
 *   format  bits  precision p  bias  max finite          inf   NaN
 *   bf16    16    8            127   0x1.fep+127         yes   S.11111111.xxxxxxx (x != 0)
 *   f16     16    11           15    65504 = 0x1.ffcp+15 yes   S.11111.xxxxxxxxxx (x != 0)
 *   e4m3    8     4            7     448 = 0x1.cp+8      no    S.1111.111 only
 *   e5m2    8     3            15    57344 = 0x1.cp+15   yes   S.11111.{01,10,11}
 *
 * E4M3 and E5M2 follow the OCP 8-bit Floating Point Specification (OFP8),
 * revision 1.0 (2023), tables 1 and 2. Overflow: bf16, f16 and e5m2
 * overflow to infinity as IEEE 754 rounding to nearest does (a value at or
 * beyond max + half an ulp); e4m3 has no infinity and saturates instead
 * ("satfinite", the OFP8 saturation mode CUDA's __NV_SATFINITE uses): any
 * value beyond 448, infinity included, converts to +-448. NaNs convert to
 * the quiet NaN of the target with the top payload bits kept where the
 * target has room (bf16, f16); e4m3 NaN is 0x7f/0xff, e5m2 NaN 0x7e/0xfe.
 *
 * Header-only: every function is static inline, no state, no ISA flags. */
#ifndef SMX_LOWP_H
#define SMX_LOWP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t smx_lowp_bits64_(double x)
{
	uint64_t u;
	memcpy(&u, &x, sizeof u);
	return u;
}

static inline uint32_t smx_lowp_bits32_(float x)
{
	uint32_t u;
	memcpy(&u, &x, sizeof u);
	return u;
}

static inline float smx_lowp_float_(uint32_t u)
{
	float x;
	memcpy(&x, &u, sizeof x);
	return x;
}

/* Round a finite nonnegative double magnitude (bits u, sign cleared) to a
 * format with m explicit mantissa bits and exponent bias b, to nearest even.
 * Returns the target's magnitude pattern (exponent << m | mantissa), which
 * may exceed the largest finite pattern: the caller decides overflow. */
static inline uint32_t smx_lowp_round_(uint64_t u, int m, int b)
{
	const int e = (int)(u >> 52); /* biased double exponent, 0 if subnormal */
	/* The target's least normal is 2^(1-b): double exponent field 1023+1-b. */
	if (e >= 1024 - b) {
		if (e - 1023 + b > 255)
			return UINT32_MAX; /* far beyond every target's range */
		const int s = 52 - m;
		/* Round the exponent:mantissa integer at bit s; a carry out of the
		 * mantissa steps the exponent, as it should. */
		const uint64_t r = (u + ((UINT64_C(1) << (s - 1)) - 1) + ((u >> s) & 1)) >> s;
		return (uint32_t)(r - ((uint64_t)(1023 - b) << m));
	}
	/* Below the least normal: an integer count of the least subnormal
	 * 2^(1-b-m). The significand sig (implicit bit included) times
	 * 2^(max(e,1)-1075) is the value; shift it right by sh. */
	const uint64_t sig = (u & ((UINT64_C(1) << 52) - 1)) | (e ? UINT64_C(1) << 52 : 0);
	const int sh = 1075 - (e ? e : 1) + 1 - b - m;
	if (sh > 54)
		return 0; /* below half the least subnormal */
	const uint64_t half = UINT64_C(1) << (sh - 1);
	const uint64_t q = sig >> sh, rem = sig & ((UINT64_C(1) << sh) - 1);
	return (uint32_t)(q + (rem > half || (rem == half && (q & 1))));
}

/* The shared narrowing: f is the largest finite magnitude pattern, inf the
 * infinity pattern (0 when the format has none: then saturate to f), nan
 * the quiet NaN magnitude pattern, keep how many top NaN payload bits to
 * keep below the quiet bit. */
static inline uint32_t smx_lowp_narrow_(double x, int m, int b, int width, uint32_t f, uint32_t inf,
					uint32_t nan, int keep)
{
	const uint64_t bits = smx_lowp_bits64_(x);
	const uint32_t sign = (uint32_t)(bits >> 63) << (width - 1);
	const uint64_t u = bits & ~(UINT64_C(1) << 63);
	if (u > UINT64_C(0x7ff0000000000000)) {
		/* Payload bits just below the double's quiet bit. */
		const uint32_t pay =
		    keep ? (uint32_t)((u >> (51 - keep)) & ((UINT64_C(1) << keep) - 1)) : 0;
		return sign | nan | pay;
	}
	if (u == UINT64_C(0x7ff0000000000000))
		return sign | (inf ? inf : f);
	const uint32_t r = smx_lowp_round_(u, m, b);
	if (r > f)
		return sign | (inf ? inf : f);
	return sign | r;
}

/* Widening: exact. Magnitude pattern a with m mantissa bits, bias b; the
 * caller handles inf and NaN. */
static inline double smx_lowp_widen_(uint32_t a, int m, int b)
{
	const uint32_t e = a >> m, man = a & ((1u << m) - 1);
	if (e == 0)
		return ldexp((double)man, 1 - b - m);
	return ldexp((double)(man | (1u << m)), (int)e - b - m);
}

/* ---- bfloat16 ---- */

static inline uint16_t smx_bf16_from_double(double x)
{
	return (uint16_t)smx_lowp_narrow_(x, 7, 127, 16, 0x7f7f, 0x7f80, 0x7fc0, 6);
}

/* Float to bf16 is the top half of the float rounded at bit 16; the same
 * result as the double path, faster. */
static inline uint16_t smx_bf16_from_float(float x)
{
	uint32_t u = smx_lowp_bits32_(x);
	if ((u & 0x7fffffffu) > 0x7f800000u)
		return (uint16_t)((u >> 16) | 0x40); /* quiet, sign and top payload kept */
	u += 0x7fffu + ((u >> 16) & 1);
	return (uint16_t)(u >> 16);
}

static inline float smx_bf16_to_float(uint16_t h)
{
	return smx_lowp_float_((uint32_t)h << 16);
}

/* ---- IEEE binary16 ---- */

static inline uint16_t smx_f16_from_double(double x)
{
	return (uint16_t)smx_lowp_narrow_(x, 10, 15, 16, 0x7bff, 0x7c00, 0x7e00, 9);
}

/* Float to double is exact, so one rounding. */
static inline uint16_t smx_f16_from_float(float x)
{
	return smx_f16_from_double((double)x);
}

static inline float smx_f16_to_float(uint16_t h)
{
	const uint32_t sign = (uint32_t)(h >> 15) << 31, a = h & 0x7fffu;
	if (a >= 0x7c00u) /* inf or NaN: the float's exponent all ones, payload moved up */
		return smx_lowp_float_(sign | 0x7f800000u | ((a & 0x3ffu) << 13));
	return copysignf((float)smx_lowp_widen_(a, 10, 15), sign ? -1.0f : 1.0f);
}

/* ---- OCP E4M3: no infinity, saturating ---- */

static inline uint8_t smx_e4m3_from_double(double x)
{
	return (uint8_t)smx_lowp_narrow_(x, 3, 7, 8, 0x7e, 0, 0x7f, 0);
}

static inline uint8_t smx_e4m3_from_float(float x)
{
	return smx_e4m3_from_double((double)x);
}

static inline float smx_e4m3_to_float(uint8_t h)
{
	const float s = (h & 0x80) ? -1.0f : 1.0f;
	const uint32_t a = h & 0x7fu;
	if (a == 0x7fu)
		return copysignf(NAN, s);
	return copysignf((float)smx_lowp_widen_(a, 3, 7), s);
}

/* ---- OCP E5M2: IEEE-like, overflows to infinity ---- */

static inline uint8_t smx_e5m2_from_double(double x)
{
	return (uint8_t)smx_lowp_narrow_(x, 2, 15, 8, 0x7b, 0x7c, 0x7e, 0);
}

static inline uint8_t smx_e5m2_from_float(float x)
{
	return smx_e5m2_from_double((double)x);
}

static inline float smx_e5m2_to_float(uint8_t h)
{
	const float s = (h & 0x80) ? -1.0f : 1.0f;
	const uint32_t a = h & 0x7fu;
	if (a == 0x7cu)
		return copysignf(INFINITY, s);
	if (a > 0x7cu)
		return copysignf(NAN, s);
	return copysignf((float)smx_lowp_widen_(a, 2, 15), s);
}

/* Largest finite values (the amax scaling targets). */
#define SMX_BF16_MAX 0x1.fep+127 /* 3.3895e38 */
#define SMX_F16_MAX 0x1.ffcp+15	 /* 65504 */
#define SMX_E4M3_MAX 0x1.cp+8	 /* 448 */
#define SMX_E5M2_MAX 0x1.cp+15	 /* 57344 */

#endif
