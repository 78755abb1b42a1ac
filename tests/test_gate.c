/* The verdicts: exact metrics, the one classifier, the exit rule, the
 * gate's headroom, and the committed budgets. Each test names the bug it
 * catches; the planted-bug plug-ins are tests/plugins/gate_*.c. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "dtype.h"
#include "baseline.h"
#include "cli.h"
#include "env.h"
#include "measure.h"
#include "sweep.h"
#include "verdict.h"

extern char **environ;

/* ---- running smx: an argument vector, no shell ---- */

struct run {
	int status;
	char out[1 << 15], err[1 << 13];
};

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t k = f ? fread(buf, 1, len - 1, f) : 0;
	buf[k] = 0;
	if (f)
		fclose(f);
	unlink(path);
}

/* smx with args (NULL-terminated) in directory dir. */
static void smx(struct run *r, const char *dir, const char *const *args)
{
	char *argv[32], o[300], e[300];
	size_t k = 0;
	argv[k++] = (char *)SMX_BIN;
	for (; args[k - 1] && k < 31; k++)
		argv[k] = (char *)args[k - 1];
	argv[k] = NULL;
	snprintf(o, sizeof o, "%s/stdout", dir);
	snprintf(e, sizeof e, "%s/stderr", dir);
	posix_spawn_file_actions_t fa;
	cr_assert_eq(posix_spawn_file_actions_init(&fa), 0);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, o, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, e, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	pid_t pid;
	cr_assert_eq(posix_spawn(&pid, SMX_BIN, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	slurp(o, r->out, sizeof r->out);
	slurp(e, r->err, sizeof r->err);
}

static char dir[64];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof dir, "/tmp/smx-gate-XXXXXX");
	cr_assert(mkdtemp(dir));
}

static const char *in_dir(const char *name)
{
	static char path[4][300];
	static int k;
	k = (k + 1) % 4;
	snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
	return path[k];
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert(f);
	cr_assert(fputs(text, f) >= 0);
	cr_assert_eq(fclose(f), 0);
}

static const char *plugin(const char *name)
{
	static char path[4][300];
	static int k;
	k = (k + 1) % 4;
	snprintf(path[k], sizeof path[k], "%s/%s.so", SMX_PLUGINS, name);
	return path[k];
}

/* ---- exact metrics ---- */

/* Bug caught: relative errors taken from the rounded reference, which
 * scores a correctly rounded f64 output 0 however far the exact value is. */
Test(gate, relative_errors_come_from_the_exact_offset)
{
	/* s = 1 + 2^-53 exactly (half an ulp above 1); y = 1, correctly rounded. */
	struct smx_refval ref = {.cr = 1.0, .r = 0.5, .e = -52};
	double x = 0, y = 1;
	struct smx_metrics m;
	smx_metrics_init(&m);
	smx_metrics_row(&m, SMX_OP_SOFTMAX, SMX_F64, NULL, &x, &y, &ref, SMX_REF_OK, 1, NULL);
	cr_expect_float_eq(m.max_rel, 0x1p-53, 0x1p-100, "max_rel %a", m.max_rel);
	cr_expect_float_eq(m.norm_rel, 0x1p-53, 0x1p-100, "norm_rel %a", m.norm_rel);
	cr_expect(m.kl > 0 && m.kl < 0x1p-100, "kl %a: (1 + 2^-53) against 1", m.kl);
	cr_expect_float_eq(m.max_ulp, 0.5, 1e-15);
	/* Log-softmax: y = -1 against s = -1 - 2^-53. */
	struct smx_refval lr = {.cr = -1.0, .r = -0.5, .e = -52};
	double ly = -1;
	smx_metrics_init(&m);
	smx_metrics_row(&m, SMX_OP_LOGSOFTMAX, SMX_F64, NULL, &x, &ly, &lr, SMX_REF_OK, 1, NULL);
	cr_expect_float_eq(m.max_rel, 0x1p-53, 0x1p-100, "max_rel %a", m.max_rel);
	cr_expect(m.kl > 0, "log-softmax kl %a", m.kl);
}

/* Bug caught: no floor under the condition scale, so a correctly rounded
 * subnormal VJP output counts as wrong (f64: u * scale underflows to 0 and
 * cond_err is inf). */
