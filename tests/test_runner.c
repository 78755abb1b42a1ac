/* The plug-in runner: misbehaving plug-ins (crash, exit, hang, writes out
 * of bounds, OpenMP, FP environment) become one line naming the entry and
 * exit 1; the runner API that vet uses; --timeout and signals; thread
 * creation failing; plug-in ABI 2. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "plugin.h"
#include "runner.h"

static char out[1 << 16], err[1 << 14];
static double elapsed_s;

static void slurp(int fd, char *buf, size_t len)
{
	size_t k = 0;
	ssize_t got;
	lseek(fd, 0, SEEK_SET);
	while (k + 1 < len && (got = read(fd, buf + k, len - 1 - k)) > 0)
		k += (size_t)got;
	buf[k] = 0;
	close(fd);
}

/* Run smx with args (NULL-terminated, without argv[0]) in directory dir
 * (NULL: here) with an address-space limit in bytes (0: none); stdout and
 * stderr land in out and err. Returns the exit status, or 128 + signal. */
static int run_in(const char *dir, size_t as_limit, const char *const *args)
{
	char o[] = "/tmp/smx-runner-outXXXXXX", e[] = "/tmp/smx-runner-errXXXXXX";
	int fo = mkstemp(o), fe = mkstemp(e);
	cr_assert(fo >= 0 && fe >= 0);
	unlink(o);
	unlink(e);
	const char *argv[64] = {SMX_BIN};
	size_t k = 1;
	for (; args[k - 1]; k++)
		argv[k] = args[k - 1];
	argv[k] = NULL;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		dup2(nul, 0);
		dup2(fo, 1);
		dup2(fe, 2);
		if (dir && chdir(dir))
			_exit(126);
		if (as_limit) {
			struct rlimit rl = {as_limit, as_limit}, st = {8 << 20, 8 << 20};
			setrlimit(RLIMIT_STACK, &st);
			setrlimit(RLIMIT_AS, &rl);
		}
		execv(SMX_BIN, (char *const *)argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		cr_assert_eq(errno, EINTR);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	elapsed_s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
	slurp(fo, out, sizeof out);
	slurp(fe, err, sizeof err);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run(const char *const *args)
{
	return run_in(NULL, 0, args);
}

/* Exactly one "smx: " line on stderr (peer notes aside), and it contains
 * every needle. */
static void one_line(const char *const *needles)
{
	int lines = 0;
	const char *line = NULL;
	for (const char *p = err; *p;) {
		if (!strncmp(p, "smx: ", 5)) {
			lines++;
			line = p;
		}
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	cr_expect_eq(lines, 1, "one smx line: %s", err);
	for (; line && *needles; needles++)
		cr_expect(strstr(line, *needles), "'%s' not in: %s", *needles, err);
}

#define P(name) SMX_PLUGINS "/" name ".so"

/* Each misbehaving entry: accuracy and perf end with exit 1 and one line
 * naming the entry and what happened. */
static void misbehaves(const char *plugin, const char *entry, const char *what)
{
	const char *acc[] = {"--timeout", "1",	     "--plugin", plugin,     "accuracy", "--op",
			     "softmax",	  "--dtype", "f32",	 "--impl",   entry,	 "--n",
			     "8,16,32",	  "--rows",  "4",	 "--format", "csv",	 NULL};
	int st = run(acc);
	cr_expect_eq(st, 1, "accuracy %s: exit %d: %s", entry, st, err);
	one_line((const char *const[]){entry, what, NULL});
	cr_expect(elapsed_s < 20, "%s took %g s", entry, elapsed_s);
	const char *perf[] = {"--timeout",     "1",	  "--plugin", plugin,	    "perf",
			      "--op",	       "softmax", "--dtype",  "f32",	    "--impl",
			      entry,	       "--n",	  "64",	      "--min-time", "0.01",
			      "--repetitions", "3",	  NULL};
	st = run(perf);
	cr_expect_eq(st, 1, "perf %s: exit %d: %s", entry, st, err);
	one_line((const char *const[]){entry, what, "perf", NULL});
}

Test(runner, a_crash_is_a_verdict_on_the_entry)
{
	misbehaves(P("crash"), "crash/scalar", "crashed (signal 11");
}

Test(runner, a_write_past_the_output_is_caught)
{
	misbehaves(P("overrun"), "over/scalar", "crashed (signal 11");
}

Test(runner, a_crash_on_the_third_call_is_caught)
{
	misbehaves(P("third_call"), "third/scalar", "crashed (signal 11");
}

Test(runner, a_hang_times_out, .timeout = 60)
{
	misbehaves(P("hang"), "hang/scalar", "did not return within 1 s");
}

/* exit(0) inside the plug-in: exit 1, and no output nor temporary file is
 * left in the output's directory. */
Test(runner, an_exit_is_a_verdict_and_leaves_no_file)
{
	misbehaves(P("exit0"), "exit/scalar", "exit status 0");
	char dir[] = "/tmp/smx-runner-dirXXXXXX";
	cr_assert(mkdtemp(dir));
	const char *acc[] = {"--plugin", P("exit0"), "accuracy", "--op",	"softmax",
			     "--dtype",	 "f32",	     "--impl",	 "exit/scalar", "--n",
			     "8",	 "--output", "acc.csv",	 NULL};
	int st = run_in(dir, 0, acc);
	cr_expect_eq(st, 1, "exit %d: %s", st, err);
	DIR *d = opendir(dir);
	cr_assert(d);
	struct dirent *de;
	int files = 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			cr_expect(0, "left behind: %s", de->d_name);
			char p[512];
			snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
			unlink(p);
			files++;
		}
	closedir(d);
	rmdir(dir);
	cr_expect_eq(files, 0);
}

/* A plug-in with its own OpenMP parallel loop, while smx runs OpenMP
 * threads of its own: a fork of smx would deadlock here. */
Test(runner, an_openmp_plugin_does_not_deadlock, .timeout = 60)
{
	const char *acc[] = {"--threads",   "2",	"--timeout",  "20",	 "--plugin",
			     P("omp_rows"), "accuracy", "--op",	      "softmax", "--dtype",
			     "f32",	    "--impl",	"omp/scalar", "--n",	 "8,16",
			     "--rows",	    "8",	"--format",   "csv",	 NULL};
	int st = run(acc);
	cr_expect_eq(st, 0, "exit %d: %s", st, err);
	cr_expect(strstr(out, "\nomp/scalar,softmax,f32"), "%s", out);
	/* perf's timing loop in the runner, also on rows split across threads. */
	const char *perf[] = {"--threads",     "2",	 "--timeout", "20",	    "--plugin",
			      P("omp_rows"),   "perf",	 "--impl",    "omp/scalar", "--n",
			      "256",	       "--rows", "64",	      "--min-time", "0.01",
			      "--repetitions", "3",	 "--format",  "csv",	    NULL};
	st = run(perf);
	cr_expect_eq(st, 0, "exit %d: %s", st, err);
	cr_expect(strstr(out, "\nomp/scalar,softmax,f32,256") &&
		      strstr(out, "\nomp/scalar x2,softmax,f32,256"),
		  "%s", out);
}

/* A call that changes the rounding mode is named; so is a plug-in whose
 * loading sets FTZ/DAZ (-ffast-math); the built-ins' numbers do not
 * change with that plug-in loaded. */
Test(runner, fp_environment_changes_are_named)
{
	const char *up[] = {"--plugin",	     P("rounding"), "accuracy", "--op",
			    "softmax",	     "--dtype",	    "f64",	"--impl",
			    "upward/scalar", "--n",	    "8",	NULL};
	int st = run(up);
	cr_expect_eq(st, 1, "exit %d: %s", st, err);
	one_line(
	    (const char *const[]){"upward/scalar", "changed the FP environment", "rounding", NULL});
	const char *fast[] = {"--plugin",    P("fastmath"), "accuracy", "--op",
			      "softmax",     "--dtype",	    "f32",	"--impl",
			      "fast/scalar", "--n",	    "8",	NULL};
	st = run(fast);
	cr_expect_eq(st, 1, "exit %d: %s", st, err);
	one_line((const char *const[]){"fast/scalar", "loading its plug-in changed", "FTZ", "DAZ",
				       NULL});
}

Test(runner, a_fast_math_plugin_leaves_the_builtins_alone)
{
	static char plain[1 << 16];
	const char *a[] = {"accuracy",
			   "--op",
			   "softmax",
			   "--dtype",
			   "f32",
			   "--n",
			   "1000",
			   "--rows",
			   "16",
			   "--dist",
			   "wide",
			   "--impl",
			   "shifted/scalar,accurate/avx2",
			   "--format",
			   "csv",
			   NULL};
	cr_assert_eq(run(a), 0, "%s", err);
	memcpy(plain, out, sizeof plain);
	const char *b[] = {
	    "--plugin", P("fastmath"), "accuracy", "--op",   "softmax",
	    "--dtype",	"f32",	       "--n",	   "1000",   "--rows",
	    "16",	"--dist",      "wide",	   "--impl", "shifted/scalar,accurate/avx2",
	    "--format", "csv",	       NULL};
	cr_assert_eq(run(b), 0, "%s", err);
	/* Same rows, measured alike (the command line differs only outside
	 * the CSV's measurement columns: compare up to mean_ulp). */
	char *p = plain, *q = out;
	int rows = 0;
	for (;;) {
		char *pn = strchr(p, '\n'), *qn = strchr(q, '\n');
		if (!pn || !qn)
			break;
		size_t cp = 0, cq = 0;
		for (int c = 0; c < 9; c++) {
			cp += strcspn(p + cp, ",\n") + 1;
			cq += strcspn(q + cq, ",\n") + 1;
		}
		cr_expect(cp == cq && !memcmp(p, q, cp), "%.*s\nvs\n%.*s", (int)(pn - p), p,
			  (int)(qn - q), q);
		rows++;
		p = pn + 1;
		q = qn + 1;
	}
	cr_expect_eq(rows, 3, "%s", out);
}

static int children_left(void)
{
	for (int i = 0; i < 300; i++) {
		pid_t p = waitpid(-1, NULL, WNOHANG);
		if (p < 0 && errno == ECHILD)
			return 0;
		if (p == 0) {
			struct timespec ts = {0, 10000000};
			nanosleep(&ts, NULL);
		}
	}
	return 1;
}

/* Kill every process this test adopted (a runner left behind). */
static void kill_adopted(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char p[300], buf[512];
		snprintf(p, sizeof p, "/proc/%s/stat", de->d_name);
		FILE *f = fopen(p, "r");
		if (!f)
			continue;
		int pid, ppid;
		char state;
		const char *rp = fgets(buf, sizeof buf, f) ? strrchr(buf, ')') : NULL;
		if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid() &&
		    sscanf(de->d_name, "%d", &pid) == 1)
			kill(pid, SIGKILL);
		fclose(f);
	}
	if (d)
		closedir(d);
	while (waitpid(-1, NULL, 0) > 0)
		;
}

