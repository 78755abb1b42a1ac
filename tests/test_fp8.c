/* Softmax to fp8 outputs: the entries' output format and scale, the
 * reference of p S rounded once to the output format, metrics in that
 * format's ulps, and planted bugs in the cast that the claim must catch;
 * the vector kernels (impls/fp8_simd.inc) and their conversion, long rows
 * streamed, and smx perf's bytes. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dtype.h"
#include "fp8_simd.h"
#include "lowp.h"
#include "measure.h"
#include "ref_out.h"
#include "smx.h"
#include "stream.h"
#include "testutil.h"
#include "verdict.h"

static const struct smx_impl *entry(smx_dtype dt, const char *name)
{
	const struct smx_impl *im = smx_registry_find(SMX_OP_SOFTMAX, dt, name);
	cr_assert(im, "%s %s is not registered", smx_dtype_name(dt), name);
	return im;
}

static float row_max(const float *x, size_t n)
{
	float m = -INFINITY;
	for (size_t i = 0; i < n; i++)
		m = x[i] > m ? x[i] : m;
	return m;
}

/* Planted bug: q = 448 exp(x - max) cast toward zero (truncation) instead
 * of to nearest-even: up to one ulp of e4m3 off, twice the claim. */
static void amax_trunc(const float *x, uint8_t *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		const float m = row_max(x, n);
		for (size_t i = 0; i < n; i++) {
			const float v = (float)SMX_E4M3_MAX * expf(x[i] - m);
			uint8_t b = smx_e4m3_from_float(v);
			if (smx_e4m3_to_float(b) > v)
				b--; /* the neighbour toward zero (v >= 0) */
			y[i] = b;
		}
	}
}

/* Planted bug: E4M3 read as an IEEE-style format whose top exponent 1111
 * means inf/NaN, so the binade [256, 448] (the row's maximum at 448)
 * becomes NaN instead of a number. */
static void amax_ieee_top(const float *x, uint8_t *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		const float m = row_max(x, n);
		for (size_t i = 0; i < n; i++) {
			const uint8_t b = smx_e4m3_from_float((float)SMX_E4M3_MAX * expf(x[i] - m));
			y[i] = (b & 0x78) == 0x78 ? 0x7f : b;
		}
	}
}

static void measure(const struct smx_impl *im, const char *dist, size_t n, struct smx_metrics *m)
{
	struct smx_dist d;
	cr_assert_eq(smx_dist_parse(dist, &d), 0);
	struct smx_case c;
	smx_case_generate(&c, SMX_OP_SOFTMAX, im->dtype, &d, 11, 16, n);
	smx_metrics_init(m);
	smx_measure(im, &c, m, NULL);
	smx_case_free(&c);
}

/* The registered kernels hold their claims; the planted casts break them:
 * truncation by the claim (at most one ulp of e4m3: the metric is in the
 * output format's ulps, not f32's), the NaN top binade as a NaN row. */
Test(fp8, planted_cast_bugs_break_the_claim)
{
	const struct smx_impl *good = entry(SMX_F32, "shifted.e4m3.amax/scalar");
	char why[200];
	struct smx_metrics m;
	static const char *const dists[] = {"normal:3", "uniform:-10,10", "lm"};
	for (size_t k = 0; k < 3; k++) {
		measure(good, dists[k], 100, &m);
		cr_expect(!smx_verdict_metrics(good, &m, why, sizeof why), "%s: %s", dists[k], why);
		cr_expect(m.max_ulp <= 0.5 + 0x1p-10, "%s: correct cast %g ulp", dists[k],
			  m.max_ulp);
	}
	struct smx_impl trunc = *good, top = *good;
	trunc.fn.f32 = (smx_fn_f32)(void (*)(void))amax_trunc;
	top.fn.f32 = (smx_fn_f32)(void (*)(void))amax_ieee_top;
	measure(&trunc, "normal:3", 100, &m);
	cr_expect(smx_verdict_metrics(&trunc, &m, why, sizeof why), "truncation passes");
	cr_expect(m.decl_ratio > 1.5 && m.wrong_rows > 0, "truncation: decl_ratio %g",
		  m.decl_ratio);
	cr_expect(m.max_ulp > 0.9 && m.max_ulp <= 1, "truncation: %g e4m3 ulps", m.max_ulp);
	measure(&top, "normal:3", 100, &m);
	cr_expect(smx_verdict_metrics(&top, &m, why, sizeof why), "the NaN binade passes");
	cr_expect_eq(m.nan_rows, 16, "every row has its maximum at 448: %zu NaN rows", m.nan_rows);
}

