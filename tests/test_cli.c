/* Bad input to the CLI: one line on stderr, exit status 2, no output. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "testutil.h"

struct run {
	int status;
	char out[4096], err[4096];
};

/* Each test's files live in a private directory, removed at its end. */
static char dir[200];
static void setup(void)
{
	smx_test_tmpdir(dir, sizeof dir);
}
static void teardown(void)
{
	smx_test_rmtree(dir);
}
TestSuite(cli, .init = setup, .fini = teardown);

/* Run "smx ARGS" (an argument vector, no shell) in a fresh directory with
 * stdin from /dev/null. */
static struct run smx(const char *args)
{
	struct run r;
	char cwd[256];
	smx_test_tmpdir(cwd, sizeof cwd);
	r.status = smx_test_smx(cwd, NULL, args, r.out, sizeof r.out, r.err, sizeof r.err);
	smx_test_rmtree(cwd);
	return r;
}

static void bad(const char *args, const char *needle)
{
	struct run r = smx(args);
	cr_expect_eq(r.status, 2, "'smx %s' exit %d, stderr: %s", args, r.status, r.err);
	cr_expect(!strncmp(r.err, "smx: ", 5), "'smx %s' stderr: %s", args, r.err);
	char *nl = strchr(r.err, '\n');
	cr_expect(nl && nl[1] == 0, "'smx %s' wants one line on stderr, got: %s", args, r.err);
	cr_expect(strstr(r.err, needle), "'smx %s' stderr lacks '%s': %s", args, needle, r.err);
	cr_expect_eq(r.out[0], 0, "'smx %s' wrote output: %s", args, r.out);
}

static char *fpath(const char *name);

static void file(const char *name, const char *text)
{
	FILE *f = fopen(fpath(name), "w");
	cr_assert(f);
	fputs(text, f);
	fclose(f);
}

static char *fpath(const char *name)
{
	static char path[256];
	snprintf(path, sizeof path, "%.180s/%.60s", dir, name);
	return path;
}

Test(cli, unknown_command_and_flags)
{
	bad("frobnicate", "unknown command");
	bad("ref --bogus", "unknown option '--bogus'");
	bad("accuracy --bogus", "unknown option");
	bad("accuracy --n", "needs a value");
	bad("accuracy --n 0", "--n");
	bad("accuracy --n -5", "--n");
	bad("accuracy --n 12abc", "--n");
	bad("accuracy --rows 99999999999999999999", "--rows");
	bad("accuracy --dtype f8", "f8");
	bad("accuracy --dtype e4m3", "output format only");
	bad("accuracy --op softplus", "softplus");
	bad("accuracy --impl nosuch/thing", "nosuch/thing");
	bad("accuracy --dist gamma:2", "gamma");
	bad("accuracy --dist uniform:3,1", "uniform");
	bad("accuracy --format xml", "xml");
	bad("accuracy --seed x", "--seed");
	bad("accuracy --rows 100000 --n 100000", "2^28");
}

Test(cli, bad_row_files)
{
	char args[512];
	file("num", "1 2 3\n4 five 6\n");
	snprintf(args, sizeof args, "ref %s", fpath("num"));
	bad(args, ":2:3:");
	file("repr", "# fine\n0x1p0 0.1\n");
	snprintf(args, sizeof args, "ref --dtype f64 %s", fpath("repr"));
	bad(args, "not exactly representable as f64");
	file("repr32", "1 0x1.0000001p0\n");
	snprintf(args, sizeof args, "ref --dtype f32 %s", fpath("repr32"));
	bad(args, "not exactly representable as f32");
	file("empty", "# nothing here\n\n");
	snprintf(args, sizeof args, "ref %s", fpath("empty"));
	bad(args, "no rows");
	bad("ref /nonexistent/rows.txt", "No such file");
	bad("ref /", "is a directory");
	bad("ref a b", "more than one");
	file("ragged", "1 2 3\n1 2\n");
	snprintf(args, sizeof args, "accuracy --input %s", fpath("ragged"));
	bad(args, "different lengths");
	bad("accuracy --input /nonexistent", "No such file");
	bad("list --output /nonexistent/dir/out.csv", "cannot write");
}

