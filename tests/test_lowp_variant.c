/* The softmax variants on bf16 and f16 entries (harness/variant.c,
 * impls/lowp_variant.c): the vector shifted.acc32 softmax applies
 * temperature and mask in f32 after the upcast, every other entry before
 * it, through the prelude in the storage format. Each test names the bug
 * it catches. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lowp.h"
#include "measure.h"
#include "rows.h"
#include "smx_impls.h"
#include "testutil.h"
#include "variant.h"

/* The largest max_ulp of im over a few cells under the variant in force;
 * fails when a row breaks the claim (decl_ratio > 1) unless planted. */
static double measure(const struct smx_impl *im, int planted, double *worst_ratio)
{
	static const char *const dists[] = {"normal:3", "uniform:-10,10", "lm"};
	static const size_t ns[] = {7, 33, 130};
	double worst = 0;
	*worst_ratio = 0;
	for (size_t di = 0; di < 3; di++)
		for (size_t k = 0; k < 3; k++) {
			struct smx_dist d;
			cr_assert_eq(smx_dist_parse(dists[di], &d), 0);
			struct smx_case c;
			smx_case_generate(&c, im->op, im->dtype, &d, 5 + k, 12, ns[k]);
			struct smx_metrics m;
			smx_metrics_init(&m);
			smx_measure(im, &c, &m, NULL);
			const size_t bad = m.nan_rows + m.inf_rows + m.zero_rows + m.wrong_rows;
			if (!planted)
				cr_assert(bad == 0 && !(m.decl_ratio > 1),
					  "%s %s %s %s n=%zu: %zu bad rows, decl_ratio %g",
					  smx_op_name(im->op), smx_dtype_name(im->dtype), im->name,
					  dists[di], ns[k], bad, m.decl_ratio);
			worst = fmax(worst, m.max_ulp);
			*worst_ratio = fmax(*worst_ratio, m.decl_ratio);
			smx_case_free(&c);
		}
	return worst;
}

static const char *const sets[][8] = {
    {"temperature", "0.7", NULL},
    {"mask", "causal:1", NULL},
    {"temperature", "1.3", "mask", "causal:0", NULL},
};
#define NSETS (sizeof sets / sizeof *sets)

/* Bug caught: a claim not derived for where the variant is applied (the
 * storage format's rounding of x / T left out, or f32's), or a prelude or
 * kernel that transforms the row wrongly: every bf16 and f16 softmax and
 * log-softmax entry that takes the variant, against the exact variant
 * reference (x / T and x + mask exact from the stored values). */
Test(lowp_variant, claims_hold_before_and_after_the_upcast, .timeout = 300)
{
	size_t seen = 0;
	for (size_t s = 0; s < NSETS; s++) {
		smx_test_set_variant(sets[s]);
		for (size_t i = 0; i < smx_registry_count(); i++) {
			const struct smx_impl *im = smx_registry_get(i);
			if ((im->dtype != SMX_BF16 && im->dtype != SMX_F16) ||
			    !smx_variant_op(im->op) || !smx_impl_runnable(im) ||
			    !smx_variant_admits(im) || im->policy.overflows)
				continue; /* (the naive ones overflow these rows by design) */
			double r;
			measure(im, 0, &r);
			seen++;
		}
	}
	smx_variant_set(NULL);
	cr_assert(seen > 0, "no entry took a variant");
}

/* The difference the placement makes, where users meet it (miles issue
 * 1554): at T = 0.7, x / T rounded to bf16 costs many ulps that x / T in
 * f32 does not. Bug caught: both entries quietly applying the variant the
 * same way. */
Test(lowp_variant, temperature_in_bf16_costs_ulps_that_f32_does_not, .timeout = 120)
{
	const struct smx_impl *before =
	    smx_registry_find(SMX_OP_SOFTMAX, SMX_BF16, "shifted.acc32/scalar");
	const struct smx_impl *after =
	    smx_registry_find(SMX_OP_SOFTMAX, SMX_BF16, "shifted.acc32/avx2");
	cr_assert(before && after);
	if (!smx_impl_runnable(after))
		cr_skip_test("AVX2 does not run here");
	cr_assert(!before->fnv.u16 && after->fnv.u16, "the placements are not one of each");
	static const char *const t[] = {"temperature", "0.7", NULL};
	smx_test_set_variant(t);
	double rb, ra;
	const double wb = measure(before, 0, &rb), wa = measure(after, 0, &ra);
	smx_variant_set(NULL);
	cr_assert(wa <= 0.5 + 0x1p-10, "after the upcast: %g ulp, more than the last rounding", wa);
	cr_assert(wb > 4, "before the upcast: only %g ulp", wb);
}

/* Planted: an entry that declares the variant in f32 but divides in bf16
 * before the upcast, as frameworks do by default. Its claim (the f32
 * roundings only) must break; the real entry's holds. */
static const struct smx_impl *planted_plain;
static void divides_in_bf16(const uint16_t *x, uint16_t *y, size_t rows, size_t n,
			    const struct smx_variant_params *p)
{
	uint16_t *t = malloc((rows * n + 1) * sizeof *t);
	cr_assert(t);
	for (size_t i = 0; i < rows * n; i++)
		t[i] = smx_bf16_from_double(smx_bf16_to_float(x[i]) / p->temperature);
	planted_plain->fn.u16(t, y, rows, n);
	free(t);
}

