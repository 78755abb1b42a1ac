/* scripts/torch_dump.py end to end, as the README walks it: PyTorch's
 * outputs dumped, measured by `smx accuracy --input X --outputs NAME=Y`,
 * and gated by a `check` outputs line. PyTorch is optional: without it
 * (Debian's python3-torch for /usr/bin/python3, or $SMX_PYTHON) the test
 * is reported as skipped, never as passed. Bugs this catches: a dump whose
 * shape or dtype smx cannot read, output files named otherwise than the
 * printed commands say, and a gate that passes outputs of the wrong op
 * (the log-softmax dump offered as softmax must fail the line). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "rows.h"
#include "testutil.h"
#include "torch.h"

#define SCRIPT SMX_TESTDATA "/../../scripts/torch_dump.py"

static int have_torch(void)
{
	char out[256], err[4096];
	char *argv[] = {(char *)smx_torch_python(), "-c", "import torch", NULL};
	return smx_test_exec(NULL, NULL, argv, out, sizeof out, err, sizeof err) == 0;
}

Test(torch, dump_measure_and_gate, .timeout = 300)
{
	if (!have_torch())
		cr_skip_test("PyTorch is not installed for %s (scripts/install-deps.sh --torch)",
			     smx_torch_python());
	char dir[256], out[16384], err[4096], args[2048], path[400];
	smx_test_tmpdir(dir, sizeof dir);
	char *dump[] = {
	    (char *)smx_torch_python(), SCRIPT, "--out", dir, "--rows", "8", "--n", "300", NULL};
	int st = smx_test_exec(NULL, NULL, dump, out, sizeof out, err, sizeof err);
	cr_assert_eq(st, 0, "torch_dump.py: %s", err);
	cr_expect(strstr(out, "--outputs torch-cpu-f32="), "printed commands: %s", out);

	snprintf(args, sizeof args,
		 "accuracy --input %s/x_f32.npy --op softmax --dtype f32 --format csv "
		 "--outputs torch-cpu=%s/softmax_cpu_f32.npy",
		 dir, dir);
	st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "%s", err);
	cr_expect(strstr(out, "\ntorch-cpu,softmax,f32,file:x_f32.npy,300,8,"), "%s", out);
	snprintf(args, sizeof args,
		 "accuracy --input %s/x_f64.npy --op logsoftmax --dtype f64 --format csv "
		 "--outputs torch-cpu=%s/logsoftmax_cpu_f64.npy",
		 dir, dir);
	st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "%s", err);
	cr_expect(strstr(out, "\ntorch-cpu,logsoftmax,f64,"), "%s", out);

	/* the gate: a hand-written line with inf budgets, measured by --update */
	snprintf(path, sizeof path, "%s/base.txt", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs("outputs softmax f32 torch-cpu x_f32.npy softmax_cpu_f32.npy max_ulp=inf "
	      "mean_ulp=inf sum_err_ulp=inf bad_rows=0\n",
	      f);
	cr_assert_eq(fclose(f), 0);
	snprintf(args, sizeof args, "check --baseline %s --update", path);
	cr_expect_eq(smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err), 0, "%s",
		     err);
	snprintf(args, sizeof args, "check --baseline %s", path);
	cr_expect_eq(smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err), 0, "%s",
		     err);
	/* the log-softmax outputs in the softmax file's place: the line fails */
	char from[400], to[400];
	snprintf(from, sizeof from, "%s/logsoftmax_cpu_f32.npy", dir);
	snprintf(to, sizeof to, "%s/softmax_cpu_f32.npy", dir);
	cr_assert_eq(rename(from, to), 0);
	cr_expect_eq(smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err), 1,
		     "wrong outputs passed the gate: %s", err);
	smx_test_rmtree(dir);
}

/* Without PyTorch the report's rows are left out with one note naming the
 * interpreter, and the script is not run (a probe that let a missing
 * PyTorch through would leave the note of a failed script instead). */
Test(torch, without_pytorch_one_note)
{
	char dir[256], note[600] = "";
	smx_test_tmpdir(dir, sizeof dir);
	cr_assert_eq(setenv("SMX_PYTHON", "/bin/false", 1), 0);
	struct smx_table t;
	smx_torch_init(&t);
	size_t k = smx_torch_rows(dir, SMX_TESTDATA "/../../scripts", 1, &t, note, sizeof note);
	cr_expect_eq(k, 0);
	cr_expect_eq(t.nrows, 0);
	cr_expect(strstr(note, "PyTorch is not installed for /bin/false"), "%s", note);
	smx_table_free(&t);
	smx_test_rmtree(dir);
}

static void npy(const char *dir, const char *name, const double *v, size_t rows, size_t n)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	cr_assert(f, "%s", p);
	smx_write_npy(f, SMX_F32, v, rows, n, 2);
	cr_assert_eq(fclose(f), 0);
}

/* Bug caught: when some of PyTorch's output sets could not be measured,
 * the report showed the others and said nothing of the missing ones. The
 * interpreter is /bin/true (the probe and the script "succeed" without
 * writing), and one output set is already in place. */
Test(torch, a_partial_dump_is_said)
{
	char dir[256], dump[300], note[600] = "";
	smx_test_tmpdir(dir, sizeof dir);
	snprintf(dump, sizeof dump, "%s/torch", dir);
	cr_assert_eq(mkdir(dump, 0777), 0);
	double x[4] = {0, 1, 2, 3}, y[4], s = 0;
	for (int i = 0; i < 4; i++)
		s += exp(x[i]);
	for (int i = 0; i < 4; i++)
		y[i] = (float)(exp(x[i]) / s);
	npy(dump, "x_f32.npy", x, 1, 4);
	npy(dump, "softmax_cpu_f32.npy", y, 1, 4);
	cr_assert_eq(setenv("SMX_PYTHON", "/bin/true", 1), 0);
	struct smx_table t;
	smx_torch_init(&t);
	size_t k = smx_torch_rows(dir, SMX_TESTDATA "/../../scripts", 1, &t, note, sizeof note);
	cr_expect_eq(k, 1);
	cr_expect_eq(t.nrows, 1);
	cr_expect(strstr(note, "5 of PyTorch's 6 rows are left out"), "%s", note);
	smx_table_free(&t);
	smx_test_rmtree(dir);
}