/* One row as FlyDSL #1020 saw it: a maximum and 644 entries 7 below it.
 * Without a scale, each p_i is within half an ulp of e4m3 (the claim
 * holds), but the 644 small ones (5.75e-4, below half the least subnormal
 * 2^-9) round to 0 and the row sums to fl(0.630) = 0.625. With amax
 * scaling they are 0.41 and survive: y / S sums to 1 within 0.3%. */
Test(fp8, unscaled_row_sum_drift_is_reported)
{
	enum { N = 645 };
	struct smx_rows x;
	smx_rows_alloc(&x, SMX_F32, 1, N);
	x.x[0] = 0;
	for (size_t i = 1; i < N; i++)
		x.x[i] = -7;
	struct smx_case c;
	smx_case_adopt(&c, SMX_OP_SOFTMAX, &x);
	const double eps = 0x1p-3; /* 2^(1 - p) of e4m3: sum_err's unit */
	struct smx_metrics m;
	char why[200];
	const struct smx_impl *s1 = entry(SMX_F32, "shifted.e4m3.s1/scalar");
	smx_metrics_init(&m);
	smx_measure(s1, &c, &m, NULL);
	cr_expect(!(m.decl_ratio > 1) && m.wrong_rows == 0, "S = 1: the claim breaks: %g",
		  m.decl_ratio);
	cr_expect(fabs(m.sum_err * eps - 0.375) < 1e-12, "S = 1: |sum - 1| = %g, not 0.375",
		  m.sum_err * eps);
	const struct smx_impl *amax = entry(SMX_F32, "shifted.e4m3.amax/scalar");
	smx_metrics_init(&m);
	smx_measure(amax, &c, &m, NULL);
	cr_expect(!smx_verdict_metrics(amax, &m, why, sizeof why), "amax: %s", why);
	cr_expect(m.sum_err * eps < 0.003, "amax: |sum(y / S) - 1| = %g", m.sum_err * eps);
	smx_case_free(&c);
}

/* A uniform row of 2048 has p = 2^-11, below half e4m3's least subnormal:
 * without a scale every output is 0, a zero row the verdict names; amax
 * writes 448 everywhere. */
Test(fp8, unscaled_uniform_row_loses_its_mass)
{
	enum { N = 2048 };
	struct smx_rows x;
	smx_rows_alloc(&x, SMX_BF16, 1, N);
	memset(x.x, 0, N * sizeof *x.x);
	struct smx_case c;
	smx_case_adopt(&c, SMX_OP_SOFTMAX, &x);
	struct smx_metrics m;
	char why[200];
	const struct smx_impl *s1 = entry(SMX_BF16, "shifted.e4m3.s1/scalar");
	smx_metrics_init(&m);
	smx_measure(s1, &c, &m, NULL);
	cr_expect_eq(m.zero_rows, 1, "S = 1: the row is not reported as zero");
	cr_expect(smx_verdict_metrics(s1, &m, why, sizeof why), "S = 1: a zero row passes");
	const struct smx_impl *amax = entry(SMX_BF16, "shifted.e4m3.amax/scalar");
	smx_metrics_init(&m);
	smx_measure(amax, &c, &m, NULL);
	cr_expect(!smx_verdict_metrics(amax, &m, why, sizeof why), "amax: %s", why);
	cr_expect_eq(m.max_ulp, 0, "amax: 448 everywhere is exact");
	smx_case_free(&c);
}

/* The reference against an independent evaluation in long double, where
 * that decides the rounding (the value not within 1e-12 of a rounding
 * boundary): amax's 448 e^(x - max), and a fixed S times the softmax. A
 * reference that forgot max_finite, or the scale, differs. */