Test(cli, ref_prints_hex_floats)
{
	file("ok", "0 0 0 0\n1 -inf\nnan 1\n");
	char args[512];
	snprintf(args, sizeof args, "ref --dtype f32 %s", fpath("ok"));
	struct run r = smx(args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "0x1p-2 0x1p-2 0x1p-2 0x1p-2\n0x1p+0 0x0p+0\nundefined\n");
	snprintf(args, sizeof args, "ref --op lse --dtype f64 %s", fpath("ok"));
	r = smx(args);
	cr_expect_str_eq(r.out, "0x1.62e42fefa39efp+0\n0x1p+0\nundefined\n");
}

Test(cli, output_file_is_all_or_nothing)
{
	char args[512], path[300];
	snprintf(path, sizeof path, "%s.csv", fpath("list"));
	snprintf(args, sizeof args, "list --format csv --output %s", path);
	struct run r = smx(args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	FILE *f = fopen(path, "r");
	cr_assert(f);
	char head[64] = "";
	cr_expect(fgets(head, sizeof head, f) && !strncmp(head, "op,dtype,impl", 13));
	fclose(f);
	unlink(path);
}

/* The gate bites: a budget tighter than what the kernel does fails it. */
Test(cli, check_fails_on_a_regression)
{
	char args[1024], path[256];
	snprintf(path, sizeof path, "%s", fpath("base"));
	file("base",
	     "# a budget the shifted kernel cannot meet\n"
	     "softmax f32 shifted/scalar lm 1000 4 1 max_ulp=0.5 mean_ulp=100 sum_err_ulp=100 "
	     "bad_rows=0\n"
	     "softmax f32 naive/scalar uniform:-10,10 17 4 1 max_ulp=1000 mean_ulp=1000 "
	     "sum_err_ulp=1000 bad_rows=0\n");
	char junit[300];
	snprintf(junit, sizeof junit, "%.250s.xml", path);
	snprintf(args, sizeof args, "check --baseline %s --junit %s", path, junit);
	struct run r = smx(args);
	cr_expect_eq(r.status, 1, "exit %d: %s%s", r.status, r.out, r.err);
	cr_expect(strstr(r.out, "FAIL") && strstr(r.out, "max_ulp"), "%s", r.out);
	cr_expect(strstr(r.err, "1 passed, 1 failed"), "%s", r.err);
	FILE *f = fopen(junit, "r");
	cr_assert(f, "no JUnit file");
	char xml[4096] = "";
	size_t k = fread(xml, 1, sizeof xml - 1, f);
	xml[k] = 0;
	fclose(f);
	cr_expect(strstr(xml, "<failure") && strstr(xml, "tests=\"2\""), "%s", xml);
	unlink(junit);

	/* The same line with its measured budget passes. */
	snprintf(args, sizeof args, "check --baseline %s --update", path);
	r = smx(args);
	cr_expect_eq(r.status, 0, "%s", r.err);
	snprintf(args, sizeof args, "check --baseline %s", path);
	r = smx(args);
	cr_expect_eq(r.status, 0, "%s", r.out);
	f = fopen(path, "r");
	cr_assert(f);
	char first[128] = "";
	cr_expect(fgets(first, sizeof first, f) && first[0] == '#', "comment kept: %s", first);
	fclose(f);
}

Test(cli, check_bad_baselines)
{
	char args[512];
	bad("check", "--baseline");
	bad("check --baseline /nonexistent/base.txt", "No such file");
	file("b1", "softmax f32 shifted/scalar lm 1000\n");
	snprintf(args, sizeof args, "check --baseline %s", fpath("b1"));
	bad(args, ":1: expected 11 fields");
	file("b2",
	     "softmax f8 shifted/scalar lm 10 1 1 max_ulp=1 mean_ulp=1 sum_err_ulp=1 bad_rows=0\n");
	snprintf(args, sizeof args, "check --baseline %s", fpath("b2"));
	bad(args, "unknown dtype 'f8'");
	file(
	    "b3",
	    "softmax f32 shifted/scalar lm 10 1 1 max_ulp=x mean_ulp=1 sum_err_ulp=1 bad_rows=0\n");
	snprintf(args, sizeof args, "check --baseline %s", fpath("b3"));
	bad(args, "max_ulp=V");
	file("b4", "# only comments\n");
	snprintf(args, sizeof args, "check --baseline %s", fpath("b4"));
	bad(args, "no baseline lines");
}

/* An implementation this build does not have fails the check; with
 * --allow-missing it is skipped, not passed. */
Test(cli, check_skips_what_cannot_run)
{
	file("b5",
	     "softmax f32 nosuch/isa lm 10 1 1 max_ulp=1 mean_ulp=1 sum_err_ulp=1 bad_rows=0\n"
	     "softmax f32 shifted/scalar lm 10 1 1 max_ulp=100 mean_ulp=100 sum_err_ulp=100 "
	     "bad_rows=0\n");
	char args[512];
	snprintf(args, sizeof args, "check --baseline %s", fpath("b5"));
	struct run r = smx(args);
	cr_expect_eq(r.status, 1, "%s", r.err);
	snprintf(args, sizeof args, "check --baseline %s --allow-missing", fpath("b5"));
	r = smx(args);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "skipped") && strstr(r.err, "1 passed, 0 failed, 1 skipped"), "%s",
		  r.err);
}