/* SIGTERM while a plug-in hangs: smx ends, and so does its runner (no
 * orphan spinning on). This process adopts orphans, so a runner that
 * outlived smx would show up here. */
Test(runner, a_signal_ends_the_runner_too, .timeout = 60)
{
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	const char *argv[] = {SMX_BIN,	  "--timeout",	 "30",	    "--plugin", P("hang"),
			      "accuracy", "--op",	 "softmax", "--dtype",	"f32",
			      "--impl",	  "hang/scalar", "--n",	    "8",	NULL};
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 1);
		dup2(nul, 2);
		execv(SMX_BIN, (char *const *)argv);
		_exit(127);
	}
	struct timespec ts = {1, 500000000};
	nanosleep(&ts, NULL);
	kill(pid, SIGTERM);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %d", st);
	int left = children_left();
	if (left)
		kill_adopted();
	cr_expect_eq(left, 0, "the runner outlived smx");
}

/* Threads that cannot be created (address space limited): exit 2 with one
 * smx line, not libgomp's message and exit 1. One thread still runs. */
Test(runner, thread_creation_failing_is_bad_input)
{
#if defined(__SANITIZE_ADDRESS__)
	cr_skip_test("AddressSanitizer needs more address space than the limit leaves");
#else
	const char *t64[] = {"--threads", "64",	    "accuracy",	      "--op", "softmax", "--dtype",
			     "f32",	  "--impl", "shifted/scalar", "--n",  "8",	 "--rows",
			     "64",	  NULL};
	int st = run_in(NULL, (size_t)200 << 20, t64);
	cr_expect_eq(st, 2, "exit %d: %s", st, err);
	one_line((const char *const[]){"--threads 64", "cannot start", NULL});
	cr_expect(!strstr(err, "libgomp"), "%s", err);
	const char *t1[] = {"--threads", "1",	   "accuracy",	     "--op", "softmax", "--dtype",
			    "f32",	 "--impl", "shifted/scalar", "--n",  "8",	"--rows",
			    "64",	 NULL};
	st = run_in(NULL, (size_t)200 << 20, t1);
	cr_expect_eq(st, 0, "one thread under the same limit: exit %d: %s", st, err);
#endif
}

