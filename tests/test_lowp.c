/* The low-precision conversions of impls/lowp.h against MPFR: every 8- and
 * 16-bit pattern round-trips, and narrowing from float and double agrees
 * with an MPFR rounding (precision p, the format's exponent range,
 * subnormalised) on every midpoint, its neighbours, the overflow
 * thresholds and a random sample of all float and double patterns. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>
#include <mpfr.h>

#include "lowp.h"
#include "rows.h"

enum fmt { BF16, F16, E4M3, E5M2 };

struct fmtinfo {
	const char *name;
	int m, b;      /* explicit mantissa bits, exponent bias */
	unsigned npat; /* patterns */
	double max;
	int has_inf;
	int emax; /* largest exponent of a finite value (E4M3 reclaims one binade) */
};

static const struct fmtinfo info[] = {
    [BF16] = {"bf16", 7, 127, 65536, SMX_BF16_MAX, 1, 127},
    [F16] = {"f16", 10, 15, 65536, SMX_F16_MAX, 1, 15},
    [E4M3] = {"e4m3", 3, 7, 256, SMX_E4M3_MAX, 0, 8},
    [E5M2] = {"e5m2", 2, 15, 256, SMX_E5M2_MAX, 1, 15},
};

static double widen(enum fmt f, uint32_t h)
{
	switch (f) {
	case BF16:
		return smx_bf16_to_float((uint16_t)h);
	case F16:
		return smx_f16_to_float((uint16_t)h);
	case E4M3:
		return smx_e4m3_to_float((uint8_t)h);
	default:
		return smx_e5m2_to_float((uint8_t)h);
	}
}

static uint32_t from_double(enum fmt f, double x)
{
	switch (f) {
	case BF16:
		return smx_bf16_from_double(x);
	case F16:
		return smx_f16_from_double(x);
	case E4M3:
		return smx_e4m3_from_double(x);
	default:
		return smx_e5m2_from_double(x);
	}
}

static uint32_t from_float(enum fmt f, float x)
{
	switch (f) {
	case BF16:
		return smx_bf16_from_float(x);
	case F16:
		return smx_f16_from_float(x);
	case E4M3:
		return smx_e4m3_from_float(x);
	default:
		return smx_e5m2_from_float(x);
	}
}

/* The oracle: x rounded to nearest even by MPFR in precision m+1 with the
 * format's exponent range (MPFR's exponents put the significand in
 * [1/2, 1): emax one above the format's, emin = 2 - b - m gives the least subnormal).
 * E4M3 has no infinity and a last binade cut at 448: saturate. */
static double oracle(enum fmt f, double x)
{
	const struct fmtinfo *fi = &info[f];
	if (isnan(x))
		return x;
	const mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
	mpfr_set_emin(2 - fi->b - fi->m);
	mpfr_set_emax(fi->emax + 1);
	mpfr_t t;
	mpfr_init2(t, fi->m + 1);
	int inex = mpfr_set_d(t, x, MPFR_RNDN);
	inex = mpfr_check_range(t, inex, MPFR_RNDN);
	mpfr_subnormalize(t, inex, MPFR_RNDN);
	double r = mpfr_get_d(t, MPFR_RNDN);
	mpfr_clear(t);
	mpfr_set_emin(emin);
	mpfr_set_emax(emax);
	if (!fi->has_inf && fabs(r) > fi->max)
		r = copysign(fi->max, x);
	return r;
}

/* Same value, same sign of zero, NaN for NaN with the same sign. */
static int same(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b) && signbit(a) == signbit(b);
	return a == b && signbit(a) == signbit(b);
}

/* Narrow x both ways (from double; from float when x is a float) and
 * compare with the oracle. */