Test(gate, cond_err_has_a_floor_at_the_least_subnormal)
{
	const struct smx_impl *im = smx_registry_find(SMX_OP_VJP, SMX_F64, "fused/scalar");
	cr_assert(im);
	double s[3] = {0x1p-1070, 0.5, 0.5}, g[3] = {1, 2, 3.3}, y[3];
	struct smx_refval ref[3];
	cr_assert_eq(smx_ref_backward(SMX_OP_VJP, SMX_F64, 0, s, g, 3, ref), SMX_REF_OK);
	for (int i = 0; i < 3; i++)
		y[i] = ref[i].cr;
	cr_assert(ref[0].r != 0, "the subnormal output must be inexact for the test to bite");
	struct smx_metrics m;
	smx_metrics_init(&m);
	smx_metrics_backward_row(&m, SMX_OP_VJP, SMX_F64, &im->bound, s, g, y, ref, SMX_REF_OK, 3,
				 NULL);
	cr_expect(m.cond_err <= 0.5, "cond_err %g", m.cond_err);
	cr_expect_eq(m.wrong_rows, 0);
	/* Below the floor the unit is the least subnormal. */
	cr_expect(smx_cond_units(SMX_F64, 0.25, -1074, 1e-320) == 0.25);
	cr_expect(smx_cond_units(SMX_F32, 0.25, -149, 0) == 0.25);
	/* Above the floor it is |y - s| / (u scale). */
	cr_expect_float_eq(smx_cond_units(SMX_F64, 1, -52, 1.0), 2.0, 1e-15);
}

/* The correctly rounded VJP on 'wide' rows (subnormal and zero s) is within
 * every backward claim, f32 and f64. */
Test(gate, correctly_rounded_vjp_on_wide_rows_is_not_wrong)
{
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep) {
			const struct smx_impl *im =
			    smx_registry_find(SMX_OP_VJP, (smx_dtype)dt, "fused/scalar");
			struct smx_dist d;
			cr_assert_eq(smx_dist_parse("wide", &d), 0);
			struct smx_case c;
			smx_case_generate(&c, SMX_OP_VJP, (smx_dtype)dt, &d, 1, 8, 1000);
			struct smx_metrics m;
			smx_metrics_init(&m);
			for (size_t r = 0; r < c.rows; r++) {
				double y[1000];
				for (size_t i = 0; i < c.n; i++)
					y[i] = c.ref[r * c.n + i].cr;
				smx_metrics_backward_row(&m, SMX_OP_VJP, (smx_dtype)dt, &im->bound,
							 c.in + r * c.n, c.g + r * c.n, y,
							 c.ref + r * c.n, c.status[r], c.n, NULL);
			}
			cr_expect_eq(m.wrong_rows, 0, "%s: %zu wrong rows",
				     smx_dtype_name((smx_dtype)dt), m.wrong_rows);
			/* Half an ulp of |v| <= scale is at most u scale. */
			cr_expect(m.cond_err <= 1, "%s: cond_err %g", smx_dtype_name((smx_dtype)dt),
				  m.cond_err);
			smx_case_free(&c);
		}
}

/* ---- the classifier and the exit rule ---- */

Test(gate, one_classifier)
{
	struct smx_refval ref[2] = {{.cr = 0.25, .e = -54}, {.cr = 0.75, .e = -53}};
	double ok[2] = {0.25, 0.75}, nan_[2] = {NAN, 0.75}, inf_[2] = {INFINITY, 0.75},
	       zero[2] = {0, 0};
	cr_expect_eq(smx_classify(SMX_OP_SOFTMAX, SMX_REF_OK, ok, ref, 2, 0), SMX_OUT_OK);
	cr_expect_eq(smx_classify(SMX_OP_SOFTMAX, SMX_REF_OK, ok, ref, 2, 1.5), SMX_OUT_WRONG);
	cr_expect_eq(smx_classify(SMX_OP_SOFTMAX, SMX_REF_OK, ok, ref, 2, NAN), SMX_OUT_OK);
	cr_expect_eq(smx_classify(SMX_OP_SOFTMAX, SMX_REF_OK, nan_, ref, 2, 0), SMX_OUT_NAN);
	cr_expect_eq(smx_classify(SMX_OP_SOFTMAX, SMX_REF_OK, inf_, ref, 2, 0), SMX_OUT_INF);
	cr_expect_eq(smx_classify(SMX_OP_SOFTMAX, SMX_REF_OK, zero, ref, 2, 0), SMX_OUT_ZERO);
	cr_expect_eq(smx_classify(SMX_OP_SOFTMAX, SMX_REF_UNDEFINED, zero, ref, 2, NAN),
		     SMX_OUT_ZERO);
	cr_expect_eq(smx_classify(SMX_OP_SOFTMAX, SMX_REF_UNDEFINED, ok, ref, 2, NAN),
		     SMX_OUT_UNDEFINED);
	cr_expect_eq(smx_classify(SMX_OP_LOGSOFTMAX, SMX_REF_OK, zero, ref, 2, 0), SMX_OUT_OK);
}