Test(runner, timeout_option_is_checked)
{
	const char *bad[] = {"--timeout", "0", "list", NULL};
	cr_expect_eq(run(bad), 2, "%s", err);
	one_line((const char *const[]){"--timeout", NULL});
	const char *nan_[] = {"--timeout=abc", "list", NULL};
	cr_expect_eq(run(nan_), 2, "%s", err);
}

/* ---- The API vet uses, in this process ---- */

static void load_plugins(void)
{
	char *argv[] = {"smx-tests",	 "--plugin", P("overrun"),  "--plugin", P("rounding"),
			"--plugin",	 P("hang"),  "--plugin",    P("exit0"), "--plugin",
			P("third_call"), "--plugin", P("fastmath"), NULL};
	smx_plugins_from_argv(13, argv);
	smx_runner_set_exe(SMX_BIN);
}

static const struct smx_impl *entry(smx_op op, smx_dtype dt, const char *name)
{
	const struct smx_impl *im = smx_registry_find(op, dt, name);
	cr_assert(im, "%s", name);
	return im;
}

static void fill(float *x, size_t count)
{
	for (size_t i = 0; i < count; i++)
		x[i] = (float)sin((double)i) * 5;
}

/* A built-in through the runner, in every placement, in place and
 * unaligned: the same bits as called here. */