static void check(enum fmt f, double x)
{
	const double want = oracle(f, x);
	const uint32_t h = from_double(f, x);
	cr_assert(same(widen(f, h), want), "%s_from_double(%a) = %#x (%a), MPFR says %a",
		  info[f].name, x, h, widen(f, h), want);
	const float xf = (float)x;
	if ((double)xf == x || isnan(x)) {
		const uint32_t g = from_float(f, xf);
		cr_assert(same(widen(f, g), want), "%s_from_float(%a) = %#x, MPFR says %a",
			  info[f].name, x, g, want);
	}
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next(void)
{
	return smx_splitmix64(&rng);
}

Test(lowp, every_pattern_round_trips)
{
	for (enum fmt f = BF16; f <= E5M2; f++)
		for (uint32_t h = 0; h < info[f].npat; h++) {
			const double v = widen(f, h);
			const uint32_t back = from_double(f, v), backf = from_float(f, (float)v);
			if (isnan(v)) {
				cr_assert(isnan(widen(f, back)) && isnan(widen(f, backf)),
					  "%s NaN %#x lost", info[f].name, h);
				cr_assert_eq(back >> (f <= F16 ? 15 : 7), h >> (f <= F16 ? 15 : 7),
					     "%s NaN %#x lost its sign", info[f].name, h);
				continue;
			}
			cr_assert_eq(back, h, "%s %#x -> %a -> %#x", info[f].name, h, v, back);
			cr_assert_eq(backf, h, "%s %#x -> %a -> %#x (float)", info[f].name, h, v,
				     backf);
		}
}

Test(lowp, published_encodings)
{
	/* OFP8 rev 1.0, table 2; IEEE 754 binary16; bfloat16. */
	cr_assert_eq(smx_e4m3_to_float(0x7e), 448.0f);
	cr_assert_eq(smx_e4m3_to_float(0x01), 0x1p-9f); /* least subnormal */
	cr_assert_eq(smx_e4m3_to_float(0x08), 0x1p-6f); /* least normal */
	cr_assert(isnan(smx_e4m3_to_float(0x7f)) && isnan(smx_e4m3_to_float(0xff)));
	cr_assert_eq(smx_e4m3_to_float(0x78), 256.0f); /* S.1111.000 is a number */
	cr_assert_eq(smx_e5m2_to_float(0x7b), 57344.0f);
	cr_assert_eq(smx_e5m2_to_float(0x7c), INFINITY);
	cr_assert_eq(smx_e5m2_to_float(0x01), 0x1p-16f);
	cr_assert(isnan(smx_e5m2_to_float(0x7d)) && isnan(smx_e5m2_to_float(0x7f)));
	cr_assert_eq(smx_f16_to_float(0x7bff), 65504.0f);
	cr_assert_eq(smx_f16_to_float(0x0001), 0x1p-24f);
	cr_assert_eq(smx_bf16_to_float(0x3f80), 1.0f);
	cr_assert_eq(smx_bf16_to_float(0x0001), 0x1p-133f);
	/* Saturation and overflow. */
	cr_assert_eq(smx_e4m3_from_double(1e6), 0x7e);
	cr_assert_eq(smx_e4m3_from_double(-INFINITY), 0xfe);
	cr_assert_eq(smx_e4m3_from_double(NAN), 0x7f);
	cr_assert_eq(smx_e5m2_from_double(61440), 0x7c); /* max + half ulp: to inf */
	cr_assert_eq(smx_e5m2_from_double(61439.99), 0x7b);
	cr_assert_eq(smx_f16_from_double(65520), 0x7c00);
	cr_assert_eq(smx_f16_from_double(65519.99), 0x7bff);
	cr_assert_eq(smx_e4m3_from_double(464), 0x7e); /* tie between 448 and 480: even, 448 */
}

/* Every midpoint between neighbours of every format, the midpoint nudged
 * by one double ulp and one float ulp either way, and each pattern's
 * value nudged the same way. */
Test(lowp, midpoints_and_neighbours_match_mpfr, .timeout = 120)
{
	for (enum fmt f = BF16; f <= E5M2; f++)
		for (uint32_t h = 0; h < info[f].npat; h++) {
			const double a = widen(f, h);
			if (!isfinite(a))
				continue;
			double b = widen(f, h + 1 < info[f].npat ? h + 1 : h);
			if (!isfinite(b) || signbit(b) != signbit(a) || fabs(b) < fabs(a))
				/* past the last finite: the overflow threshold's midpoint */
				b = a + (a - widen(f, h - 1));
			const double mid = a + (b - a) / 2;
			const double pts[] = {a,
					      mid,
					      nextafter(mid, 0),
					      nextafter(mid, INFINITY * mid),
					      nextafterf((float)mid, 0),
					      nextafterf((float)mid, INFINITY * (float)mid),
					      nextafter(a, 0),
					      nextafter(a, INFINITY * a)};
			for (size_t k = 0; k < sizeof pts / sizeof *pts; k++) {
				check(f, pts[k]);
				check(f, -pts[k]);
			}
		}
}

Test(lowp, random_floats_and_doubles_match_mpfr, .timeout = 120)
{
	for (int i = 0; i < 2000000; i++) {
		const uint32_t u = (uint32_t)next();
		float xf;
		memcpy(&xf, &u, sizeof xf);
		uint64_t v = next();
		/* Doubles near the formats' ranges: exponents 2^-160 .. 2^140. */
		v = (v & ~(UINT64_C(0x7ff) << 52)) |
		    ((uint64_t)(1023 - 160 + (int)(next() % 301)) << 52);
		double xd;
		memcpy(&xd, &v, sizeof xd);
		for (enum fmt f = BF16; f <= E5M2; f++) {
			check(f, xf);
			check(f, xd);
		}
	}
	const double special[] = {0.0, INFINITY, NAN, 0x1p-1074, DBL_MAX, FLT_MAX, 0x1p-149};
	for (size_t k = 0; k < sizeof special / sizeof *special; k++)
		for (enum fmt f = BF16; f <= E5M2; f++) {
			check(f, special[k]);
			check(f, -special[k]);
		}
}

/* The checks bite: rounding a double through float first (double rounding)
 * and truncating both disagree with the oracle on inputs the tests above
 * cover, while the correct conversion agrees. */
Test(lowp, planted_double_rounding_is_caught)
{
	/* Just above the midpoint between bf16 1 and 1 + 2^-7: through float,
	 * it first rounds to the midpoint, which then ties to even, down. */
	const double x = 1 + 0x1p-8 + 0x1p-40;
	cr_assert(same(widen(BF16, smx_bf16_from_double(x)), oracle(BF16, x)));
	cr_assert(!same(widen(BF16, smx_bf16_from_float((float)x)), oracle(BF16, x)));
	const double y = 1 + 0x1p-11 + 0x1p-40;
	cr_assert(same(widen(F16, smx_f16_from_double(y)), oracle(F16, y)));
	cr_assert(!same(widen(F16, smx_f16_from_float((float)y)), oracle(F16, y)));
	/* Truncation of the bits: wrong above every midpoint. */
	const float z = 1 + 0x1p-8f + 0x1p-20f;
	uint32_t u;
	memcpy(&u, &z, sizeof u);
	cr_assert(!same(widen(BF16, u >> 16), oracle(BF16, z)));
	cr_assert(same(widen(BF16, smx_bf16_from_float(z)), oracle(BF16, z)));
}