Test(fp8, reference_of_scaled_outputs)
{
	enum { N = 50, R = 8 };
	struct smx_dist d;
	cr_assert_eq(smx_dist_parse("normal:3", &d), 0);
	double *x = malloc(R * N * sizeof *x);
	struct smx_refval *ref = malloc(R * N * sizeof *ref);
	int st[R];
	cr_assert(x && ref);
	smx_dist_fill(&d, SMX_F32, 5, R, N, x);
	const smx_dtype fmts[] = {SMX_E4M3, SMX_E5M2};
	size_t checked = 0;
	for (int f = 0; f < 2; f++)
		for (int s = 0; s < 2; s++) {
			const struct smx_dtype_info *di = smx_dtype_info(fmts[f]);
			const double scale = s ? 40 : SMX_SCALE_AMAX;
			smx_ref_out_rows(fmts[f], scale, x, R, N, ref, st);
			for (size_t r = 0; r < R; r++) {
				cr_assert_eq(st[r], SMX_REF_OK);
				const double *xr = x + r * N;
				long double m = -INFINITY, sum = 0;
				for (size_t i = 0; i < N; i++)
					m = xr[i] > m ? xr[i] : m;
				for (size_t i = 0; i < N; i++)
					sum += expl(xr[i] - m);
				for (size_t i = 0; i < N; i++) {
					long double e = expl(xr[i] - m);
					long double v = s ? scale * e / sum : di->max_finite * e;
					double lo = di->round((double)(v * (1 - 1e-12L)));
					double hi = di->round((double)(v * (1 + 1e-12L)));
					if (lo != hi)
						continue;
					checked++;
					cr_expect_eq(ref[r * N + i].cr, lo,
						     "%s %s row %zu entry %zu: %a, not %a",
						     di->name, s ? "S = 40" : "amax", r, i,
						     ref[r * N + i].cr, lo);
				}
			}
		}
	cr_expect(checked > 4 * R * N - 8, "only %zu values decided", checked);
	free(x);
	free(ref);
}

/* The registry: fp8 outputs of f32 and bf16 inputs, their format and
 * scale, and the recipe column that says them. */
Test(fp8, entries_declare_their_output)
{
	static const char *const names[] = {"shifted.e4m3.amax/scalar", "shifted.e4m3.s1/scalar",
					    "shifted.e5m2.amax/scalar", "shifted.e5m2.s1/scalar"};
	static const smx_dtype ins[] = {SMX_F32, SMX_BF16};
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 4; k++) {
			const struct smx_impl *im = entry(ins[i], names[k]);
			const smx_dtype out = k < 2 ? SMX_E4M3 : SMX_E5M2;
			const int amax = k % 2 == 0;
			cr_expect_eq(smx_impl_out(im), out, "%s", names[k]);
			cr_expect_eq(im->out_scale, amax ? SMX_SCALE_AMAX : 0, "%s", names[k]);
			char want[32], got[32];
			snprintf(want, sizeof want, "%s>f32>%s%s", smx_dtype_name(ins[i]),
				 smx_dtype_name(out), amax ? "*S" : "");
			smx_impl_recipe(im, got, sizeof got);
			cr_expect_str_eq(got, want);
		}
	/* Unset: the input dtype, as every entry before fp8 outputs. */
	const struct smx_impl *f64 = entry(SMX_F64, "shifted/scalar");
	cr_expect_eq(smx_impl_out(f64), SMX_F64);
	char got[32];
	smx_impl_recipe(f64, got, sizeof got);
	cr_expect_str_eq(got, "f64>f64>f64");
}

/* A plug-in declares an fp8 output through ABI 2's appended fields
 * (tests/plugins/abi2_fp8.c): list shows it, accuracy measures it in e4m3
 * ulps within its claim, an entry of the size before those fields still
 * loads, and an output format on another op than softmax is refused. */
