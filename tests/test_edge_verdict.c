/* An entry's declared edge policy judges its edge rows in smx accuracy, as
 * it does in hunt and overflow: a NaN row on +inf input, or on an all -inf
 * row whose reference is defined (lse: -inf), holds when the entry declares
 * NaN there and breaks the verdict when it declares the limit. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "metrics.h"
#include "smx.h"
#include "testutil.h"
#include "verdict.h"

static char out[1 << 16], err[4096];

static int broken(smx_edge pos_inf, smx_edge all_neginf, int overflows, const struct smx_metrics *m)
{
	struct smx_impl im = {.name = "t/scalar"};
	im.policy.pos_inf = pos_inf;
	im.policy.all_neginf = all_neginf;
	im.policy.overflows = overflows;
	char why[200];
	return smx_verdict_metrics(&im, m, why, sizeof why);
}

/* Bugs caught: a policy that excuses nothing (the false failures this file
 * was written for), a policy of the limit that excuses NaN, and a row
 * excused twice (as unclaimed and as +inf) hiding a second bad row. */
Test(edge_verdict, the_declared_policy_judges_nan_rows)
{
	struct smx_metrics m;
	smx_metrics_init(&m);
	m.rows = 1;
	m.nan_rows = m.pinf_nan_rows = 1;
	cr_expect(!broken(SMX_EDGE_NAN, SMX_EDGE_LIMIT, 0, &m), "+inf row, NaN declared");
	cr_expect(broken(SMX_EDGE_LIMIT, SMX_EDGE_NAN, 0, &m), "+inf row, the limit declared");
	smx_metrics_init(&m);
	m.rows = 1;
	m.nan_rows = m.neginf_nan_rows = 1;
	cr_expect(!broken(SMX_EDGE_LIMIT, SMX_EDGE_NAN, 0, &m), "all -inf row, NaN declared");
	cr_expect(broken(SMX_EDGE_NAN, SMX_EDGE_LIMIT, 0, &m), "all -inf row, the limit declared");
	/* One +inf row (unclaimed) and one NaN row on finite input: the
	 * +inf row is excused once, the other breaks the verdict. */
	smx_metrics_init(&m);
	m.rows = 2;
	m.nan_rows = 2;
	m.pinf_nan_rows = 1;
	m.unclaimed_bad_rows = 1;
	cr_expect(broken(SMX_EDGE_NAN, SMX_EDGE_NAN, 1, &m), "a finite row's NaN excused");
}

/* A file holding text, in dir. */
static void put(const char *dir, const char *name, const char *text, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	cr_assert(fputs(text, f) >= 0);
	cr_assert_eq(fclose(f), 0);
}

/* End to end: the rows are counted as the kernels produce them. */
Test(edge_verdict, accuracy_follows_each_entry_s_policy, .timeout = 120)
{
	char dir[256], neginf[300], pinf[300];
	smx_test_tmpdir(dir, sizeof dir);
	put(dir, "neginf.txt", "-inf -inf\n", neginf, sizeof neginf);
	put(dir, "pinf.txt", "inf 1 -2\n", pinf, sizeof pinf);
	/* bf16 lse shifted.acc32/scalar declares NaN on all -inf rows and
	 * gives it. */
	char args[1024];
	snprintf(args, sizeof args,
		 "accuracy --op lse --dtype bf16 --impl shifted.acc32/scalar --input %s", neginf);
	int st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "declared NaN on all -inf: exit %d: %s", st, err);
	/* Every built-in forward entry on a +inf row: NaN where declared, the
	 * limit elsewhere. */
	snprintf(args, sizeof args,
		 "accuracy --op softmax,logsoftmax,lse --dtype f32,f64,bf16,f16 --input %s", pinf);
	st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "+inf rows: exit %d: %s", st, err);
	/* A plug-in declaring the limit on +inf that gives NaN fails. */
	snprintf(args, sizeof args,
		 "--plugin %s/edge_limit_lie.so accuracy --op softmax --dtype f32 --impl "
		 "edge_limit_lie/scalar --input %s",
		 SMX_PLUGINS, pinf);
	st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 1, "limit declared, NaN given: exit %d: %s", st, err);
	cr_expect(strstr(err, "1 nan"), "%s", err);
	smx_test_rmtree(dir);
}
