/* The run layer (run.h: guarded, isolated and timed calls), the case made
 * from a row batch (measure.h), and the nats accuracy keeps for the log
 * outputs that the report's language-model figure draws. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cli.h"
#include "measure.h"
#include "plugin.h"
#include "run.h"
#include "runner.h"
#include "sweeps.h"
#include "table.h"

static void load(const char *plugin)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s.so", SMX_PLUGINS, plugin);
	char *argv[] = {"smx-tests", "--plugin", path, NULL};
	smx_plugins_from_argv(3, argv);
	smx_runner_set_exe(SMX_BIN);
}

static const struct smx_impl *entry(smx_op op, smx_dtype dt, const char *name)
{
	const struct smx_impl *im = smx_registry_find(op, dt, name);
	cr_assert(im, "no entry %s", name);
	return im;
}

/* Isolated, a built-in gives the guarded call's bits and returns 1; a
 * plug-in writing past its output returns 0 with the crash in r (not 1,
 * which would hand unwritten outputs to the measurement); options the op
 * refuses are -1, nothing run (vet dies on those rather than count them
 * as a failed call). */
Test(run_layer, isolated_says_how_the_call_ended)
{
	load("overrun");
	enum { R = 2, N = 37 };
	float x[R * N], want[R * N], got[R * N];
	for (size_t i = 0; i < R * N; i++)
		x[i] = (float)sin((double)i) * 7;
	const struct smx_impl *im = entry(SMX_OP_SOFTMAX, SMX_F32, "shifted/scalar");
	smx_run_guarded(im, x, NULL, want, R, N);
	struct smx_run_result r;
	memset(got, 0, sizeof got);
	cr_expect_eq(smx_run_isolated(im, x, NULL, got, R, N, NULL, &r), 1, "%s",
		     smx_run_describe(&r));
	cr_expect(!memcmp(got, want, sizeof got), "isolated and guarded outputs differ");
	const struct smx_impl *over = entry(SMX_OP_SOFTMAX, SMX_F32, "over/scalar");
	cr_expect_eq(smx_run_isolated(over, x, NULL, got, 1, N, NULL, &r), 0);
	cr_expect(r.status == SMX_RUN_CRASH && r.code == SIGSEGV, "%s", smx_run_describe(&r));
	const struct smx_run_opts second = {.in_place = 2};
	cr_expect_eq(smx_run_isolated(im, x, NULL, got, 1, N, &second, &r), -1);
}

/* Timing a built-in runs here and measures; a plug-in among the subjects
 * takes the measurement to the runner, so its crash is a verdict (exit 1)
 * and not this process's death by SIGSEGV. */
Test(run_layer, bench_of_a_builtin_measures)
{
	const struct smx_impl *im = entry(SMX_OP_SOFTMAX, SMX_F32, "shifted/scalar");
	double v[64];
	for (size_t i = 0; i < 64; i++)
		v[i] = (double)(float)cos((double)i);
	struct smx_bench b;
	smx_bench_init(&b, SMX_OP_SOFTMAX, SMX_F32, v, NULL, 1, 64, SMX_CACHE_HOT, 0.05, 3);
	const enum smx_subject subj[2] = {SMX_SUBJ_MEMCPY, SMX_SUBJ_IMPL};
	const struct smx_impl *ims[2] = {NULL, im};
	struct smx_stats st[2];
	smx_run_bench(&b, 2, subj, ims, st);
	smx_bench_free(&b);
	cr_expect(st[0].median > 0 && st[1].median > 0 && st[1].reps == 3);
}

Test(run_layer, bench_of_a_crashing_plugin_is_a_verdict, .exit_code = 1)
{
	load("crash");
	double v[64] = {0};
	struct smx_bench b;
	smx_bench_init(&b, SMX_OP_SOFTMAX, SMX_F32, v, NULL, 1, 64, SMX_CACHE_HOT, 0.05, 3);
	const enum smx_subject subj[1] = {SMX_SUBJ_IMPL};
	const struct smx_impl *ims[1] = {entry(SMX_OP_SOFTMAX, SMX_F32, "crash/scalar")};
	struct smx_stats st[1];
	smx_run_bench(&b, 1, subj, ims, st);
	cr_assert_fail("a crashing plug-in's bench returned");
}

