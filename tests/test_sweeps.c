/* The commands' sweeps as functions (sweeps.h): the numbers they put in
 * their tables are the measurement's own, their filters and options hold,
 * and a table is read by column name. */
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cli.h"
#include "dtype.h"
#include "scenarios.h"
#include "sweeps.h"
#include "table.h"

static int scalar_only(const struct smx_impl *im)
{
	return !strcmp(im->isa, "scalar");
}

static struct smx_sel softmax_f32(const char *name)
{
	struct smx_sel s;
	smx_sel_init(&s);
	s.ops[0] = SMX_OP_SOFTMAX;
	s.nops = 1;
	s.dts[0] = SMX_F32;
	s.ndts = 1;
	if (name)
		s.names[s.nnames++] = (char *)name;
	return s;
}

/* A row of the table holds what smx_measure gives on the same rows: a
 * sweep measuring other rows (seed, count, dist) would differ. */
Test(sweeps, accuracy_rows_are_the_measurement)
{
	struct smx_sel sel = softmax_f32("online/scalar");
	struct smx_dist d;
	smx_dist_parse("normal:3", &d);
	const size_t ns[] = {9, 33};
	struct smx_accuracy_opts o = {.sel = &sel,
				      .dists = &d,
				      .ndists = 1,
				      .ns = ns,
				      .nn = 2,
				      .budget = 200,
				      .seed = 7,
				      .hi = SIZE_MAX};
	struct smx_table t;
	smx_accuracy_table(&t);
	smx_accuracy_sweep(&o, &t);
	cr_assert_eq(t.nrows, 2, "one row per n for one entry");
	const struct smx_impl *im = smx_registry_find(SMX_OP_SOFTMAX, SMX_F32, "online/scalar");
	for (size_t j = 0; j < 2; j++) {
		size_t rows = 200 / ns[j];
		struct smx_case c;
		smx_case_generate(&c, SMX_OP_SOFTMAX, SMX_F32, &d, 7, rows, ns[j]);
		struct smx_metrics m;
		smx_metrics_init(&m);
		smx_measure(im, &c, &m, NULL);
		smx_case_free(&c);
		cr_expect_eq(smx_table_at(&t, j, "n")->i, (long long)ns[j]);
		cr_expect_eq(smx_table_at(&t, j, "rows")->i, (long long)rows, "rows = budget / n");
		cr_expect(smx_table_at(&t, j, "max_ulp")->d == m.max_ulp,
			  "n = %zu: %g, measured %g", ns[j], smx_table_at(&t, j, "max_ulp")->d,
			  m.max_ulp);
		cr_expect(smx_table_at(&t, j, "max_rel_normal")->d == m.max_rel_normal);
	}
	smx_table_free(&t);
}

/* The keep filter and the cell range are obeyed; the cell count is the
 * range's whole. */
Test(sweeps, accuracy_keep_and_range)
{
	struct smx_sel sel = softmax_f32(NULL);
	struct smx_dist d;
	smx_dist_parse("uniform:-1,1", &d);
	const size_t ns[] = {4, 5, 6};
	struct smx_accuracy_opts o = {.sel = &sel,
				      .keep = scalar_only,
				      .dists = &d,
				      .ndists = 1,
				      .ns = ns,
				      .nn = 3,
				      .rows = 2,
				      .seed = 1,
				      .lo = 1,
				      .hi = 2};
	cr_expect_eq(smx_accuracy_cells(&o), 3);
	struct smx_table t;
	smx_accuracy_table(&t);
	smx_accuracy_sweep(&o, &t);
	cr_assert_gt(t.nrows, 0);
	for (size_t r = 0; r < t.nrows; r++) {
		const char *name = smx_table_at(&t, r, "impl")->s;
		cr_expect(strstr(name, "/scalar"), "%s kept by a scalar-only filter", name);
		cr_expect_eq(smx_table_at(&t, r, "n")->i, 5, "a cell outside [1, 2) measured");
	}
	smx_table_free(&t);
}

/* The overflow table's verdict is the one classifier's (smx_row_judge),
 * here against PyTorch's edge profile, where the naive softmax differs. */
Test(sweeps, overflow_matches_the_classifier)
{
	struct smx_sel sel = softmax_f32("naive/scalar");
	struct smx_tally tally;
	smx_tally_init(&tally, "test");
	const struct smx_profile *prof = smx_profile_find("pytorch");
	cr_assert(prof);
	struct smx_overflow_opts o = {.sel = &sel, .prof = prof, .hi = SIZE_MAX, .tally = &tally};
	cr_assert_eq(smx_overflow_cells(&o), 1);
	struct smx_table tidy, sum;
	smx_overflow_tables(&tidy, &sum);
	smx_overflow_sweep(&o, &tidy, &sum);
	static struct smx_scenario scen[64];
	size_t ns = smx_scenarios(SMX_F32, scen, 64);
	cr_assert_eq(tidy.nrows, ns, "no thresholds asked for");
	cr_assert_eq(sum.nrows, 1);
	cr_expect_eq(tally.measured, 1);
	const struct smx_impl *im = smx_registry_find(SMX_OP_SOFTMAX, SMX_F32, "naive/scalar");
	size_t nan_rows = 0, differ = 0;
	for (size_t j = 0; j < ns; j++) {
		double u;
		const char *want;
		enum smx_outcome got = smx_scenario_run(im, &scen[j], &u);
		int match = smx_row_judge(prof, im, &scen[j], got, &want);
		cr_expect_str_eq(smx_table_at(&tidy, j, "outcome")->s, smx_outcome_name(got));
		cr_expect_str_eq(smx_table_at(&tidy, j, "matches")->s, match ? "yes" : "NO");
		cr_expect_str_eq(smx_table_at(&tidy, j, "expected")->s, want);
		nan_rows += got == SMX_OUT_NAN;
		differ += !match;
	}
	cr_expect_gt(nan_rows, 0, "the naive softmax never overflowed");
	cr_expect_gt(differ, 0, "no row differs from the profile: the check cannot bite");
	cr_expect_eq(tally.failed, 1, "the mismatch is not the entry's verdict");
	smx_table_free(&tidy);
	smx_table_free(&sum);
}