Test(fp8, plugin_declares_an_output_format, .timeout = 120)
{
	char out[1 << 16], err[4096];
	int rc = smx_test_smx(NULL, NULL, "--plugin " SMX_PLUGINS "/abi2_fp8.so list", out,
			      sizeof out, err, sizeof err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_expect(strstr(out, "amax/e4m3") && strstr(out, "f32>f32>e4m3*S"), "%s", out);
	cr_expect(strstr(out, "older/v2"), "the older size did not load: %s", out);
	rc = smx_test_smx(NULL, NULL,
			  "--plugin " SMX_PLUGINS "/abi2_fp8.so accuracy --op softmax --dtype f32 "
			  "--impl amax/e4m3 --n 7,100 --dist normal:3",
			  out, sizeof out, err, sizeof err);
	cr_expect_eq(rc, 0, "%s", err);
	rc = smx_test_smx(NULL, NULL, "--plugin " SMX_PLUGINS "/abi2_fp8_bad.so list", out,
			  sizeof out, err, sizeof err);
	cr_expect_eq(rc, 2);
	cr_expect(strstr(err, "needs op softmax"), "%s", err);
}

/* ---- The vector kernels (impls/fp8_simd.inc) ---- */

typedef void (*cvt_fn)(const float *x, uint8_t *y, size_t n, int e5m2);

static uint8_t fp8_of(float v, int e5m2)
{
	return e5m2 ? smx_e5m2_from_float(v) : smx_e4m3_from_float(v);
}

static float fp8_val(uint8_t b, int e5m2)
{
	return e5m2 ? smx_e5m2_to_float(b) : smx_e4m3_to_float(b);
}

static float f32_of(uint32_t u)
{
	float v;
	memcpy(&v, &u, sizeof v);
	return v;
}

static uint32_t bits_of(float v)
{
	uint32_t u;
	memcpy(&u, &v, sizeof u);
	return u;
}

/* Planted conversion bugs, each a classic of vector code. */
static void cvt_truncates(const float *x, uint8_t *y, size_t n, int e5m2)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = fp8_of(x[i], e5m2);
		if (isfinite(x[i]) && fabsf(fp8_val(b, e5m2)) > fabsf(x[i]))
			b--; /* the neighbour toward zero */
		y[i] = b;
	}
}

/* E4M3 without satfinite: beyond 448 the pattern runs into 0x7f, NaN. */
static void cvt_no_satfinite(const float *x, uint8_t *y, size_t n, int e5m2)
{
	for (size_t i = 0; i < n; i++) {
		y[i] = fp8_of(x[i], e5m2);
		if (!e5m2 && fabsf(x[i]) >= 464)
			y[i] |= 0x7f;
	}
}

/* Ties away from zero (half added without the kept lowest bit). */
static void cvt_ties_away(const float *x, uint8_t *y, size_t n, int e5m2)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = fp8_of(x[i], e5m2);
		const uint8_t up = (uint8_t)(b + 1);
		const float a = fabsf(x[i]), lo = fabsf(fp8_val(b, e5m2));
		if (isfinite(a) && (b & 0x7f) < (e5m2 ? 0x7b : 0x7e) &&
		    a - lo == fabsf(fp8_val(up, e5m2)) - a && lo < a)
			b = up;
		y[i] = b;
	}
}

/* fp8 subnormals flushed to zero (a DAZ/FTZ habit). */
static void cvt_flushes(const float *x, uint8_t *y, size_t n, int e5m2)
{
	for (size_t i = 0; i < n; i++) {
		y[i] = fp8_of(x[i], e5m2);
		if ((y[i] & (e5m2 ? 0x7c : 0x78)) == 0)
			y[i] &= 0x80;
	}
}

/* Values of x converted by fn that differ from the scalar conversion; the
 * first one in *first. */
static size_t cvt_check(cvt_fn fn, const float *x, uint8_t *y, size_t n, int e5m2, float *first)
{
	size_t bad = 0;
	fn(x, y, n, e5m2);
	for (size_t i = 0; i < n; i++)
		if (y[i] != fp8_of(x[i], e5m2) && bad++ == 0)
			*first = x[i];
	return bad;
}

/* The f32 values where a conversion goes wrong, for format e5m2:
 *  - every high half (sign, exponent, 7 mantissa bits) with low halves that
 *    set the round bit's neighbours and the sticky bits: all exponents,
 *    +-0, subnormal f32, inf, NaN payloads;
 *  - 9 f32 on either side of every fp8 value and of every midpoint between
 *    neighbours, the saturation and overflow thresholds (448 + 16, 57344 +
 *    2048) included;
 *  - every f32 of the binades around the edges: half the least subnormal,
 *    the last subnormal binade (which rounds up into the least normal), and
 *    the largest binade (448 and 464; 57344 and 61440).
 * Returns the mismatches of fn over all of them. */