/* Bug caught: peers failing a command, or nothing measured passing. */
Test(gate, exit_rule)
{
	const struct smx_impl *b = smx_registry_find(SMX_OP_SOFTMAX, SMX_F32, "shifted/scalar");
	struct smx_impl peer = *b;
	peer.origin = SMX_ORIGIN_PEER;
	struct smx_tally t;
	smx_tally_init(&t, "test");
	cr_expect_eq(smx_tally_exit(&t, 0), 1, "nothing measured passes");
	cr_expect_eq(smx_tally_exit(&t, 1), 0, "--no-fail");
	smx_tally_add(&t, b, "cell", 0, "");
	smx_tally_add(&t, &peer, "cell", 1, "peer break");
	cr_expect_eq(smx_tally_exit(&t, 0), 0, "a peer's break failed the command");
	cr_expect_eq(t.findings, 1);
	smx_tally_add(&t, b, "cell", 1, "claim broken");
	cr_expect_eq(smx_tally_exit(&t, 0), 1, "a built-in's break passed");
	cr_expect_eq(smx_tally_exit(&t, 1), 0);
}

/* ---- the headroom ---- */

/* Bug caught: budgets without headroom (another order fails) or with too
 * much (10x worse passes). */
Test(gate, headroom)
{
	/* max(2v, v + 4 + 5 sqrt(n)) */
	cr_expect_float_eq(smx_budget(0, 10, 16), 34, 1e-9);
	cr_expect_float_eq(smx_budget(0, 100, 16), 200, 1e-9);
	cr_expect_float_eq(smx_budget(1, 1, 1), 3.5, 1e-9);
	cr_expect_eq(smx_budget(3, 0, 1000), 0, "bad rows get no headroom");
	cr_expect(isinf(smx_budget(0, INFINITY, 16)));
	cr_expect(isinf(smx_budget(2, NAN, 16)), "a NaN measurement gets no finite budget");
	/* Ten times worse fails wherever v > (4 + 5 sqrt(n)) / 9. */
	for (size_t n = 1; n <= 4103; n = 2 * n + 1) {
		double v = (4 + 5 * sqrt((double)n)) / 9 * 1.01;
		cr_expect(10 * v > smx_budget(0, v, n), "n = %zu: 10 x %g within %g", n, v,
			  smx_budget(0, v, n));
	}
}

/* ---- the committed budgets, in make test ---- */

/* Every built-in line of baselines/accuracy.txt (n <= 1000, to keep make
 * test short; CI checks them all) holds its budget and its claim; and
 * every built-in entry has a line that 50 times its error would fail, so a
 * 50x regression fails make test. */