Test(cli, backward_bad_input)
{
	char args[512];
	file("odd", "0 1 2\n1 1 1\n3 4 5\n");
	snprintf(args, sizeof args, "ref --op vjp %s", fpath("odd"));
	bad(args, "pairs");
	file("mism", "0 1 2\n1 1\n");
	snprintf(args, sizeof args, "ref --op vjp %s", fpath("mism"));
	bad(args, "g has 2 values, x has 3");
	bad("ref --op jacobian --from y", "--from");
	/* Options that would be ignored are refused, not dropped. */
	bad("ref --op softmax --from s --n 4 --rows 1", "takes x only");
	bad("accuracy --shape 2x3 --n 4", "--shape needs --input");
	bad("ref --op hessian", "hessian");
	bad("accuracy --op jacobian --n 10000", "would not fit");
	bad("perf --op jacobian --n 20000", "2^28");
}

Test(cli, backward_ref_prints_exact_values)
{
	file("pair", "0 0\n1 2\n");
	char args[512];
	snprintf(args, sizeof args, "ref --op vjp --dtype f32 %s", fpath("pair"));
	struct run r = smx(args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "-0x1p-2 0x1p-2\n"); /* s = 1/2: dx = s (g - 3/2) */
	file("jac", "0 0\n");
	snprintf(args, sizeof args, "ref --op jacobian --dtype f64 %s", fpath("jac"));
	r = smx(args);
	cr_expect_str_eq(r.out, "0x1p-2 -0x1p-2\n-0x1p-2 0x1p-2\n\n");
}

static void write_bytes(const char *name, const void *b, size_t len)
{
	FILE *f = fopen(fpath(name), "wb");
	cr_assert(f);
	fwrite(b, 1, len, f);
	fclose(f);
}

/* .npy and raw rows give the same answer as the same rows in text; bad
 * headers, wrong sizes and truncated files are refused. */