static size_t cvt_sweep(cvt_fn fn, int e5m2, float *first)
{
	enum { CH = 1 << 16 };
	float *x = malloc(CH * sizeof *x);
	uint8_t *y = malloc(CH);
	cr_assert(x && y);
	size_t bad = 0, k = 0;
	float f = 0;
#define PUSH(v)                                                                                    \
	do {                                                                                       \
		x[k++] = (v);                                                                      \
		if (k == CH) {                                                                     \
			bad += cvt_check(fn, x, y, k, e5m2, bad ? &f : first);                     \
			k = 0;                                                                     \
		}                                                                                  \
	} while (0)
	static const uint32_t lows[] = {0,	0x1,	0x2,	0x5555, 0x7fff,
					0x8000, 0x8001, 0xaaaa, 0xfffe, 0xffff};
	for (uint32_t h = 0; h < 0x10000; h++)
		for (size_t l = 0; l < sizeof lows / sizeof *lows; l++)
			PUSH(f32_of(h << 16 | lows[l]));
	const uint8_t top = e5m2 ? 0x7b : 0x7e;
	for (uint32_t b = 0; b <= top; b++) {
		const float v = fp8_val((uint8_t)b, e5m2);
		/* the next value up, one ulp past the largest for the edge */
		const float w = b < top ? fp8_val((uint8_t)(b + 1), e5m2)
					: 2 * v - fp8_val((uint8_t)(b - 1), e5m2);
		const float mid = (v + w) / 2; /* exact in f32 */
		for (int s = -9; s <= 9; s++)
			for (int sg = 0; sg < 2; sg++) {
				const uint32_t sgn = (uint32_t)sg << 31;
				if (v != 0 || s >= 0)
					PUSH(f32_of((bits_of(v) + (uint32_t)s) | sgn));
				PUSH(f32_of((bits_of(mid) + (uint32_t)s) | sgn));
			}
	}
	const int lo_sub = e5m2 ? -18 : -11, lnorm = e5m2 ? -14 : -6, big = e5m2 ? 15 : 8;
	const int bins[] = {lo_sub, lo_sub + 1, lnorm - 1, big};
	for (size_t b = 0; b < sizeof bins / sizeof *bins; b++)
		for (uint32_t u = bits_of(ldexpf(1, bins[b])); u < bits_of(ldexpf(1, bins[b] + 1));
		     u++)
			PUSH(f32_of(u));
#undef PUSH
	bad += cvt_check(fn, x, y, k, e5m2, bad ? &f : first);
	free(x);
	free(y);
	return bad;
}

/* The vector conversion against the scalar one (impls/lowp.h, itself
 * checked against MPFR by test_lowp.c) on every value of cvt_sweep, and
 * the sweep catches each planted bug: truncation, E4M3 without satfinite,
 * ties away from zero, fp8 subnormals flushed. */
Test(fp8, vector_conversion_is_the_scalar_one, .timeout = 120)
{
	struct {
		const char *name;
		cvt_fn fn;
		unsigned cpu;
	} const good[] = {{"avx2", smx_fp8_from_f32__avx2, SMX_CPU_AVX2},
			  {"avx512", smx_fp8_from_f32__avx512, SMX_CPU_AVX512}};
	for (size_t g = 0; g < sizeof good / sizeof *good; g++) {
		if ((smx_cpu_features() & good[g].cpu) != good[g].cpu)
			continue;
		for (int e5m2 = 0; e5m2 < 2; e5m2++) {
			float first = 0;
			const size_t bad = cvt_sweep(good[g].fn, e5m2, &first);
			cr_expect_eq(bad, 0, "%s %s: %zu values differ, first %a", good[g].name,
				     e5m2 ? "e5m2" : "e4m3", bad, first);
		}
	}
	float first;
	cr_expect(cvt_sweep(cvt_truncates, 0, &first) > 0, "truncation passes (e4m3)");
	cr_expect(cvt_sweep(cvt_truncates, 1, &first) > 0, "truncation passes (e5m2)");
	cr_expect(cvt_sweep(cvt_no_satfinite, 0, &first) > 0, "no satfinite passes");
	cr_expect(cvt_sweep(cvt_ties_away, 0, &first) > 0, "ties away passes (e4m3)");
	cr_expect(cvt_sweep(cvt_ties_away, 1, &first) > 0, "ties away passes (e5m2)");
	cr_expect(cvt_sweep(cvt_flushes, 0, &first) > 0, "flushing passes (e4m3)");
	cr_expect(cvt_sweep(cvt_flushes, 1, &first) > 0, "flushing passes (e5m2)");
}