Test(gate, committed_budgets_hold_and_bite, .timeout = 600)
{
	FILE *f = fopen(SMX_TESTDATA "/../../baselines/accuracy.txt", "r");
	cr_assert(f, "baselines/accuracy.txt");
	char text[1100];
	struct smx_cell_cache cc = {0};
	const struct smx_impl *bitten[512];
	size_t nb = 0, lines = 0, edges = 0;
	while (fgets(text, sizeof text, f)) {
		struct smx_bline b;
		char err[300];
		cr_assert_eq(smx_bline_parse(text, &b, err, sizeof err), 0, "%s: %s", text, err);
		const struct smx_impl *im = b.kind ? smx_registry_find(b.op, b.dt, b.impl) : NULL;
		if (!im || im->origin != SMX_ORIGIN_BUILTIN || !smx_impl_runnable(im))
			continue;
		if (b.kind == 3) {
			edges++;
			cr_expect(im->policy.all_neginf == b.all_neginf &&
				      im->policy.pos_inf == b.pos_inf,
				  "%s: declared policy differs from the baseline", text);
			continue;
		}
		if (b.kind != 1 || b.n > 1000)
			continue;
		lines++;
		double got[4];
		struct smx_metrics m;
		smx_line_measure(&b, im, &cc, got, &m);
		char why[300];
		cr_expect(!smx_line_over_budget(&b, got, why, sizeof why), "%s%s", text, why);
		cr_expect(!smx_verdict_metrics(im, &m, why, sizeof why), "%s%s", text, why);
		double worse[4] = {50 * got[0], 50 * got[1], 50 * got[2], got[3]};
		if (smx_line_over_budget(&b, worse, why, sizeof why)) {
			size_t j = 0;
			while (j < nb && bitten[j] != im)
				j++;
			if (j == nb && nb < 512)
				bitten[nb++] = im;
		}
	}
	fclose(f);
	smx_cell_cache_free(&cc);
	cr_expect(lines > 1000 && edges > 30, "%zu accuracy lines, %zu edge lines", lines, edges);
	for (size_t i = 0; i < smx_registry_count(); i++) {
		const struct smx_impl *im = smx_registry_get(i);
		if (im->origin != SMX_ORIGIN_BUILTIN || !smx_impl_runnable(im))
			continue;
		int found = 0;
		for (size_t j = 0; j < nb; j++)
			found |= bitten[j] == im;
		cr_expect(found, "%s %s %s: no committed budget catches a 50x regression",
			  smx_op_name(im->op), smx_dtype_name(im->dtype), im->name);
	}
}

/* ---- the gate against planted bugs (tests/plugins/gate_*.c) ---- */

/* A baseline from the forward-sum plug-in passes the reverse-order and
 * Kahan controls and fails the 10x-worse kernel inside its claim. */
Test(gate, check_passes_controls_and_fails_a_within_claim_regression, .timeout = 600)
{
	mkdir_tmp();
	struct run *r = malloc(sizeof *r);
	cr_assert(r);
	const char *base = in_dir("base.txt");
	smx(r, dir,
	    (const char *[]){"--plugin", plugin("gate_forward"), "check", "--init", "--baseline",
			     base, "--impl", "gate/scalar", NULL});
	cr_assert_eq(r->status, 0, "init: %s%s", r->out, r->err);
	static const char *const controls[] = {"gate_forward", "gate_reverse", "gate_kahan"};
	for (size_t i = 0; i < 3; i++) {
		smx(r, dir,
		    (const char *[]){"--plugin", plugin(controls[i]), "check", "--baseline", base,
				     NULL});
		cr_expect_eq(r->status, 0, "%s failed the gate: %s%s", controls[i], r->out, r->err);
	}
	smx(r, dir,
	    (const char *[]){"--plugin", plugin("gate_worse"), "check", "--baseline", base, NULL});
	cr_expect_eq(r->status, 1, "10x worse passed: %s", r->err);
	cr_expect(strstr(r->out, "FAIL") && strstr(r->out, "max_ulp"), "%s", r->out);
	/* Without the plug-in its lines name an entry this build lacks. */
	smx(r, dir, (const char *[]){"check", "--baseline", base, NULL});
	cr_expect_eq(r->status, 1, "%s", r->err);
	cr_expect(strstr(r->out, "not in this build"), "%s", r->out);
	smx(r, dir, (const char *[]){"check", "--baseline", base, "--allow-missing", NULL});
	cr_expect_eq(r->status, 0, "--allow-missing: %s", r->err);
	unlink(base);
	rmdir(dir);
	free(r);
}

/* Bug caught: a typo'd entry name skipped (and the gate passing), nothing
 * measured passing, edge policies not gated. */
/* An entry that overflows outside its domain measures NaN sums: --init
 * writes budgets its own reader takes, and check passes them (bad_rows,
 * exact, holds the overflowing rows). */
