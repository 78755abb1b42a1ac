/* Published low-precision results reproduced (harness/lowp_published.h),
 * each with a variant that must not reproduce them, so the checks can
 * fail. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "lowp.h"
#include "lowp_published.h"
#include "lowp_scalar.h"
#include "rows.h"
#include "smx.h"

Test(published, mnist_fp16_lse_overflow_counts)
{
	struct smx_mnist_fp16 r;
	char err[256];
	cr_assert_eq(
	    smx_published_mnist_fp16(SMX_TESTDATA "/mnist-presoftmax.txt", &r, err, sizeof err), 0,
	    "%s", err);
	/* Blanchard, Higham & Higham, IMA J. Numer. Anal. 41 (2021). */
	cr_assert_eq(r.rows, 2500);
	cr_assert_eq(r.naive_inf, 475, "unshifted fp16 lse overflowed on %zu rows", r.naive_inf);
	cr_assert_eq(r.naive_single_exp, 471, "%zu rows with one exp > 65504", r.naive_single_exp);
	cr_assert_eq(r.shifted_inf, 0, "shifted fp16 lse overflowed on %zu rows", r.shifted_inf);
	cr_assert(r.shifted_max_ratio <= 1, "shifted lse error %g is %g of its bound",
		  r.shifted_max_err, r.shifted_max_ratio);
	cr_assert(r.shifted_max_err > 0, "no error measured at all");
}

/* The counts depend on the recipe: with f32 accumulation (naive.acc32) no
 * row overflows, so a kernel that quietly summed in f32 fails the count. */
Test(published, mnist_counts_need_fp16_accumulation)
{
	uint16_t x[2] = {smx_f16_from_double(11.5), smx_f16_from_double(0)}, y16, y32;
	smx_lse_f16_naive_acc16__scalar(x, &y16, 1, 2);
	smx_lse_f16_naive_acc32__scalar(x, &y32, 1, 2);
	cr_assert_eq(smx_f16_to_float(y16), INFINITY);
	cr_assert(isfinite(smx_f16_to_float(y32)));
	struct smx_mnist_fp16 r;
	char err[256];
	cr_assert_eq(smx_published_mnist_fp16("/nonexistent/mnist.txt", &r, err, sizeof err), -1);
}

Test(published, bf16_sum_sticks_at_256)
{
	const struct smx_uniform_bf16 u = smx_published_uniform_bf16(512);
	cr_assert_eq(u.acc16, 1.0 / 256, "bf16 accumulation gave %a", u.acc16);
	cr_assert_eq(u.acc32, 1.0 / 512, "f32 accumulation gave %a", u.acc32);
	/* Below the sticking point both are right. */
	const struct smx_uniform_bf16 v = smx_published_uniform_bf16(128);
	cr_assert_eq(v.acc16, 1.0 / 128);
}

static uint64_t rng = 0x853c49e6748fea9bu;
static double unif(void)
{
	return smx_uniform01(&rng);
}

Test(published, benchdnn_upcast_rule)
{
	/* up to the stack buffer's 16384 values and past it; from 2^19 the
	 * vector kernels gather their exps from a table */
	const size_t sizes[] = {1,  2,	7,  8,	9,    15,    16,    17,
				33, 63, 64, 65, 1000, 16384, 20000, ((size_t)1 << 19) + 17};
	const size_t rows = 2;
	for (size_t p = 0; p < smx_lowp_pair_count(); p++) {
		const struct smx_lowp_pair *pr = smx_lowp_pair_get(p);
		if ((smx_cpu_features() & pr->cpu) != pr->cpu)
			continue;
		for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
			const size_t n = sizes[s];
			uint16_t *x = malloc(rows * n * sizeof *x);
			cr_assert(x);
			for (size_t i = 0; i < rows * n; i++) {
				/* every other row reaches below 2^-126: subnormal f32
				 * outputs that must round, not flush */
				const double v =
				    (i / n) % 2 ? 120 * unif() - 110 : 30 * unif() - 20;
				x[i] =
				    pr->is_bf16 ? smx_bf16_from_double(v) : smx_f16_from_double(v);
			}
			const size_t bad = smx_lowp_upcast_mismatches(pr, x, rows, n);
			cr_assert_eq(bad, 0,
				     "%s %s %s: %zu of %zu outputs differ from %s rounded once",
				     pr->op, pr->dtype, pr->name, bad,
				     pr->per_row ? rows : rows * n, pr->f32name);
			free(x);
		}
	}
}

/* A bf16 kernel that rounds its exps to bf16 before the sum is a different
 * recipe: the rule must see it. */
static void exps_in_bf16(const uint16_t *x, uint16_t *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		float m = -INFINITY, sum = 0;
		for (size_t i = 0; i < n; i++)
			m = fmaxf(m, smx_bf16_to_float(x[i]));
		for (size_t i = 0; i < n; i++) {
			y[i] = smx_bf16_from_float(expf(smx_bf16_to_float(x[i]) - m));
			sum += smx_bf16_to_float(y[i]);
		}
		for (size_t i = 0; i < n; i++)
			y[i] = smx_bf16_from_float(smx_bf16_to_float(y[i]) * (1 / sum));
	}
}

Test(published, benchdnn_rule_sees_another_recipe)
{
	const size_t n = 64;
	uint16_t x[64];
	for (size_t i = 0; i < n; i++)
		x[i] = smx_bf16_from_double(8 * unif() - 4);
	const struct smx_lowp_pair *pr = smx_lowp_pair_get(0);
	struct smx_lowp_pair bad = *pr;
	bad.fn = exps_in_bf16;
	cr_assert(smx_lowp_upcast_mismatches(&bad, x, 1, n) > 0);
	cr_assert_eq(smx_lowp_upcast_mismatches(pr, x, 1, n), 0);
}