typedef void (*fp8_kernel)(const void *x, uint8_t *y, size_t rows, size_t n);

static fp8_kernel kernel_of(const struct smx_impl *im)
{
	return (fp8_kernel)(void (*)(void))im->fn.f32;
}

/* Planted: the kernel run on whole vectors only, the tail never written. */
static void s1_no_tail(const void *x, uint8_t *y, size_t rows, size_t n)
{
	const struct smx_impl *im = entry(SMX_F32, "shifted.e4m3.s1/avx512");
	for (size_t r = 0; r < rows; r++)
		kernel_of(im)((const float *)x + r * n, y + r * n, 1, n / 16 * 16);
}

/* Rows of every tail length around 16 lanes (and multiples of 4 vectors:
 * the unrolled loops), of the scratch limit, random and with edges. */
static const size_t tail_ns[] = {1,  2,	 3,  15, 16,  17,  31,	 32,   33,    47,    63,   64,
				 65, 79, 80, 81, 127, 129, 1000, 4103, 16383, 16384, 16385};
#define NTAIL (sizeof tail_ns / sizeof *tail_ns)

static void fill_row(float *x, size_t n, int kind, uint64_t *rng)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(20 * smx_uniform01(rng) - 10);
	switch (kind) {
	case 1: /* masked entries */
		for (size_t i = 0; i < n; i += 3)
			x[i] = -INFINITY;
		break;
	case 2: /* one huge entry: the others' exps vanish */
		x[n / 2] = FLT_MAX;
		break;
	case 3: /* deep tails: outputs in every fp8 subnormal */
		for (size_t i = 0; i < n; i++)
			x[i] = (float)(-14 * smx_uniform01(rng));
		break;
	}
}

/* Mismatches of kern against the f32 shifted vector kernel's output
 * rounded once (s1), over rows of every length in tail_ns, x one element
 * and y one byte past an aligned address, with guard bytes around y that
 * must stay untouched. */
static size_t s1_mismatches(fp8_kernel kern, const struct smx_impl *f32k, int e5m2)
{
	uint64_t rng = 42;
	size_t bad = 0;
	for (size_t t = 0; t < NTAIL; t++)
		for (int kind = 0; kind < 4; kind++) {
			const size_t n = tail_ns[t];
			float *xs = malloc((n + 1) * sizeof *xs), *p = malloc(n * sizeof *p);
			uint8_t *ys = malloc(n + 2 + 64);
			cr_assert(xs && p && ys);
			float *x = xs + 1;
			fill_row(x, n, kind, &rng);
			memset(ys, 0xa5, n + 2 + 64);
			kern(x, ys + 1, 1, n);
			f32k->fn.f32(x, p, 1, n);
			for (size_t i = 0; i < n; i++)
				bad += ys[1 + i] != fp8_of(p[i], e5m2);
			bad += ys[0] != 0xa5;
			for (size_t i = n + 1; i < n + 2 + 64; i++)
				bad += ys[i] != 0xa5;
			free(xs);
			free(p);
			free(ys);
		}
	return bad;
}

/* s1 is the f32 shifted kernel of its ISA rounded once, bit for bit, at
 * every tail and unaligned; a kernel that leaves the tail unwritten is
 * caught. */
Test(fp8, vector_s1_is_the_f32_kernel_rounded_once, .timeout = 120)
{
	static const char *const isas[] = {"avx2", "avx512"};
	for (int k = 0; k < 2; k++) {
		char name[64];
		snprintf(name, sizeof name, "shifted/%s", isas[k]);
		const struct smx_impl *f32k = entry(SMX_F32, name);
		if (!smx_impl_runnable(f32k))
			continue;
		for (int e5m2 = 0; e5m2 < 2; e5m2++) {
			snprintf(name, sizeof name, "shifted.%s.s1/%s", e5m2 ? "e5m2" : "e4m3",
				 isas[k]);
			const struct smx_impl *im = entry(SMX_F32, name);
			cr_expect_eq(s1_mismatches(kernel_of(im), f32k, e5m2), 0, "%s", name);
		}
	}
	if (smx_cpu_features() & SMX_CPU_AVX512)
		cr_expect_gt(s1_mismatches(s1_no_tail, entry(SMX_F32, "shifted/avx512"), 0), 0,
			     "an unwritten tail passes");
}