Test(gate, init_of_an_overflowing_entry_checks, .timeout = 300)
{
	mkdir_tmp();
	struct run *r = malloc(sizeof *r);
	cr_assert(r);
	const char *base = in_dir("naive16.txt");
	smx(r, dir,
	    (const char *[]){"check", "--init", "--baseline", base, "--impl", "naive.acc16/scalar",
			     "--op", "softmax", "--dtype", "f16", NULL});
	cr_assert_eq(r->status, 0, "init: %s%s", r->out, r->err);
	smx(r, dir, (const char *[]){"check", "--baseline", base, NULL});
	cr_expect_eq(r->status, 0, "check of its own init: %s%s", r->out, r->err);
	free(r);
}

Test(gate, check_fails_closed)
{
	mkdir_tmp();
	struct run *r = malloc(sizeof *r);
	cr_assert(r);
	const char *b = in_dir("b.txt");
	write_file(b, "softmax f32 shifted/scalr lm 16 4 1 max_ulp=100 mean_ulp=100 "
		      "sum_err_ulp=100 bad_rows=0\n"
		      "softmax f32 shifted/scalar lm 16 4 1 max_ulp=100 mean_ulp=100 "
		      "sum_err_ulp=100 bad_rows=0\n");
	smx(r, dir, (const char *[]){"check", "--baseline", b, NULL});
	cr_expect_eq(r->status, 1, "a typo passed: %s%s", r->out, r->err);
	cr_expect(strstr(r->out, "shifted/scalr") && strstr(r->out, "not in this build"), "%s",
		  r->out);
	smx(r, dir, (const char *[]){"check", "--baseline", b, "--allow-missing", NULL});
	cr_expect_eq(r->status, 0, "%s", r->err);
	cr_expect(strstr(r->err, "1 passed, 0 failed, 1 skipped"), "%s", r->err);
	/* Every line skipped: nothing measured. */
	write_file(b, "perf softmax f32 shifted/scalar 64 4 vs_memcpy=100\n");
	smx(r, dir, (const char *[]){"check", "--baseline", b, NULL});
	cr_expect_eq(r->status, 1, "nothing measured passed: %s", r->err);
	cr_expect(strstr(r->err, "nothing was measured"), "%s", r->err);
	/* Edge lines: a built-in keeps its policy; a changed declaration and a
	 * plug-in's policy lie fail. */
	write_file(b, "edge softmax f32 safe/scalar all_neginf=zero pos_inf=nan\n");
	smx(r, dir, (const char *[]){"check", "--baseline", b, NULL});
	cr_expect_eq(r->status, 0, "%s%s", r->out, r->err);
	write_file(b, "edge softmax f32 safe/scalar all_neginf=nan pos_inf=nan\n");
	smx(r, dir, (const char *[]){"check", "--baseline", b, NULL});
	cr_expect_eq(r->status, 1, "%s%s", r->out, r->err);
	cr_expect(strstr(r->out, "declared policy"), "%s", r->out);
	write_file(b, "edge softmax f32 gatelie/scalar all_neginf=zero pos_inf=nan\n");
	smx(r, dir,
	    (const char *[]){"--plugin", plugin("gate_policy"), "check", "--baseline", b, NULL});
	cr_expect_eq(r->status, 1, "a policy lie passed: %s%s", r->out, r->err);
	cr_expect(strstr(r->out, "all-inf-masked=nan"), "%s", r->out);
	/* Claims are gated whatever the budget says. */
	write_file(b, "softmax f32 gatenan/scalar lm 9 4 1 max_ulp=inf mean_ulp=inf "
		      "sum_err_ulp=inf bad_rows=100\n");
	smx(r, dir,
	    (const char *[]){"--plugin", plugin("gate_nan"), "check", "--baseline", b, NULL});
	cr_expect_eq(r->status, 1, "NaN rows passed a loose budget: %s%s", r->out, r->err);
	unlink(b);
	rmdir(dir);
	free(r);
}

/* Bug caught: check --update (and --init) with --format json printing the
 * table's lines, or nothing, instead of the JSON asked for. */
Test(gate, check_update_writes_the_json_asked_for)
{
	mkdir_tmp();
	struct run *r = malloc(sizeof *r);
	cr_assert(r);
	const char *b = in_dir("b.txt");
	write_file(b, "softmax f32 shifted/scalar lm 16 4 1 max_ulp=100 mean_ulp=100 "
		      "sum_err_ulp=100 bad_rows=0\n");
	smx(r, dir,
	    (const char *[]){"check", "--baseline", b, "--update", "--format", "json", NULL});
	cr_expect_eq(r->status, 0, "%s", r->err);
	cr_expect(r->out[0] == '{' && strstr(r->out, "\"lines\": [") &&
		      strstr(r->out, "softmax f32 shifted/scalar"),
		  "not the JSON asked for: %s", r->out);
	unlink(b);
	rmdir(dir);
	free(r);
}