/* The case takes the batch's values (the batch is left empty, so freeing
 * both is no double free under ASan) and is the case generated from the
 * same rows: the same length, reference and targets. */
Test(case_rows, adopt_takes_the_batch)
{
	struct smx_dist d;
	smx_dist_parse("normal:3", &d);
	struct smx_rows rs;
	smx_rows_generate(&rs, &d, SMX_F32, 5, 3, 40);
	struct smx_case a, b;
	smx_case_adopt_opts(&a, SMX_OP_XENT, &rs, 5, NULL);
	cr_expect(rs.x == NULL && rs.off == NULL && rs.count == 0, "the batch still holds values");
	smx_rows_free(&rs);
	smx_case_generate(&b, SMX_OP_XENT, SMX_F32, &d, 5, 3, 40);
	cr_expect(a.rows == 3 && a.n == 40 && a.dt == SMX_F32);
	cr_expect(!memcmp(a.x, b.x, 3 * 40 * sizeof *a.x));
	cr_expect(!memcmp(a.g, b.g, 3 * 40 * sizeof *a.g), "targets differ");
	for (size_t r = 0; r < 3; r++)
		cr_expect(smx_ref_value(&a.ref[r]) == smx_ref_value(&b.ref[r]));
	smx_case_free(&a);
	smx_case_free(&b);
}

/* A batch of ragged rows is no case: refused, not read at the first
 * row's length. */
Test(case_rows, ragged_rows_are_refused, .exit_code = 2)
{
	struct smx_rows rs;
	smx_rows_alloc(&rs, SMX_F64, 2, 3);
	for (size_t i = 0; i < 6; i++)
		rs.x[i] = (double)i;
	rs.off[1] = 2; /* rows of 2 and 4 */
	struct smx_case c;
	smx_case_adopt(&c, SMX_OP_SOFTMAX, &rs);
	cr_assert_fail("ragged rows adopted");
}

/* Accuracy keeps the error of a log output in nats, as the report's
 * language-model figure reads it: abs_err for lse (one value a row),
 * logprob_nats for log-softmax; each is max |y - s| over the rows. */
Test(case_rows, accuracy_keeps_nats_of_log_outputs)
{
	static const smx_op ops[] = {SMX_OP_LSE, SMX_OP_LOGSOFTMAX};
	static const char *const col[] = {"abs_err", "logprob_nats"};
	struct smx_dist d;
	smx_dist_parse("lm", &d);
	const size_t n = 1000, rows = 4;
	for (size_t o = 0; o < 2; o++) {
		struct smx_sel sel;
		smx_sel_init(&sel);
		sel.ops[0] = ops[o];
		sel.nops = 1;
		sel.dts[0] = SMX_F32;
		sel.ndts = 1;
		sel.names[sel.nnames++] = "shifted/scalar";
		struct smx_accuracy_opts ao = {.sel = &sel,
					       .dists = &d,
					       .ndists = 1,
					       .ns = &n,
					       .nn = 1,
					       .rows = rows,
					       .seed = 3,
					       .hi = SIZE_MAX};
		struct smx_table t;
		smx_accuracy_table(&t);
		smx_accuracy_sweep(&ao, &t);
		cr_assert_eq(t.nrows, 1);
		const struct smx_impl *im = entry(ops[o], SMX_F32, "shifted/scalar");
		struct smx_case c;
		smx_case_generate(&c, ops[o], SMX_F32, &d, 3, rows, n);
		const size_t outs = rows * smx_op_out_len(ops[o], n);
		float *in = malloc(rows * n * sizeof *in), *out = malloc(outs * sizeof *out);
		cr_assert(in && out);
		smx_to_dtype(SMX_F32, c.in, in, rows * n);
		smx_run_guarded(im, in, NULL, out, rows, n);
		double want = 0;
		for (size_t i = 0; i < outs; i++)
			want = fmax(want, fabs((double)out[i] - smx_ref_value(&c.ref[i])));
		double got = smx_table_at(&t, 0, col[o])->d;
		cr_expect(want > 0 && fabs(got - want) <= 1e-9 * want,
			  "%s %s: %g, measured %g nats", smx_op_name(ops[o]), col[o], got, want);
		free(in);
		free(out);
		smx_case_free(&c);
		smx_table_free(&t);
	}
}