/* The vector kernels give the scalar entry's output on edge rows, output
 * for output: an all -inf row NaN, +inf entries NaN (amax: the rest 0; the
 * NaN's sign kept), NaN entries NaN, a huge maximum fmax (or 1) and zeros,
 * -inf entries 0. Bug caught: amax's maximum started at -FLT_MAX as the
 * f32 kernel's, so that an all -inf row gives zeros, not NaN. */
Test(fp8, vector_edges_are_the_scalar_entry_s)
{
	enum { N = 37 };
	static const char *const vec[] = {"shifted.e4m3.amax/avx512", "shifted.e5m2.amax/avx512",
					  "shifted.e4m3.s1/avx512",   "shifted.e5m2.s1/avx512",
					  "shifted.e4m3.amax/avx2",   "shifted.e5m2.amax/avx2",
					  "shifted.e4m3.s1/avx2",     "shifted.e5m2.s1/avx2"};
	static const char *const sca[] = {"shifted.e4m3.amax/scalar", "shifted.e5m2.amax/scalar",
					  "shifted.e4m3.s1/scalar", "shifted.e5m2.s1/scalar"};
	for (int row = 0; row < 6; row++) {
		float x[N];
		for (size_t i = 0; i < N; i++) {
			switch (row) {
			case 0:
				x[i] = -INFINITY;
				break;
			case 1:
				x[i] = i % 7 == 3 ? INFINITY : 0;
				break;
			case 2:
				x[i] = i == 20 ? NAN : 0;
				break;
			case 3:
				x[i] = i == 33 ? FLT_MAX : -FLT_MAX;
				break;
			case 4:
				x[i] = i % 2 ? -INFINITY : 1;
				break;
			default:
				x[i] = -FLT_MAX;
			}
		}
		for (int k = 0; k < 8; k++) {
			uint8_t a[N], b[N];
			if (!smx_impl_runnable(entry(SMX_F32, vec[k])))
				continue;
			kernel_of(entry(SMX_F32, vec[k]))(x, a, 1, N);
			kernel_of(entry(SMX_F32, sca[k % 4]))(x, b, 1, N);
			cr_expect(!memcmp(a, b, N), "%s, edge row %d: not the scalar entry's",
				  vec[k], row);
		}
	}
}

/* Long rows of fp8 entries measured span by span (harness/stream.c) give
 * the metrics of the whole row, bit for bit: the spans' outputs read in
 * the output format, their reference rounded to it, amax's scale in place
 * of 1/sum, the row's sum judged as sum(y)/S. Bugs caught: the output read
 * as the input dtype, the reference of p rather than p S (or rounded to
 * the input dtype), the scaled sum judged as a sum of probabilities. */
Test(fp8, long_rows_stream_as_measured_whole, .timeout = 600)
{
	static const char *const names[] = {"shifted.e4m3.amax/scalar", "shifted.e5m2.s1/scalar",
					    "shifted.e5m2.amax/avx512", "shifted.e4m3.s1/avx512"};
	const size_t n = SMX_STREAM_MIN + 4099, rows = 2;
	static const smx_dtype dts[] = {SMX_F32, SMX_BF16};
	for (int t = 0; t < 2; t++) {
		struct smx_dist d;
		smx_dist_parse("normal:3", &d);
		struct smx_stream s;
		cr_assert_eq(smx_stream_generate(&s, SMX_OP_SOFTMAX, dts[t], &d, 7, rows, n), 0);
		struct smx_case c;
		smx_case_generate(&c, SMX_OP_SOFTMAX, dts[t], &d, 7, rows, n);
		for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
			const struct smx_impl *im = entry(dts[t], names[k]);
			if (!smx_impl_runnable(im))
				continue;
			struct smx_metrics a, b;
			smx_metrics_init(&a);
			smx_metrics_init(&b);
			cr_assert_eq(smx_stream_measure(im, &s, &a), 0, "%s: not streamed",
				     names[k]);
			smx_measure(im, &c, &b, NULL);
			cr_expect(
			    !memcmp(&a, &b, sizeof a),
			    "%s %s: the streamed metrics differ (max_ulp %a vs %a, sum_err %a "
			    "vs %a)",
			    smx_dtype_name(dts[t]), names[k], a.max_ulp, b.max_ulp, a.sum_err,
			    b.sum_err);
			cr_expect(a.comps == rows * n && !(a.decl_ratio > 1), "%s", names[k]);
		}
		smx_case_free(&c);
		smx_stream_free(&s);
	}
}