/* Bug caught: accuracy and overflow exiting 0 on NaN rows and policy lies;
 * summaries mixed into the CSV. */
Test(gate, accuracy_and_overflow_follow_the_exit_rule)
{
	mkdir_tmp();
	struct run *r = malloc(sizeof *r);
	cr_assert(r);
	smx(r, dir,
	    (const char *[]){"--plugin", plugin("gate_nan"), "accuracy", "--impl", "gatenan/scalar",
			     "--n", "8,9", "--rows", "4", "--dist", "lm", "--format", "csv", NULL});
	cr_expect_eq(r->status, 1, "NaN rows: exit %d: %s", r->status, r->err);
	cr_expect(strstr(r->err, "FAIL") && strstr(r->err, "n=9"), "%s", r->err);
	cr_expect(!strstr(r->out, "smx"), "summary in the CSV: %s", r->out);
	smx(r, dir,
	    (const char *[]){"--plugin", plugin("gate_nan"), "accuracy", "--impl", "gatenan/scalar",
			     "--n", "8,9", "--rows", "4", "--dist", "lm", "--no-fail", NULL});
	cr_expect_eq(r->status, 0, "--no-fail: %s", r->err);
	smx(r, dir,
	    (const char *[]){"--plugin", plugin("gate_nan"), "accuracy", "--impl", "gatenan/scalar",
			     "--n", "8,16", "--rows", "4", "--dist", "lm", NULL});
	cr_expect_eq(r->status, 0, "no NaN at n = 8, 16: %s", r->err);
	smx(r, dir,
	    (const char *[]){"--plugin", plugin("gate_policy"), "overflow", "--impl",
			     "gatelie/scalar", "--no-thresholds", "--format", "csv", NULL});
	cr_expect_eq(r->status, 1, "policy lie: exit %d: %s", r->status, r->err);
	cr_expect(strstr(r->err, "all-inf-masked"), "%s", r->err);
	smx(r, dir,
	    (const char *[]){"overflow", "--impl", "safe/scalar,shifted/scalar", "--no-thresholds",
			     NULL});
	cr_expect_eq(r->status, 0, "built-ins: %s", r->err);
	smx(r, dir, (const char *[]){"--plugin", plugin("gate_nan"), "accuracy", NULL});
	cr_expect_eq(r->status, 1, "the default sweep misses the n %% 8 == 1 tail: %s", r->err);
	rmdir(dir);
	free(r);
}

/* A peer's policy mismatch is a finding: printed, counted, exit 0. (Peers
 * are compiled in; this one is registered here.) */
static void liar(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t i = 0; i < rows * n; i++)
		y[i] = isinf(x[i]) && x[i] < 0 ? 0 : 1.0f / (float)n;
}

Test(gate, a_peer_mismatch_is_a_finding)
{
	mkdir_tmp();
	struct smx_impl im = {.name = "liar/peer",
			      .algo = "liar",
			      .isa = "peer",
			      .op = SMX_OP_SOFTMAX,
			      .dtype = SMX_F32,
			      .fn.f32 = liar,
			      .bound = {.c0 = INFINITY},
			      .origin = SMX_ORIGIN_PEER,
			      .note = "test"};
	cr_assert_eq(smx_registry_add(&im), 0);
	char *argv[] = {"overflow", "--impl",  "liar/peer", "--no-thresholds",
			"--format", "csv",     "--output",  (char *)in_dir("o.csv"),
			"--op",	    "softmax", NULL};
	int argc = 10;
	smx_env_set_argv(argc, argv);
	optind = 0;
	cr_expect_eq(smx_cmd_overflow(argc, argv), 0, "a peer failed the command");
	char csv[1 << 15];
	slurp(in_dir("o.csv"), csv, sizeof csv);
	cr_expect(strstr(csv, "liar/peer,softmax,f32,peer,one-nan,33,undefined,") &&
		      strstr(csv, ",NO,"),
		  "%s", csv);
	rmdir(dir);
}