Test(runner_api, builtins_run_alike_in_every_placement)
{
	load_plugins();
	const struct smx_impl *im = entry(SMX_OP_SOFTMAX, SMX_F32, "shifted/scalar");
	enum { R = 3, N = 37 };
	float x[R * N], want[R * N], got[R * N];
	fill(x, R * N);
	smx_impl_run(im, x, NULL, want, R, N);
	const struct smx_run_opts cases[] = {
	    {.guard = SMX_GUARD_AFTER},
	    {.guard = SMX_GUARD_BEFORE},
	    {.guard = SMX_GUARD_AFTER, .misalign = 4},
	    {.guard = SMX_GUARD_BEFORE, .misalign = 4},
	    {.in_place = 1},
	    {.guard = SMX_GUARD_BEFORE, .in_place = 1, .misalign = 8},
	};
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		struct smx_run_result r;
		memset(got, 0, sizeof got);
		cr_assert_eq(smx_runner_call(im, x, NULL, got, R, N, &cases[c], &r), 0);
		cr_expect_eq(r.status, SMX_RUN_OK, "case %zu: %s", c, smx_run_describe(&r));
		cr_expect(!memcmp(got, want, sizeof got), "case %zu: outputs differ", c);
	}
	struct smx_run_opts bad = {.in_place = 2};
	struct smx_run_result r;
	cr_expect_eq(smx_runner_call(im, x, NULL, got, R, N, &bad, &r), -1);
	const struct smx_impl *jac = smx_registry_find(SMX_OP_JACOBIAN, SMX_F32, "naive/scalar");
	if (jac) {
		struct smx_run_opts inplace = {.in_place = 1};
		cr_expect_eq(smx_runner_call(jac, x, NULL, got, 1, 4, &inplace, &r), -1);
	}
}

/* Two-input ops: out of place and in place on either input. */
Test(runner_api, two_input_ops_run_alike)
{
	load_plugins();
	const struct smx_impl *im = entry(SMX_OP_VJP, SMX_F64, "fused/scalar");
	enum { N = 29 };
	double s[N], g[N], want[N], got[N], sum = 0;
	for (int i = 0; i < N; i++) {
		s[i] = exp(sin((double)i));
		sum += s[i];
		g[i] = cos((double)i);
	}
	for (int i = 0; i < N; i++)
		s[i] /= sum;
	smx_impl_run(im, s, g, want, 1, N);
	for (int ip = 0; ip <= 2; ip++) {
		struct smx_run_opts o = {.in_place = ip, .guard = SMX_GUARD_BEFORE, .misalign = 8};
		struct smx_run_result r;
		cr_assert_eq(smx_runner_call(im, s, g, got, 1, N, &o, &r), 0);
		cr_expect_eq(r.status, SMX_RUN_OK, "in_place %d: %s", ip, smx_run_describe(&r));
		cr_expect(!memcmp(got, want, sizeof got), "in_place %d: outputs differ", ip);
	}
}

