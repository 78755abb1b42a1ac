/* Outputs computed elsewhere (--outputs): measured against the reference
 * like an entry; correctly rounded outputs score at most 0.5 ulp, one ulp
 * off scores more; a missing file, a wrong shape or no single op and dtype
 * is bad input (exit 2). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "measure.h"
#include "rows.h"

static char dir[] = "/tmp/smx-outputs-XXXXXX";

static const char *at(const char *name)
{
	static char buf[4][128];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

/* x: two rows of four; exact.txt their correctly rounded f32 softmax;
 * off.txt the same with one value one ulp up; short.txt one row only. */
static void setup(void)
{
	cr_assert(mkdtemp(dir));
	static const double x[8] = {1, 2, 3, 4, -1, 0.5, 8, 2};
	FILE *f = fopen(at("x.txt"), "w");
	cr_assert(f);
	for (size_t i = 0; i < 8; i++)
		fprintf(f, "%a%c", x[i], i % 4 == 3 ? '\n' : ' ');
	fclose(f);
	struct smx_rows xs;
	smx_rows_copy(&xs, SMX_F32, x, 2, 4);
	struct smx_case c;
	smx_case_adopt(&c, SMX_OP_SOFTMAX, &xs);
	FILE *e = fopen(at("exact.txt"), "w"), *o = fopen(at("off.txt"), "w"),
	     *s = fopen(at("short.txt"), "w");
	cr_assert(e && o && s);
	for (size_t i = 0; i < 8; i++) {
		double v = c.ref[i].cr;
		fprintf(e, "%a%c", v, i % 4 == 3 ? '\n' : ' ');
		fprintf(o, "%a%c", i == 5 ? (double)nextafterf((float)v, 2.0f) : v,
			i % 4 == 3 ? '\n' : ' ');
		if (i < 4)
			fprintf(s, "%a%c", v, i % 4 == 3 ? '\n' : ' ');
	}
	fclose(e);
	fclose(o);
	fclose(s);
	smx_case_free(&c);
}

static void teardown(void)
{
	const char *files[] = {"x.txt", "exact.txt", "off.txt", "short.txt", "out.csv"};
	for (size_t i = 0; i < 5; i++)
		unlink(at(files[i]));
	rmdir(dir);
}

/* Run smx with args; stdout to out.csv; returns the exit status. */
static int run(char *const argv[])
{
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int o = open(at("out.csv"), O_WRONLY | O_CREAT | O_TRUNC, 0600),
		    nul = open("/dev/null", O_WRONLY);
		dup2(o, 1);
		dup2(nul, 2);
		execv(SMX_BIN, argv);
		_exit(127);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* max_ulp of the line whose impl is name, from the CSV. */
static double max_ulp(const char *name)
{
	FILE *f = fopen(at("out.csv"), "r");
	cr_assert(f);
	char line[1024];
	double v = NAN;
	while (fgets(line, sizeof line, f)) {
		size_t k = strlen(name);
		if (!strncmp(line, name, k) && line[k] == ',') {
			/* impl,op,dtype,dist,n,rows,seed,max_ulp */
			char *p = line;
			for (int c = 0; c < 7 && p; c++)
				p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
			cr_assert(p);
			v = strtod(p, NULL);
		}
	}
	fclose(f);
	return v;
}

Test(outputs, measured_like_an_entry, .init = setup, .fini = teardown)
{
	char exact[160], off[160];
	snprintf(exact, sizeof exact, "torch=%s", at("exact.txt"));
	snprintf(off, sizeof off, "%s", at("off.txt"));
	char *argv[] = {SMX_BIN,     "accuracy", "--input", (char *)at("x.txt"), "--outputs", exact,
			"--outputs", off,	 "--op",    "softmax",		 "--dtype",   "f32",
			"--format",  "csv",	 NULL};
	cr_assert_eq(run(argv), 0);
	double e = max_ulp("torch"), o = max_ulp("off");
	cr_expect(e <= 0.5, "correctly rounded outputs scored %g ulp", e);
	cr_expect(o > 0.5 && o < 1.5, "one ulp off scored %g ulp", o);
	/* No --impl: only the outputs are measured. */
	cr_expect(isnan(max_ulp("shifted/scalar")), "built-ins ran without --impl");
}

Test(outputs, bad_input, .init = setup, .fini = teardown)
{
	char sh[160], missing[160], ok[160];
	snprintf(sh, sizeof sh, "s=%s", at("short.txt"));
	snprintf(missing, sizeof missing, "m=%s", at("none.txt"));
	snprintf(ok, sizeof ok, "e=%s", at("exact.txt"));
	char *shape[] = {SMX_BIN,     "accuracy", "--input", (char *)at("x.txt"),
			 "--outputs", sh,	  "--op",    "softmax",
			 "--dtype",   "f32",	  NULL};
	cr_expect_eq(run(shape), 2, "a wrong shape accepted");
	char *miss[] = {SMX_BIN,     "accuracy", "--input", (char *)at("x.txt"),
			"--outputs", missing,	 "--op",    "softmax",
			"--dtype",   "f32",	 NULL};
	cr_expect_eq(run(miss), 2, "a missing outputs file accepted");
	char *two[] = {SMX_BIN, "accuracy", "--input", (char *)at("x.txt"), "--outputs", ok,
		       "--op",	"softmax",  NULL};
	cr_expect_eq(run(two), 2, "outputs measured for two dtypes at once");
	char *noin[] = {SMX_BIN,   "accuracy", "--outputs", ok,	 "--op",
			"softmax", "--dtype",  "f32",	    NULL};
	cr_expect_eq(run(noin), 2, "outputs without --input accepted");
}

/* scripts/torch_dump.py writes its .npy files without NumPy: a 3-D one
 * must read back as rows of its last axis, value for value. */
Test(outputs, torch_dump_npy_readable, .init = setup, .fini = teardown)
{
	char code[512];
	snprintf(code, sizeof code,
		 "import sys; sys.path.insert(0, '%s/../../scripts'); import torch_dump; "
		 "torch_dump.write_npy('%s', [0.5 * i for i in range(12)], [2, 2, 3], 'f')",
		 SMX_TESTDATA, at("out.csv"));
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		execlp("python3", "python3", "-B", "-c", code, (char *)NULL);
		_exit(127);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		cr_skip_test("python3 not found");
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "torch_dump.write_npy failed");
	FILE *f = fopen(at("out.csv"), "rb");
	cr_assert(f);
	struct smx_rows rs;
	char err[256] = "";
	int rc = smx_rows_read_npy(f, "dump.npy", SMX_F32, &rs, err, sizeof err);
	fclose(f);
	cr_assert_eq(rc, 0, "%s", err);
	cr_expect(rs.count == 4 && smx_rows_width(&rs) == 3);
	for (size_t i = 0; i < 12; i++)
		cr_expect_eq(rs.x[i], 0.5 * (double)i, "value %zu", i);
	smx_rows_free(&rs);
}