/* With ceilings = 1 a softmax cell carries all three ceilings (the
 * report's roofline); without, memset is the Jacobian's alone. */
Test(sweeps, perf_ceilings)
{
	struct smx_sel sel = softmax_f32("shifted/scalar");
	struct smx_dist d;
	smx_dist_parse("uniform:-10,10", &d);
	const size_t n = 64;
	struct smx_perf_opts o = {.sel = &sel,
				  .ns = &n,
				  .nn = 1,
				  .rows = 4,
				  .cache = SMX_CACHE_HOT,
				  .min_ms = 0.2,
				  .reps = 3,
				  .pin = -1,
				  .dist = &d,
				  .seed = 1};
	for (int ceil = 0; ceil < 2; ceil++) {
		o.ceilings = ceil;
		struct smx_table t;
		smx_perf_table(&t);
		size_t added = smx_perf_sweep(&o, &t);
		cr_expect_eq(added, t.nrows);
		cr_expect_eq(t.nrows, 3 + (size_t)ceil, "memcpy, read, %sthe entry",
			     ceil ? "memset, " : "");
		int memset_row = 0;
		for (size_t r = 0; r < t.nrows; r++) {
			memset_row |= !strcmp(smx_table_at(&t, r, "impl")->s, "memset/ceiling");
			cr_expect(smx_table_at(&t, r, "median_ns")->d > 0);
			/* vs_memcpy is against memcpy whatever the ceilings. */
			if (!strcmp(smx_table_at(&t, r, "impl")->s, "memcpy/ceiling"))
				cr_expect_eq(smx_table_at(&t, r, "vs_memcpy")->d, 1);
		}
		cr_expect_eq(memset_row, ceil);
		smx_table_free(&t);
	}
}

/* Columns are found by name, whatever their place. */
Test(sweeps, table_columns_by_name)
{
	static const struct smx_column cols[] = {
	    {"a", SMX_INT, 1}, {"b", SMX_NUM, 1}, {"impl", SMX_STR, 1}};
	struct smx_table t;
	smx_table_init(&t, cols, 3);
	smx_table_add(&t, 3LL, 2.5, "x/scalar");
	smx_table_add(&t, 4LL, 0.5, "y/scalar");
	cr_expect_eq(smx_table_col(&t, "impl"), 2);
	cr_expect_eq(smx_table_at(&t, 1, "a")->i, 4);
	cr_expect_eq(smx_table_at(&t, 0, "b")->d, 2.5);
	cr_expect_str_eq(smx_table_at(&t, 1, "impl")->s, "y/scalar");
	smx_table_free(&t);
}

/* One row batch: a generated batch written as text and read back is the
 * same batch (rows, offsets, values and dtype). */
Test(sweeps, rows_batch_generated_and_read)
{
	struct smx_dist d;
	smx_dist_parse("normal:3", &d);
	struct smx_rows g, r;
	smx_rows_generate(&g, &d, SMX_F64, 5, 4, 7);
	cr_assert_eq(g.count, 4);
	cr_expect_eq(g.dt, SMX_F64);
	double x[28];
	smx_dist_fill(&d, SMX_F64, 5, 4, 7, x);
	cr_expect(!memcmp(x, g.x, sizeof x), "the batch is not smx_dist_fill's rows");
	FILE *f = tmpfile();
	cr_assert(f);
	for (size_t i = 0; i < g.count; i++) {
		for (size_t j = g.off[i]; j < g.off[i + 1]; j++)
			fprintf(f, "%a ", g.x[j]);
		fputc('\n', f);
	}
	rewind(f);
	char err[256];
	cr_assert_eq(smx_rows_parse(f, "t", SMX_F64, &r, err, sizeof err), 0, "%s", err);
	fclose(f);
	cr_expect_eq(r.dt, g.dt);
	cr_assert_eq(r.count, g.count);
	cr_expect_eq(smx_rows_width(&r), 7);
	for (size_t i = 0; i <= g.count; i++)
		cr_expect_eq(r.off[i], g.off[i]);
	cr_expect(!memcmp(r.x, g.x, 28 * sizeof *g.x));
	smx_rows_free(&g);
	smx_rows_free(&r);
}
