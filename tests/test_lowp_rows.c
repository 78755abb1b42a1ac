/* The 16-bit acc32 vector softmax and log-softmax take a row's maximum
 * from its bit patterns, leave out the exp's clamp when the row's range
 * allows, and narrow without the subnormal check when every output is
 * normal (lowp_simd.inc, lowp_lse_simd.inc). Rows made to reach each of
 * those branches, and the edges between them, must still give the f32
 * kernel's output rounded once, bit for bit; two planted bugs (a narrowing
 * that flushes subnormal outputs, a maximum blind to NaN) prove the rows
 * reach the cases that matter. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lowp.h"
#include "lowp_published.h"
#include "smx.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;
static double unif(double lo, double hi)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return lo + (hi - lo) * ((double)(rng >> 11) * 0x1p-53);
}

enum { KINDS = 17 };
static const double spans[] = {80, 86, 86.6, 87, 88, 90, 95, 99.9, 100, 100.1, 104, 106, 110};
#define NSPANS (sizeof spans / sizeof *spans)

/* Row kind k (KINDS + NSPANS of them) of length n in x. */
static void make_row(int bf16, int k, uint16_t *x, size_t n)
{
	const uint16_t inf = bf16 ? 0x7f80 : 0x7c00, sign = 0x8000;
	const double big = bf16 ? 3e38 : 65504;
	const size_t at = (size_t)unif(0, (double)n) % n;
	double lo = -10, hi = 10;
	switch (k) {
	case 1: /* all positive */
		lo = 0.5, hi = 3;
		break;
	case 2: /* all negative: the maximum is the least pattern */
	case 5:
	case 6:
	case 7:
		lo = -20, hi = -1;
		break;
	case 3: /* -0 and +0 */
	case 4: /* negative up to -0 */
		lo = -5, hi = 0;
		break;
	case 14: /* a range far past the exp's clamp */
		lo = -big, hi = big;
		break;
	default:
		if (k >= KINDS)
			lo = -spans[k - KINDS], hi = 0;
	}
	for (size_t i = 0; i < n; i++) {
		const double v = unif(lo, hi);
		x[i] = bf16 ? smx_bf16_from_double(v) : smx_f16_from_double(v);
	}
	switch (k) {
	case 3:
		for (size_t i = 0; i < n; i++)
			x[i] = sign;
		x[at] = 0;
		break;
	case 4:
		x[at] = sign;
		break;
	case 5: /* NaNs of either sign, the least payloads */
		x[at] = inf + 1;
		break;
	case 6:
		x[at] = sign | (inf + 1);
		break;
	case 7:
		x[at] = 0xffff;
		break;
	case 8:
		x[at] = inf;
		break;
	case 9:
		x[at] = sign | inf;
		break;
	case 10:
		for (size_t i = 0; i < n; i++)
			x[i] = sign | inf;
		break;
	case 11: /* the largest finite values */
		x[at] = inf - 1;
		break;
	case 12:
		x[at] = sign | (inf - 1);
		x[(at + 1) % n] = 0;
		break;
	case 13: /* one entry at the maximum, the rest at the span's end */
		for (size_t i = 0; i < n; i++)
			x[i] = bf16 ? smx_bf16_from_double(-87.5) : smx_f16_from_double(-87.5);
		x[at] = 0;
		break;
	case 16: /* the rest at LP_NOCLAMP: a log-softmax whose log1p is subnormal */
		for (size_t i = 0; i < n; i++)
			x[i] = bf16 ? smx_bf16_from_double(-100) : smx_f16_from_double(-100);
		x[at] = 0;
		break;
	case 15: /* a subnormal maximum */
		for (size_t i = 0; i < n; i++)
			x[i] = sign | (uint16_t)(1 + i % 3);
		x[at] = 1;
		break;
	default:
		break;
	}
}

static const size_t sizes[] = {1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 4096, 20000};
#define NSIZES (sizeof sizes / sizeof *sizes)

/* Mismatches over every kind and size; kinds in [k0, k1). */
static size_t mismatches(const struct smx_lowp_pair *p, int k0, int k1)
{
	size_t bad = 0;
	uint16_t *x = malloc(20000 * sizeof *x);
	cr_assert(x);
	for (size_t s = 0; s < NSIZES; s++)
		for (int k = k0; k < k1; k++) {
			make_row(p->is_bf16, k, x, sizes[s]);
			const size_t b = smx_lowp_upcast_mismatches(p, x, 1, sizes[s]);
			cr_assert_neq(b, (size_t)-1, "out of memory");
			bad += b;
		}
	free(x);
	return bad;
}

static int runnable(const struct smx_lowp_pair *p)
{
	return (smx_cpu_features() & p->cpu) == p->cpu;
}

Test(lowp_rows, every_branch_equals_f32_rounded_once, .timeout = 120)
{
	for (size_t i = 0; i < smx_lowp_pair_count(); i++) {
		const struct smx_lowp_pair *p = smx_lowp_pair_get(i);
		if (!runnable(p) || (strcmp(p->op, "softmax") && strcmp(p->op, "logsoftmax")))
			continue;
		const size_t bad = mismatches(p, 0, KINDS + (int)NSPANS);
		cr_expect_eq(bad, 0, "%s %s %s: %zu outputs differ from %s rounded once", p->op,
			     p->dtype, p->name, bad, p->f32name);
	}
}

/* The planted kernels wrap the real one. */
static smx_lowp_fn16 inner;
static int inner_bf16;

/* What VCVTNEPS2BF16 would do unchecked: subnormal outputs flushed. */
static void flushing(const uint16_t *x, uint16_t *y, size_t rows, size_t n)
{
	inner(x, y, rows, n);
	const uint16_t expo = inner_bf16 ? 0x7f80 : 0x7c00;
	for (size_t i = 0; i < rows * n; i++)
		if (!(y[i] & expo))
			y[i] &= 0x8000;
}

/* A maximum that misses NaNs: they are read as zeros. */
static void nan_blind(const uint16_t *x, uint16_t *y, size_t rows, size_t n)
{
	const uint16_t inf = inner_bf16 ? 0x7f80 : 0x7c00;
	uint16_t *c = malloc(rows * n * sizeof *c);
	cr_assert(c);
	for (size_t i = 0; i < rows * n; i++)
		c[i] = (x[i] & 0x7fff) > inf ? 0 : x[i];
	inner(c, y, rows, n);
	free(c);
}

Test(lowp_rows, planted_bugs_are_caught, .timeout = 120)
{
	for (size_t i = 0; i < smx_lowp_pair_count(); i++) {
		const struct smx_lowp_pair *p = smx_lowp_pair_get(i);
		if (!runnable(p) || strcmp(p->op, "softmax"))
			continue;
		struct smx_lowp_pair bad = *p;
		inner = p->fn;
		inner_bf16 = p->is_bf16;
		bad.fn = flushing;
		cr_expect_gt(mismatches(&bad, KINDS, KINDS + (int)NSPANS), 0,
			     "%s %s %s: no subnormal output among the span rows", p->op, p->dtype,
			     p->name);
		bad.fn = nan_blind;
		cr_expect_gt(mismatches(&bad, 5, 8), 0, "%s %s %s: the NaN rows miss", p->op,
			     p->dtype, p->name);
	}
}