/* Guards after catch writes past the end; guards before catch writes
 * before the start; each placement misses the other's case. */
Test(runner_api, guard_placements)
{
	load_plugins();
	enum { N = 40 };
	float x[N], y[N];
	fill(x, N);
	struct smx_run_result r;
	const struct smx_run_opts after = {.guard = SMX_GUARD_AFTER},
				  before = {.guard = SMX_GUARD_BEFORE};
	const struct smx_impl *over = entry(SMX_OP_SOFTMAX, SMX_F32, "over/scalar"),
			      *under = entry(SMX_OP_SOFTMAX, SMX_F32, "under/scalar");
	smx_runner_call(over, x, NULL, y, 1, N, &after, &r);
	cr_expect(r.status == SMX_RUN_CRASH && r.code == SIGSEGV, "%s", smx_run_describe(&r));
	smx_runner_call(under, x, NULL, y, 1, N, &before, &r);
	cr_expect(r.status == SMX_RUN_CRASH && r.code == SIGSEGV, "%s", smx_run_describe(&r));
	smx_runner_call(under, x, NULL, y, 1, N, &after, &r);
	cr_expect_eq(r.status, SMX_RUN_OK, "%s", smx_run_describe(&r));
}

/* Statuses: exit, timeout, crash on the third call, FP environment; the
 * runner comes back after each, and built-ins keep their numbers. */
Test(runner_api, statuses_and_recovery, .timeout = 60)
{
	load_plugins();
	enum { N = 16 };
	float x[N], y[N], want[N];
	double xd[N], yd[N];
	fill(x, N);
	for (int i = 0; i < N; i++)
		xd[i] = x[i];
	const struct smx_impl *ref = entry(SMX_OP_SOFTMAX, SMX_F32, "shifted/scalar");
	smx_impl_run(ref, x, NULL, want, 1, N);
	struct smx_run_result r;
	smx_runner_call(entry(SMX_OP_SOFTMAX, SMX_F32, "exit/scalar"), x, NULL, y, 1, N, NULL, &r);
	cr_expect(r.status == SMX_RUN_EXIT && r.code == 0, "%s", smx_run_describe(&r));
	struct smx_run_opts quick = {.timeout_s = 0.5};
	/* The spinning runner's CPU time counts in the runners' clock (the
	 * effort budget of smx hunt), though it is killed and reaped. */
	double cpu0 = smx_runner_cpu_ms();
	smx_runner_call(entry(SMX_OP_SOFTMAX, SMX_F32, "hang/scalar"), x, NULL, y, 1, N, &quick,
			&r);
	cr_expect_eq(r.status, SMX_RUN_TIMEOUT, "%s", smx_run_describe(&r));
	cr_expect_gt(smx_runner_cpu_ms() - cpu0, 1, "the runner's spin is not in its CPU time");
	const struct smx_impl *third = entry(SMX_OP_SOFTMAX, SMX_F32, "third/scalar");
	for (int k = 1; k <= 3; k++) {
		smx_runner_call(third, x, NULL, y, 1, N, NULL, &r);
		cr_expect_eq(r.status, k < 3 ? SMX_RUN_OK : SMX_RUN_CRASH, "call %d: %s", k,
			     smx_run_describe(&r));
	}
	smx_runner_call(entry(SMX_OP_SOFTMAX, SMX_F64, "upward/scalar"), xd, NULL, yd, 1, N, NULL,
			&r);
	cr_expect(r.status == SMX_RUN_FPENV && !r.fpenv_at_load && (r.mxcsr & 0x6000) == 0x4000,
		  "%s", smx_run_describe(&r));
	smx_runner_call(entry(SMX_OP_SOFTMAX, SMX_F32, "fast/scalar"), x, NULL, y, 1, N, NULL, &r);
	cr_expect(r.status == SMX_RUN_FPENV && r.fpenv_at_load && (r.mxcsr & 0x8040) == 0x8040,
		  "%s", smx_run_describe(&r));
	/* After all that, a built-in in the runner: the state was restored. */
	smx_runner_call(ref, x, NULL, y, 1, N, NULL, &r);
	cr_expect_eq(r.status, SMX_RUN_OK, "%s", smx_run_describe(&r));
	cr_expect(!memcmp(y, want, sizeof y));
	/* And here: loading the -ffast-math plug-in left this process's
	 * environment at the default. */
	struct smx_fpenv e;
	smx_fpenv_get(&e);
	cr_expect(smx_fpenv_is_default(&e), "MXCSR 0x%x", e.mxcsr);
}

