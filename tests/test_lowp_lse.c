/* The bf16 and f16 vector log-softmax and lse (impls/lowp_lse_simd.inc):
 * the f32 kernel of the same ISA on the upcast row, rounded once, wherever
 * the row's maximum falls (first, inside the vector that holds it, in the
 * tail, repeated) and at the lengths where the blocking changes (vector,
 * four vectors, the lse's 512-entry chunks), in place too; and the derived
 * bounds against a double oracle. Each check has a planted kernel that
 * must fail it. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lowp.h"
#include "lowp_published.h"
#include "lowp_scalar.h"
#include "rows.h"
#include "smx.h"
#include "smx_impls.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;
static double unif(void)
{
	return smx_uniform01(&rng);
}

static uint16_t narrow(int bf16, double v)
{
	return bf16 ? smx_bf16_from_double(v) : smx_f16_from_double(v);
}

static double widen(int bf16, uint16_t h)
{
	return bf16 ? smx_bf16_to_float(h) : smx_f16_to_float(h);
}

/* A row of n values in [-8, 4) with its maximum 6 at position k (and at
 * k2 too when k2 < n): the placements that move the split of the sum. */
static void make_row(int bf16, uint16_t *x, size_t n, size_t k, size_t k2)
{
	for (size_t i = 0; i < n; i++)
		x[i] = narrow(bf16, i == k || i == k2 ? 6 : 12 * unif() - 8);
}

static const size_t sizes[] = {1,  2,  7,  8,  9,  15,	16,  17,  31,	32,  33,
			       63, 64, 65, 67, 97, 511, 512, 513, 1025, 1100};
#define NSIZES (sizeof sizes / sizeof *sizes)

/* Mismatches of p's kernel against its f32 kernel over every size and
 * every placement of the maximum, out of place and in place. */
static size_t placements_mismatch(const struct smx_lowp_pair *p)
{
	size_t bad = 0;
	for (size_t s = 0; s < NSIZES; s++) {
		const size_t n = sizes[s];
		const size_t ks[] = {0, 1, n / 2, n > 9 ? n - 9 : 0, n - 1};
		uint16_t *x = malloc(2 * n * sizeof *x);
		cr_assert(x);
		for (size_t j = 0; j < sizeof ks / sizeof *ks; j++) {
			/* one maximum, then the same one twice */
			make_row(p->is_bf16, x, n, ks[j], n);
			make_row(p->is_bf16, x + n, n, ks[j], n > 3 ? ks[j] / 2 + 1 : n);
			bad += smx_lowp_upcast_mismatches(p, x, 2, n);
		}
		free(x);
	}
	return bad;
}

static int is_new_vector_entry(const struct smx_lowp_pair *p)
{
	return strcmp(p->op, "softmax") && strstr(p->name, "/avx") != NULL;
}

Test(lowp_lse, vector_entries_equal_f32_rounded_once_wherever_the_max_is, .timeout = 60)
{
	size_t seen = 0;
	for (size_t i = 0; i < smx_lowp_pair_count(); i++) {
		const struct smx_lowp_pair *p = smx_lowp_pair_get(i);
		if (!is_new_vector_entry(p) || (smx_cpu_features() & p->cpu) != p->cpu)
			continue;
		seen++;
		const size_t bad = placements_mismatch(p);
		cr_assert_eq(bad, 0, "%s %s %s: %zu outputs differ from %s rounded once", p->op,
			     p->dtype, p->name, bad, p->f32name);
	}
	cr_assert(seen > 0 || !(smx_cpu_features() & SMX_CPU_AVX2), "no vector pair was checked");
}

/* In place gives the bits out of place gives. */
Test(lowp_lse, in_place_is_out_of_place)
{
	for (size_t i = 0; i < smx_lowp_pair_count(); i++) {
		const struct smx_lowp_pair *p = smx_lowp_pair_get(i);
		if (!is_new_vector_entry(p) || (smx_cpu_features() & p->cpu) != p->cpu)
			continue;
		for (size_t s = 0; s < NSIZES; s++) {
			const size_t n = sizes[s], rows = 3, outs = p->per_row ? rows : rows * n;
			uint16_t *x = malloc(rows * n * sizeof *x), *y = malloc(outs * sizeof *y);
			cr_assert(x && y);
			for (size_t r = 0; r < rows; r++)
				make_row(p->is_bf16, x + r * n, n, r * n / 3, n);
			p->fn(x, y, rows, n);
			p->fn(x, x, rows, n);
			cr_assert(!memcmp(x, y, outs * sizeof *y),
				  "%s %s %s n=%zu: in place differs", p->op, p->dtype, p->name, n);
			free(x);
			free(y);
		}
	}
}