Test(cli, binary_rows)
{
	char args[600];
	/* (2, 3) float32 rows [0 1 2], [3 3 3] */
	static const char hdr[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
	unsigned char npy[128 + 24];
	size_t hl = sizeof hdr - 1 + 1, pad = (64 - (10 + hl) % 64) % 64;
	memcpy(npy, "\x93NUMPY\x01\x00", 8);
	npy[8] = (unsigned char)(hl + pad);
	npy[9] = 0;
	memcpy(npy + 10, hdr, sizeof hdr - 1);
	memset(npy + 10 + sizeof hdr - 1, ' ', pad);
	npy[10 + hl + pad - 1] = '\n';
	float vals[6] = {0, 1, 2, 3, 3, 3};
	memcpy(npy + 10 + hl + pad, vals, sizeof vals);
	size_t total = 10 + hl + pad + sizeof vals;
	write_bytes("rows.npy", npy, total);
	file("rows.txt", "0 1 2\n3 3 3\n");
	snprintf(args, sizeof args, "ref --dtype f32 %s", fpath("rows.npy"));
	struct run a = smx(args);
	snprintf(args, sizeof args, "ref --dtype f32 %s", fpath("rows.txt"));
	struct run b = smx(args);
	cr_expect_eq(a.status, 0, "%s", a.err);
	cr_expect_str_eq(a.out, b.out);
	write_bytes("rows.f32", vals, sizeof vals);
	snprintf(args, sizeof args, "ref --dtype f32 --shape 2x3 %s", fpath("rows.f32"));
	struct run c = smx(args);
	cr_expect_str_eq(c.out, b.out);
	/* ref --output .npy writes a loadable array: read it back. */
	char outp[300];
	snprintf(outp, sizeof outp, "%s.out.npy", fpath("rows"));
	snprintf(args, sizeof args, "ref --dtype f32 %s --output %s", fpath("rows.txt"), outp);
	cr_expect_eq(smx(args).status, 0);
	snprintf(args, sizeof args, "ref --op lse --dtype f32 %s", outp);
	cr_expect_eq(smx(args).status, 0, "written .npy reads back");
	unlink(outp);

	write_bytes("trunc.npy", npy, total - 5);
	snprintf(args, sizeof args, "ref --dtype f32 %s", fpath("trunc.npy"));
	bad(args, "data bytes");
	write_bytes("hdr.npy", npy, 20);
	snprintf(args, sizeof args, "ref --dtype f32 %s", fpath("hdr.npy"));
	bad(args, "header");
	write_bytes("magic.npy", "NOTNUMPY123456789", 17);
	snprintf(args, sizeof args, "ref %s", fpath("magic.npy"));
	bad(args, "magic");
	snprintf(args, sizeof args, "ref --dtype f32 %s", fpath("rows.f32"));
	bad(args, "--shape");
	snprintf(args, sizeof args, "ref --dtype f32 --shape 2x4 %s", fpath("rows.f32"));
	bad(args, "needs 32");
	snprintf(args, sizeof args, "ref --dtype f32 --shape 2y3 %s", fpath("rows.f32"));
	bad(args, "RxN");
}

/* Shards merge into exactly the unsharded output; threads change nothing. */
Test(cli, shards_and_threads, .timeout = 300)
{
	char args[2048], full[256], merged[256];
	snprintf(full, sizeof full, "%.200s.full.csv", fpath("acc"));
	snprintf(
	    args, sizeof args,
	    "accuracy --n 17,100 --rows 3 --dist 'lm;wide' --format csv --output %s --threads 1",
	    full);
	cr_assert_eq(smx(args).status, 0);
	char parts[3][256];
	for (int k = 1; k <= 3; k++) {
		snprintf(parts[k - 1], sizeof parts[k - 1], "%.200s.%d.csv", fpath("acc"), k);
		snprintf(args, sizeof args,
			 "--threads 2 accuracy --n 17,100 --rows 3 --dist 'lm;wide' --format csv "
			 "--shard %d/3 "
			 "--output %s",
			 k, parts[k - 1]);
		cr_assert_eq(smx(args).status, 0);
	}
	snprintf(merged, sizeof merged, "%.200s.merged.csv", fpath("acc"));
	snprintf(args, sizeof args, "merge %s %s %s --output %s", parts[2], parts[0], parts[1],
		 merged);
	struct run r = smx(args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect(smx_test_same_file(full, merged), "merged shards differ from the unsharded run");
	snprintf(args, sizeof args, "merge %s %s", parts[0], parts[1]);
	bad(args, "2 of 3 shards");
	snprintf(args, sizeof args, "merge %s %s", parts[0], parts[0]);
	bad(args, "given twice");
	bad("accuracy --shard 4/3", "--shard");
	bad("accuracy --shard 1/2", "--format csv");
	bad("--threads 0 list", "--threads");
	for (int k = 0; k < 3; k++)
		unlink(parts[k]);
	unlink(full);
	unlink(merged);
}

/* Interrupted mid-sweep, smx leaves neither the output nor its temporary. */
Test(cli, interrupt_leaves_nothing, .timeout = 300)
{
	char *argv[] = {(char *)SMX_BIN, "accuracy", "--n",	 "65536",   "--rows", "64",
			"--dtype",	 "f64",	     "--output", "out.csv", NULL};
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (chdir(dir) || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	sleep(1);
	kill(pid, SIGINT);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT, "not ended by SIGINT: 0x%x", st);
	DIR *d = opendir(dir);
	cr_assert(d);
	struct dirent *e;
	while ((e = readdir(d)))
		cr_expect(!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."),
			  "%s left behind in %s", e->d_name, dir);
	closedir(d);
}