/* ---- Plug-in ABI 2 ---- */

Test(abi2, full_bounds_and_growing_entries_load)
{
	const char *a[] = {"--plugin",	   P("mysoftmax"), "--plugin", P("mysoftmax2"), "--plugin",
			   P("abi2_tail"), "list",	   "--format", "csv",		NULL};
	cr_assert_eq(run(a), 0, "%s", err);
	cr_expect(strstr(out, "softmax,f32,mine/scalar,mine,scalar,plugin,yes,2 ulp,"), "%s", out);
	cr_expect(strstr(out, "softmax,f32,bounded/scalar,bounded,scalar,plugin,yes,0.51+"), "%s",
		  out);
	cr_expect(strstr(out, "softmax,f64,tail/one,tail,one,plugin,yes,3+0.5n ulp for "
			      "|x|<=700,"),
		  "%s", out);
	cr_expect(strstr(out, "logsoftmax,f64,tail/two,tail,two,plugin,yes,\"4 u*max(1,|y|)\""),
		  "%s", out);
	const char *acc[] = {"--plugin", P("mysoftmax2"), "accuracy", "--op",		"softmax",
			     "--dtype",	 "f32",		  "--impl",   "bounded/scalar", "--n",
			     "1000",	 "--rows",	  "8",	      "--format",	"csv",
			     NULL};
	cr_expect_eq(run(acc), 0, "%s", err);
	cr_expect(strstr(out, "\nbounded/scalar,softmax,f32"), "%s", out);
}

static void refused(const char *plugin, const char *needle)
{
	const char *a[] = {"--plugin", plugin, "list", NULL};
	int st = run(a);
	cr_expect_eq(st, 2, "%s: exit %d: %s", plugin, st, err);
	one_line((const char *const[]){needle, NULL});
	cr_expect_eq(out[0], 0, "no output: %s", out);
}

Test(abi2, bad_entries_are_refused)
{
	refused(P("abi2_size"), "size 0 is not an entry's size");
	refused(P("abi2_future"), "entry 1 uses fields this smx does not know");
	refused(P("abi2_kind"), "bound kind 'cond' does not apply to softmax");
	refused(P("bad_abi"), "ABI version 42");
	refused(P("abi2_recipe_bad"), "recipe 'bf16>f64>f32' is not f32>compute>output");
}

/* Whether the CSV line of `smx list` that starts with head has the field
 * recipe (a missing column or a wrong default fails). */
static int listed_recipe(const char *csv, const char *head, const char *recipe)
{
	const char *l = strstr(csv, head);
	if (!l)
		return 0;
	char line[1024], want[64];
	l += *l == '\n';
	size_t len = strcspn(l, "\n");
	snprintf(line, sizeof line, "%.*s", (int)len, l);
	snprintf(want, sizeof want, ",%s,", recipe);
	return strstr(line, want) != NULL;
}

/* The recipe column: a declared recipe as declared, none as the dtype
 * throughout, and an entry built before the field existed loads. */
Test(abi2, recipes_are_listed)
{
	const char *a[] = {"--plugin", P("abi2_recipe"), "--plugin", P("abi2_v1"),
			   "list",     "--format",	 "csv",	     NULL};
	cr_assert_eq(run(a), 0, "%s", err);
	cr_expect(listed_recipe(out, "softmax,f32,wide/scalar,", "f32>f64>f32"), "%s", out);
	cr_expect(listed_recipe(out, "softmax,f32,plain/scalar,", "f32>f32>f32"), "%s", out);
	cr_expect(listed_recipe(out, "softmax,f32,older/scalar,", "f32>f32>f32"), "%s", out);
	cr_expect(listed_recipe(out, "\nsoftmax,f64,shifted/scalar,", "f64>f64>f64"), "%s", out);
	cr_expect(!listed_recipe(out, "softmax,f32,wide/scalar,", "f32>f32>f32"), "%s", out);
}
