/* smx hunt: the regression corpus holds for every built-in claim; the
 * planted-bug plug-ins of tests/mutants are caught, the controls are not;
 * today's twopass and accurate kernels (frozen there) are caught within
 * 60 s. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

extern char **environ;

/* Run smx with args (NULL-terminated); stdout into out. The exit status,
 * or -1 when it did not exit. */
static int run(const char *const *args, char *out, size_t outlen)
{
	char path[] = "/tmp/smx-hunt-test-XXXXXX";
	int fd = mkstemp(path);
	cr_assert(fd >= 0, "mkstemp");
	unlink(path);
	const char *argv[64] = {SMX_BIN};
	size_t k = 1;
	while (*args && k < 63)
		argv[k++] = *args++;
	argv[k] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	pid_t pid;
	int rc = posix_spawn(&pid, SMX_BIN, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0, "cannot start %s", SMX_BIN);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	ssize_t got = pread(fd, out, outlen - 1, 0);
	out[got > 0 ? got : 0] = 0;
	close(fd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t count(const char *s, const char *what)
{
	size_t k = 0;
	for (const char *p = s; (p = strstr(p, what)); p++)
		k++;
	return k;
}

static char out[1 << 20];

/* Every row found so far, against every claim and policy of every
 * built-in entry that this CPU runs. */
Test(hunt, corpus_holds_for_every_builtin, .timeout = 300)
{
	const char *a[] = {
	    "hunt", "--op", "all", "--dtype", "all", "--input", SMX_TESTDATA "/hunt_corpus.txt",
	    NULL};
	int rc = run(a, out, sizeof out);
	cr_expect_eq(rc, 0, "%s", out);
	cr_expect_eq(count(out, "VIOLATION"), 0, "%s", out);
	cr_expect_gt(count(out, ": ok: "), 100, "%s", out);
}

/* Rows that break the frozen kernels: each one must still break them
 * (the fixed built-in kernels pass them: hunt_corpus.txt holds them). */
Test(hunt, today_rows_break_today_kernels, .timeout = 120)
{
	const char *tw[] = {"--plugin",
			    SMX_MUTANTS "/twopass_today.so",
			    "hunt",
			    "--op",
			    "softmax",
			    "--dtype",
			    "all",
			    "--impl",
			    "twopass_today/avx2",
			    "--bound",
			    "8,1",
			    "--input",
			    SMX_TESTDATA "/hunt_today_twopass.txt",
			    NULL};
	cr_expect_eq(run(tw, out, sizeof out), 1, "%s", out);
	cr_expect_eq(count(out, ": ok: "), 0, "%s", out);
	cr_expect_geq(count(out, "VIOLATION"), 2, "%s", out);
	const char *ac[] = {"--plugin",
			    SMX_MUTANTS "/accurate_today.so",
			    "hunt",
			    "--op",
			    "softmax",
			    "--dtype",
			    "all",
			    "--impl",
			    "accurate_today/avx2",
			    "--input",
			    SMX_TESTDATA "/hunt_today_accurate.txt",
			    NULL};
	cr_expect_eq(run(ac, out, sizeof out), 1, "%s", out);
	cr_expect_eq(count(out, ": ok: "), 0, "%s", out);
	cr_expect_geq(count(out, "VIOLATION"), 2, "%s", out);
}

/* One hunt of a plug-in entry; expect 1 (caught) or 0 (not flagged). */
static void hunt_one(const char *so, const char *name, const char *op, const char *seconds,
		     int expect)
{
	char plugin[512];
	snprintf(plugin, sizeof plugin, "%s/%s.so", SMX_MUTANTS, so);
	const char *a[] = {"--threads", "2", "--plugin", plugin, "hunt",      "--impl", name,
			   "--op",	op,  "--dtype",	 "f32",	 "--seconds", seconds,	NULL};
	int rc = run(a, out, sizeof out);
	cr_expect_eq(rc, expect, "%s: exit %d\n%s", name, rc, out);
	if (expect)
		cr_expect(strstr(out, "VIOLATION") && strstr(out, "replay: smx --plugin"), "%s: %s",
			  name, out);
}

/* One bug each (see each file's header); the numeric ones and the
 * aliasing one are hunt's to catch. (ftz_fastmath changes the FP
 * environment when loaded: the runner names that before any row runs,
 * tests/test_vet.c.) */
Test(hunt, catches_the_planted_bugs, .timeout = 300)
{
	static const char *const m[] = {"tail_pad",	   "max_skip_last", "policy_lie",
					"flush_subnormal", "block_factor",  "small_n",
					"index_shift",	   "alias_inplace"};
	for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
		char name[64];
		snprintf(name, sizeof name, "%s/scalar", m[i]);
		hunt_one(m[i], name, "softmax", "10", 1);
	}
	hunt_one("vjp_sign", "vjp_sign/scalar", "vjp", "10", 1);
}

/* Other summation orders are not bugs. */
Test(hunt, controls_are_not_flagged, .timeout = 120)
{
	hunt_one("ctl_reverse", "ctl_reverse/scalar", "softmax", "4", 0);
	hunt_one("ctl_kahan", "ctl_kahan/scalar", "softmax", "4", 0);
}

/* Today's kernels with today's claims (twopass: 8 + n ulp within 1e6 /
 * 2^40, given in full since ABI 1 declares only the constant). */
Test(hunt, finds_today_twopass, .timeout = 200)
{
	const char *f32[] = {"--threads",
			     "2",
			     "--plugin",
			     SMX_MUTANTS "/twopass_today.so",
			     "hunt",
			     "--impl",
			     "twopass_today/avx2",
			     "--op",
			     "softmax",
			     "--dtype",
			     "f32",
			     "--bound",
			     "8,1",
			     "--domain",
			     "1e6",
			     "--seconds",
			     "60",
			     NULL};
	cr_expect_eq(run(f32, out, sizeof out), 1, "%s", out);
	const char *f64[] = {"--threads",
			     "2",
			     "--plugin",
			     SMX_MUTANTS "/twopass_today.so",
			     "hunt",
			     "--impl",
			     "twopass_today/avx2",
			     "--op",
			     "softmax",
			     "--dtype",
			     "f64",
			     "--bound",
			     "8,1",
			     "--domain",
			     "0x1p40",
			     "--seconds",
			     "60",
			     NULL};
	cr_expect_eq(run(f64, out, sizeof out), 1, "%s", out);
}

/* The 60 s are a claim about the plain build: under the sanitizers every
 * evaluation is slower (today_rows_break_today_kernels still runs). */
#if defined(__SANITIZE_ADDRESS__)
#define SMX_TIMED_SEARCH 0
#else
#define SMX_TIMED_SEARCH 1
#endif

Test(hunt, finds_today_accurate, .timeout = 200)
{
	if (!SMX_TIMED_SEARCH)
		cr_skip_test("a timed search: the plain build runs it");
	const char *a[] = {"--threads",
			   "2",
			   "--plugin",
			   SMX_MUTANTS "/accurate_today.so",
			   "hunt",
			   "--impl",
			   "accurate_today/avx2",
			   "--op",
			   "softmax",
			   "--dtype",
			   "f32",
			   "--seconds",
			   "60",
			   NULL};
	cr_expect_eq(run(a, out, sizeof out), 1, "%s", out);
}

Test(hunt, bad_input_exits_2)
{
	const char *a[] = {"hunt", "--impl", "shifted/scalar",	"--dtype",
			   "f32",  "--row",  "1 0x1.0000001p0", NULL};
	cr_expect_eq(run(a, out, sizeof out), 2);
	const char *b[] = {"hunt", "--seconds", "-1", NULL};
	cr_expect_eq(run(b, out, sizeof out), 2);
	const char *c[] = {"hunt",   "--op",	     "vjp",   "--dtype", "f32",
			   "--impl", "fused/scalar", "--row", "0.5 0.5", NULL};
	cr_expect_eq(run(c, out, sizeof out), 2);
	const char *d[] = {"hunt", "--row", "1*0", NULL};
	cr_expect_eq(run(d, out, sizeof out), 2);
}

/* The replay line runs as printed: a planted bug's reproducer replays to
 * the same violation, and a row within the claim to ok. */
Test(hunt, replay_exit_status)
{
	const char *bad[] = {"--plugin",
			     SMX_MUTANTS "/small_n.so",
			     "hunt",
			     "--impl",
			     "small_n/scalar",
			     "--dtype",
			     "f32",
			     "--op",
			     "softmax",
			     "--row",
			     "0 -0x1.4p+4",
			     NULL};
	cr_expect_eq(run(bad, out, sizeof out), 1, "%s", out);
	const char *ok[] = {"--plugin",
			    SMX_MUTANTS "/small_n.so",
			    "hunt",
			    "--impl",
			    "small_n/scalar",
			    "--dtype",
			    "f32",
			    "--op",
			    "softmax",
			    "--row",
			    "0*3 -0x1.4p+4",
			    NULL};
	cr_expect_eq(run(ok, out, sizeof out), 0, "%s", out);
}