/* Planted: the bf16>bf16>bf16 recipe (every operation rounded to bf16)
 * where bf16>f32>bf16 is declared: the rule must see it, for both ops. */
Test(lowp_lse, the_rule_sees_bf16_accumulation)
{
	size_t seen = 0;
	for (size_t i = 0; i < smx_lowp_pair_count(); i++) {
		const struct smx_lowp_pair *p = smx_lowp_pair_get(i);
		if (!p->is_bf16 || !is_new_vector_entry(p) ||
		    (smx_cpu_features() & p->cpu) != p->cpu)
			continue;
		struct smx_lowp_pair planted = *p;
		planted.fn = strcmp(p->op, "lse") ? smx_logsoftmax_bf16_shifted_acc16__scalar
						  : smx_lse_bf16_shifted_acc16__scalar;
		cr_assert(placements_mismatch(&planted) > 0, "%s %s: bf16 accumulation passed",
			  p->op, p->name);
		cr_assert_eq(placements_mismatch(p), 0);
		seen++;
	}
	if (!seen)
		cr_skip_test("this CPU runs no vector entry");
}

/* Exact enough (double, against half-precision ulps) log-softmax and lse
 * of a row. */
static double ref_lse(const double *x, size_t n, double *mx)
{
	double m = -INFINITY, s = 0;
	for (size_t i = 0; i < n; i++)
		m = fmax(m, x[i]);
	for (size_t i = 0; i < n; i++)
		s += exp(x[i] - m);
	*mx = m;
	return m + log(s);
}

/* ulp of v in the format, floored at the least subnormal. */
static double ulp16(int bf16, double v)
{
	int e;
	frexp(v, &e);
	e -= 1;
	const int p = bf16 ? 8 : 11, emin = bf16 ? -126 : -14;
	if (v == 0 || e < emin)
		e = emin;
	return ldexp(1, e - (p - 1));
}

/* The largest error / bound of kernel fn (log-softmax when ls, else lse)
 * over rows with a gap g between the maximum and the rest: at g = 20 the
 * argmax's log-probability is -log1p(T), about -2e-9. */
static double worst_ratio(smx_lowp_fn16 fn, int ls, int bf16, enum smx_lowp_bound b, double g)
{
	enum { N = 40, TRIALS = 60 };
	const enum smx_lowp_fmt f = bf16 ? SMX_LOWP_BF16 : SMX_LOWP_F16;
	const double u = bf16 ? 0x1p-8 : 0x1p-11;
	double worst = 0;
	for (int t = 0; t < TRIALS; t++) {
		uint16_t x[N], y[N];
		double xd[N], m, dmax = 0;
		for (size_t i = 0; i < N; i++) {
			x[i] = narrow(bf16, i == (size_t)t % N ? 2 : 2 - g - 3 * unif());
			xd[i] = widen(bf16, x[i]);
		}
		const double l = ref_lse(xd, N, &m);
		for (size_t i = 0; i < N; i++)
			dmax = fmax(dmax, m - xd[i]);
		fn(x, y, 1, N);
		for (size_t i = 0; i < (ls ? (size_t)N : 1); i++) {
			const double want = ls ? xd[i] - l : l, got = widen(bf16, y[i]);
			const double err = ls ? fabs(got - want) / ulp16(bf16, want)
					      : fabs(got - want) / (u * fmax(1, fabs(want)));
			const double bound =
			    smx_lowp_bound(b, f, N, ls ? m - xd[i] : 0, dmax, 0, want);
			worst = fmax(worst, err / bound);
		}
	}
	return worst;
}

/* Planted: log(sum) with the maximum's term inside, x - max - log(sum):
 * the argmax's output is 0 once T is below f32's half ulp. */
static void logsoftmax_plain_log(const uint16_t *x, uint16_t *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		float m = -INFINITY, s = 0;
		for (size_t i = 0; i < n; i++)
			m = fmaxf(m, smx_bf16_to_float(x[i]));
		for (size_t i = 0; i < n; i++)
			s += expf(smx_bf16_to_float(x[i]) - m);
		for (size_t i = 0; i < n; i++)
			y[i] = smx_bf16_from_float((smx_bf16_to_float(x[i]) - m) - logf(s));
	}
}

/* Planted: the f32 vector lse truncated to bf16 instead of rounded. */
static void lse_truncated(const uint16_t *x, uint16_t *y, size_t rows, size_t n)
{
	float *xf = malloc(rows * n * sizeof *xf);
	cr_assert(xf);
	for (size_t i = 0; i < rows * n; i++)
		xf[i] = smx_bf16_to_float(x[i]);
	smx_lse_f32_shifted__avx2(xf, xf, rows, n);
	for (size_t r = 0; r < rows; r++) {
		uint32_t u;
		memcpy(&u, &xf[r], sizeof u);
		y[r] = (uint16_t)(u >> 16);
	}
	free(xf);
}

