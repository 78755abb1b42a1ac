/* Softmax to fp8 outputs: the entries' output format and scale, the
 * reference of p S rounded once to the output format, metrics in that
 * format's ulps, and planted bugs in the cast that the claim must catch. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dtype.h"
#include "lowp.h"
#include "measure.h"
#include "ref_out.h"
#include "smx.h"
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
