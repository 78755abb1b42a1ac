/* The cross-entropy ops end to end through the CLI: accuracy against the
 * MPFR reference for every built-in, a planted off-by-one plug-in caught,
 * targets from a file, the perf command. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "testutil.h"

static char out[1 << 16], err[4096];

/* Bug caught: a registry entry whose wrapper or kernel misreads the
 * targets, or a reference or metric that disagrees with the kernels. */
Test(xent_cli, builtins_pass_accuracy, .timeout = 300)
{
	int st =
	    smx_test_smx(NULL, NULL,
			 "accuracy --op xent,xent_fused --dist lm;uniform:-10,10 --n 1,17,1000 "
			 "--rows 4 --format csv",
			 out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "exit %d: %s", st, err);
	/* Every runnable built-in measured: at least the scalar entries of
	 * both ops and dtypes, each at 3 n and 2 dists. */
	size_t lines = 0;
	for (char *p = out; (p = strchr(p, '\n')); p++)
		lines++;
	cr_expect_geq(lines, 1 + 2 * 2 * 3 * 2, "%zu lines", lines);
	cr_expect(strstr(out, "abs_err"), "no abs_err column: %s", out);
}

/* Vocabulary-scale rows: a long row's loss goes through (a reference or a
 * harness path that cannot take n = 128256 fails here). */
Test(xent_cli, vocabulary_rows, .timeout = 300)
{
	int st =
	    smx_test_smx(NULL, NULL, "accuracy --op xent --dtype f32 --dist lm --n 128256 --rows 2",
			 out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "exit %d: %s", st, err);
	cr_expect(strstr(out, "128256"), "%s", out);
}

/* The planted bug bites (exit 1, a claim broken), the correct twin does
 * not. */
Test(xent_cli, planted_offbyone_plugin_fails, .timeout = 120)
{
	char args[1024];
	const char *common = "accuracy --op xent --dtype f32 --dist lm --n 7,1000 --rows 8";
	snprintf(args, sizeof args, "--plugin %s/xent_off.so %s --impl xentok/scalar", SMX_PLUGINS,
		 common);
	int st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "correct plug-in: exit %d: %s", st, err);
	snprintf(args, sizeof args, "--plugin %s/xent_off.so %s --impl xentoff/scalar", SMX_PLUGINS,
		 common);
	st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 1, "planted bug: exit %d: %s", st, err);
	cr_expect(strstr(err, "claim broken"), "%s", err);
}

/* Targets from a text file reach the kernels and the reference alike; a
 * target out of range is bad input (exit 2, one line). */
Test(xent_cli, targets_file, .timeout = 120)
{
	char dir[256], path[300], args[1024];
	smx_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.txt", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	cr_assert(fputs("0\n-100\n16\n3\n", f) >= 0);
	cr_assert_eq(fclose(f), 0);
	snprintf(args, sizeof args, "accuracy --op xent,xent_fused --n 17 --rows 4 --targets %s",
		 path);
	int st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "exit %d: %s", st, err);
	snprintf(args, sizeof args, "accuracy --op xent --n 16 --rows 4 --targets %s", path);
	st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 2, "target 16 at n = 16: exit %d: %s", st, err);
	cr_expect(strchr(err, '\n') == err + strlen(err) - 1, "not one line: %s", err);
	smx_test_rmtree(dir);
}

/* perf runs both ops beside their ceilings. */
Test(xent_cli, perf_runs, .timeout = 120)
{
	int st =
	    smx_test_smx(NULL, NULL,
			 "perf --op xent,xent_fused --dtype f32 --n 4096 --rows 4 --min-time 0.2 "
			 "--repetitions 3 --pin none --format csv",
			 out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "exit %d: %s", st, err);
	cr_expect(strstr(out, "read/ceiling") && strstr(out, "xent_fused"), "%s", out);
}