Test(lowp_lse, vector_entries_within_their_bounds_and_planted_bugs_break_them)
{
	const unsigned cpu = smx_cpu_features();
	if (!(cpu & SMX_CPU_AVX2))
		cr_skip_test("this CPU lacks AVX2");
	const struct {
		smx_lowp_fn16 fn;
		int ls, bf16;
		enum smx_lowp_bound b;
		unsigned cpu;
	} ks[] = {
	    {smx_logsoftmax_bf16_shifted_acc32__avx2, 1, 1, SMX_LB_LOGSOFTMAX_ACC32, SMX_CPU_AVX2},
	    {smx_logsoftmax_f16_shifted_acc32__avx2, 1, 0, SMX_LB_LOGSOFTMAX_ACC32, SMX_CPU_AVX2},
	    {smx_lse_bf16_shifted_acc32__avx2, 0, 1, SMX_LB_LSE_VEC2, SMX_CPU_AVX2},
	    {smx_lse_f16_shifted_acc32__avx2, 0, 0, SMX_LB_LSE_VEC2, SMX_CPU_AVX2},
	    {smx_logsoftmax_bf16_shifted_acc32__avx512, 1, 1, SMX_LB_LOGSOFTMAX_ACC32,
	     SMX_CPU_AVX512},
	    {smx_logsoftmax_f16_shifted_acc32__avx512, 1, 0, SMX_LB_LOGSOFTMAX_ACC32,
	     SMX_CPU_AVX512},
	    {smx_lse_bf16_shifted_acc32__avx512, 0, 1, SMX_LB_LSE_VEC512, SMX_CPU_AVX512},
	    {smx_lse_f16_shifted_acc32__avx512, 0, 0, SMX_LB_LSE_VEC512, SMX_CPU_AVX512},
	};
	for (size_t k = 0; k < sizeof ks / sizeof *ks; k++) {
		if ((cpu & ks[k].cpu) != ks[k].cpu)
			continue;
		/* f16 holds gaps up to its range: 9 keeps exp(-gap) normal */
		for (double g = 0; g <= (ks[k].bf16 ? 20 : 9); g += ks[k].bf16 ? 5 : 3) {
			const double w = worst_ratio(ks[k].fn, ks[k].ls, ks[k].bf16, ks[k].b, g);
			cr_assert(w <= 1, "kernel %zu at gap %g: %g of its bound", k, g, w);
		}
	}
	cr_assert(worst_ratio(logsoftmax_plain_log, 1, 1, SMX_LB_LOGSOFTMAX_ACC32, 20) > 1,
		  "x - max - log(sum) kept its argmax within the bound");
	cr_assert(worst_ratio(lse_truncated, 0, 1, SMX_LB_LSE_VEC2, 0) > 1,
		  "a truncated lse stayed within the bound");
}

/* The vector softmax's long rows (exps from a table from 2^19 values;
 * from 16 MiB out, outputs streamed past the cache after a head peeled to
 * the alignment): in place, and one element off the alignment, give the
 * same bits. Bug caught: a head that skips or repeats values, a stream
 * that runs past the row, a read of x after y overwrote it. */
Test(lowp_lse, long_softmax_rows_in_place_and_unaligned, .timeout = 120)
{
	const size_t n = ((size_t)1 << 23) + 17, rows = 1;
	for (size_t i = 0; i < smx_lowp_pair_count(); i++) {
		const struct smx_lowp_pair *p = smx_lowp_pair_get(i);
		if (strcmp(p->op, "softmax") || !strstr(p->name, "/avx") ||
		    (smx_cpu_features() & p->cpu) != p->cpu)
			continue;
		uint16_t *x = malloc((rows * n + 1) * sizeof *x), *y = malloc(rows * n * sizeof *y),
			 *z = malloc((rows * n + 1) * sizeof *z);
		cr_assert(x && y && z);
		for (size_t r = 0; r < rows; r++)
			make_row(p->is_bf16, x + r * n, n, n / 3 + r, n);
		p->fn(x, y, rows, n);
		memcpy(z + 1, x, rows * n * sizeof *x);
		p->fn(z + 1, z + 1, rows, n);
		cr_assert(!memcmp(y, z + 1, rows * n * sizeof *y), "%s %s: in place, unaligned",
			  p->dtype, p->name);
		p->fn(x, z, rows, n);
		cr_assert(!memcmp(y, z, rows * n * sizeof *y), "%s %s: another alignment", p->dtype,
			  p->name);
		free(x);
		free(y);
		free(z);
	}
}