Test(lowp_variant, a_kernel_rounding_x_over_t_in_bf16_breaks_the_f32_claim, .timeout = 120)
{
	const struct smx_impl *real = NULL;
	for (size_t i = 0; i < smx_registry_count(); i++) {
		const struct smx_impl *im = smx_registry_get(i);
		if (im->op == SMX_OP_SOFTMAX && im->dtype == SMX_BF16 && im->fnv.u16 &&
		    smx_impl_runnable(im))
			real = im;
	}
	if (!real)
		cr_skip_test("no entry applies the variant in f32 here");
	struct smx_impl bad = *real;
	planted_plain = real;
	bad.fnv.u16 = divides_in_bf16;
	static const char *const t[] = {"temperature", "0.7", NULL};
	smx_test_set_variant(t);
	double rbad, rreal;
	measure(&bad, 1, &rbad);
	measure(real, 0, &rreal);
	smx_variant_set(NULL);
	cr_assert(rbad > 1, "x / T in bf16 stayed within the f32 claim (ratio %g)", rbad);
	cr_assert(rreal <= 1);
}

/* The kernels against an independent composition: the mask row of the
 * query position (row0 + r), the causal cut, x / T, all in f32, then the
 * f32 kernel of the same ISA rounded once; and with no variant, the
 * entry's own kernel bit for bit. Bug caught: a kernel that ignores row0
 * or picks the wrong mask row, divides before adding, or drifts from its
 * entry. */
Test(lowp_variant, f32_kernels_are_the_f32_kernel_on_the_transformed_row)
{
	static const size_t sizes[] = {1, 2, 7, 8, 9, 15, 16, 17, 33, 100};
	uint64_t rng = 7;
	for (size_t i = 0; i < smx_registry_count(); i++) {
		const struct smx_impl *im = smx_registry_get(i);
		if (!im->fnv.u16 || !smx_impl_runnable(im))
			continue;
		const int bf16 = im->dtype == SMX_BF16;
		const struct smx_impl *f = smx_registry_find(
		    SMX_OP_SOFTMAX, SMX_F32,
		    strstr(im->name, "avx512") ? "shifted/avx512" : "shifted/avx2");
		cr_assert(f);
		const smx_fn_f32 f32 = f->fn.f32;
		for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
			const size_t n = sizes[s], rows = 3, mrows = 2;
			uint16_t x[3 * 100], y[3 * 100], y0[3 * 100], mk[2 * 100];
			for (size_t j = 0; j < rows * n; j++) {
				const double v = 12 * smx_uniform01(&rng) - 6;
				x[j] = bf16 ? smx_bf16_from_double(v) : smx_f16_from_double(v);
			}
			for (size_t j = 0; j < mrows * n; j++) {
				const double v = j % 5 == 3 ? -INFINITY : -3 * smx_uniform01(&rng);
				mk[j] = bf16 ? smx_bf16_from_double(v) : smx_f16_from_double(v);
			}
			const struct smx_variant_params none = {.size = sizeof none};
			im->fnv.u16(x, y, rows, n, &none);
			im->fn.u16(x, y0, rows, n);
			cr_assert(!memcmp(y, y0, rows * n * sizeof *y),
				  "%s %s n=%zu: without a variant it is not the entry",
				  smx_dtype_name(im->dtype), im->name, n);
			const double T = bf16 ? smx_bf16_to_float(smx_bf16_from_double(0.7))
					      : smx_f16_to_float(smx_f16_from_double(0.7));
			const struct smx_variant_params p = {.size = sizeof p,
							     .flags = SMX_VARIANT_TEMPERATURE |
								      SMX_VARIANT_MASK |
								      SMX_VARIANT_CAUSAL,
							     .temperature = T,
							     .mask = mk,
							     .mask_rows = mrows,
							     .row0 = 5,
							     .causal_k = 2};
			im->fnv.u16(x, y, rows, n, &p);
			for (size_t r = 0; r < rows; r++) {
				float a[100];
				const size_t q = 5 + r;
				for (size_t j = 0; j < n; j++) {
					const uint16_t h = x[r * n + j],
						       m = mk[(q % mrows) * n + j];
					a[j] = (bf16 ? smx_bf16_to_float(h) : smx_f16_to_float(h)) +
					       (bf16 ? smx_bf16_to_float(m) : smx_f16_to_float(m));
					if (j > q + 2)
						a[j] = -INFINITY;
					a[j] /= (float)T;
				}
				f32(a, a, 1, n);
				for (size_t j = 0; j < n; j++) {
					const uint16_t want = bf16 ? smx_bf16_from_float(a[j])
								   : smx_f16_from_float(a[j]);
					cr_assert_eq(y[r * n + j], want,
						     "%s %s n=%zu row %zu entry %zu",
						     smx_dtype_name(im->dtype), im->name, n, r, j);
				}
			}
		}
	}
}