/* Bytes per element of an entry in smx perf's CSV (bytes_per_second over
 * items_per_second), -1 when the entry has no row. */
static double perf_bytes_per_item(const char *csv, const char *impl)
{
	const char *line = strstr(csv, impl);
	if (!line)
		return -1;
	/* items_per_second and bytes_per_second are the 23rd and 24th fields */
	const char *p = line;
	for (int f = 0; f < 22 && p; f++)
		p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
	if (!p)
		return -1;
	char *end;
	const double items = strtod(p, &end), bytes = strtod(end + 1, NULL);
	return bytes / items;
}

/* smx perf counts an entry's output at its own format's size: f32 in and
 * f32 out move 8 bytes an element, f32 in and e4m3 out 5, bf16 in and
 * e5m2 out 3 (bug caught: every entry of a cell counted at the input's
 * size, 8 and 4). */
Test(fp8, perf_counts_the_output_format_s_bytes, .timeout = 120)
{
	static char out[1 << 16], err[4096];
	static const char *const runs[] = {
	    "f32 --impl shifted/scalar,shifted.e4m3.amax/scalar",
	    "bf16 --impl shifted.acc32/scalar,shifted.e5m2.s1/scalar"};
	static const char *const rows[] = {
	    "shifted/scalar,softmax,f32", "shifted.e4m3.amax/scalar,softmax,f32",
	    "shifted.acc32/scalar,softmax,bf16", "shifted.e5m2.s1/scalar,softmax,bf16"};
	static const double want[] = {8, 5, 4, 3};
	for (int r = 0; r < 2; r++) {
		char args[512];
		snprintf(args, sizeof args,
			 "--quiet perf --op softmax --n 64 --rows 4 --format csv --min-time 0.1 "
			 "--repetitions 3 --dtype %s",
			 runs[r]);
		cr_assert_eq(smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err), 0,
			     "%s", err);
		for (int k = 2 * r; k < 2 * r + 2; k++) {
			const double b = perf_bytes_per_item(out, rows[k]);
			cr_expect(fabs(b - want[k]) < 1e-9, "%s: %g bytes an element, not %g",
				  rows[k], b, want[k]);
		}
	}
}

/* A row of 16M values (where the f32 kernels switch to non-temporal
 * stores, which these kernels do not), written from an odd address: each
 * output is the one the kernel gives on a short row holding the same
 * maximum and that value, and nothing is written outside the row. Bug
 * caught: a long-row path starting at the wrong index or storing past the
 * end. */
Test(fp8, vector_long_row_is_its_short_rows, .timeout = 300)
{
	enum { C = 4096 };
	const size_t n = ((size_t)16 << 20) + 5;
	float *x = malloc(n * sizeof *x), xs[C + 1];
	uint8_t *ys = malloc(n + 3 + 64), q[C + 1];
	cr_assert(x && ys);
	uint64_t rng = 9;
	fill_row(x, n, 3, &rng); /* outputs across e4m3's range */
	x[n / 3] = 1;		 /* the maximum */
	static const char *const names[] = {"shifted.e4m3.amax/avx2", "shifted.e4m3.amax/avx512"};
	for (int k = 0; k < 2; k++) {
		const struct smx_impl *im = entry(SMX_F32, names[k]);
		if (!smx_impl_runnable(im))
			continue;
		memset(ys, 0xa5, n + 3 + 64);
		kernel_of(im)(x, ys + 3, 1, n);
		size_t bad = 0;
		xs[0] = 1;
		for (size_t a = 0; a < n; a += C) {
			const size_t len = a + C < n ? C : n - a;
			memcpy(xs + 1, x + a, len * sizeof *x);
			kernel_of(im)(xs, q, 1, len + 1);
			bad += memcmp(q + 1, ys + 3 + a, len) != 0;
		}
		for (size_t i = 0; i < 3; i++)
			bad += ys[i] != 0xa5;
		for (size_t i = n + 3; i < n + 3 + 64; i++)
			bad += ys[i] != 0xa5;
		cr_expect_eq(bad, 0, "%s: %zu chunks or guard bytes differ", names[k], bad);
	}
	free(x);
	free(ys);
}
