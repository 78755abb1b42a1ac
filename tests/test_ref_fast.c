/* The reference's fast path (reference/ref_fast.c): identical to the MPFR
 * path, its exp within its stated bound, long rows split across threads
 * alike. `make ref-identity` runs the identity on 10^8 values; here a
 * 10^6-value prefix of the same sweep. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string.h>

#include <criterion/criterion.h>
#include <mpfr.h>
#include <omp.h>

#include "dtype.h"
#include "ref_identity.h"
#include "metrics.h"
#include "ref_internal.h"

Test(ref_fast, identical_to_mpfr_on_a_million_values, .timeout = 600)
{
	struct ident id = {0};
	ident_run(&id, 1000000, 1, SMX_TESTDATA "/ref_hard.txt", NULL);
	cr_expect_geq(id.values, 1000000);
	cr_expect_eq(id.mismatches, 0, "%llu of %llu differ; first: %s", id.mismatches, id.values,
		     id.first);
	/* the fast path decides most values, and leaves some to MPFR (the
	 * hard rows) */
	cr_expect(id.fell_back > 0 && id.fell_back < id.fast_values / 20,
		  "fast %llu, left to MPFR %llu", id.fast_values, id.fell_back);
}

/* A planted error of 2^-70 in every exp, beyond the claimed 2^-81, moves
 * f64 offsets by ~2^-17 ulp: the identity check must see it. One of
 * 2^-90, inside the bound, must pass. */
Test(ref_fast, identity_check_catches_a_bound_too_small, .timeout = 600)
{
	struct ident bad = {0}, good = {0};
	smx_ref_fast_plant = 0x1p-70;
	ident_run(&bad, 100000, 3, SMX_TESTDATA "/ref_hard.txt", NULL);
	smx_ref_fast_plant = 0x1p-90;
	ident_run(&good, 100000, 3, SMX_TESTDATA "/ref_hard.txt", NULL);
	smx_ref_fast_plant = 0;
	cr_expect_gt(bad.mismatches, 0, "a 2^-70 exp error went unseen on %llu values", bad.values);
	cr_expect_eq(good.mismatches, 0, "a 2^-90 exp error (inside the bound) flagged: %s",
		     good.first);
}

/* exp against MPFR on d spread over [-1500, 0] and near 0: within the
 * 2^-81 the bound derivation states. */
Test(ref_fast, exp_within_its_bound)
{
	mpfr_t e, v;
	mpfr_inits2(300, e, v, (mpfr_ptr)0);
	uint64_t st = 42;
	double worst = 0;
	for (int i = 0; i < 200000; i++) {
		double u = smx_uniform01(&st);
		double dh = i % 2 ? -1500 * u : -ldexp(u, -(i % 60));
		double dl = i % 3 ? 0 : ldexp(smx_uniform01(&st) - 0.5, ilogb(dh) - 53);
		int k;
		double hi, lo;
		smx_ref_fast_exp(dh, dl, &k, &hi, &lo);
		mpfr_set_d(e, dh, MPFR_RNDN);
		mpfr_add_d(e, e, dl, MPFR_RNDN);
		mpfr_exp(e, e, MPFR_RNDN);
		mpfr_set_d(v, hi, MPFR_RNDN);
		mpfr_add_d(v, v, lo, MPFR_RNDN);
		mpfr_mul_2si(v, v, k, MPFR_RNDN);
		mpfr_sub(v, v, e, MPFR_RNDN);
		mpfr_div(v, v, e, MPFR_RNDN);
		double rel = fabs(mpfr_get_d(v, MPFR_RNDN));
		worst = rel > worst ? rel : worst;
	}
	mpfr_clears(e, v, (mpfr_ptr)0);
	cr_expect_leq(worst, 0x1p-81, "max relative error %a", worst);
}

/* A row long enough to be split across threads: the same bits with one
 * thread and with two, and the MPFR path's values. */
Test(ref_fast, long_row_split_across_threads, .timeout = 600)
{
	const size_t n = ((size_t)1 << 16) + 1001;
	double *x = malloc(n * sizeof *x);
	struct smx_refval *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b),
			  *m = malloc(n * sizeof *m);
	cr_assert(x && a && b && m);
	struct smx_dist d;
	smx_dist_parse("normal:3", &d);
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep)
			for (int op = 0; op <= SMX_OP_LOGSOFTMAX; op++) {
				smx_dist_fill(&d, (smx_dtype)dt, 9, 1, n, x);
				omp_set_num_threads(1);
				cr_assert_eq(smx_ref_row((smx_op)op, (smx_dtype)dt, x, n, a),
					     SMX_REF_OK);
				omp_set_num_threads(2);
				cr_assert_eq(smx_ref_row((smx_op)op, (smx_dtype)dt, x, n, b),
					     SMX_REF_OK);
				smx_ref_set_mpfr_only(1);
				cr_assert_eq(smx_ref_row((smx_op)op, (smx_dtype)dt, x, n, m),
					     SMX_REF_OK);
				smx_ref_set_mpfr_only(0);
				for (size_t i = 0; i < n; i++) {
					cr_assert(!memcmp(&a[i], &b[i], sizeof a[i]),
						  "%s %s i=%zu: thread counts differ",
						  smx_op_name((smx_op)op),
						  smx_dtype_name((smx_dtype)dt), i);
					cr_assert(
					    ident_same(&a[i], &m[i]), "%s %s i=%zu: %a vs MPFR %a",
					    smx_op_name((smx_op)op), smx_dtype_name((smx_dtype)dt),
					    i, a[i].cr, m[i].cr);
				}
			}
	omp_set_num_threads(1);
	free(x);
	free(a);
	free(b);
	free(m);
}

/* An exact midpoint the fast path must not decide: log-softmax of (2^24,
 * -1) in f32 is -(2^24 + 1) - log1p(e^-(2^24+1)), a hair beyond the
 * midpoint; it is left to MPFR, which rounds it away from zero. */
Test(ref_fast, midpoint_left_to_mpfr)
{
	const double x[] = {0x1p24, -1};
	struct smx_refval o[2];
	struct smx_ref_stats a, b;
	smx_ref_stats_get(&a);
	cr_assert_eq(smx_ref_row(SMX_OP_LOGSOFTMAX, SMX_F32, x, 2, o), SMX_REF_OK);
	smx_ref_stats_get(&b);
	cr_expect_eq(b.mpfr_rows - a.mpfr_rows, 1);
	cr_expect_eq(o[1].cr, -0x1.000002p+24);
}

/* The metrics of a row long enough to be measured in parallel blocks: the
 * same with one thread and with two, and the maximum that of the
 * per-component errors. */
Test(ref_fast, long_row_metrics_split_across_threads, .timeout = 600)
{
	const size_t n = ((size_t)1 << 16) + 7;
	double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y),
	       *errs = malloc(n * sizeof *errs);
	struct smx_refval *ref = malloc(n * sizeof *ref);
	cr_assert(x && y && errs && ref);
	struct smx_dist d;
	smx_dist_parse("normal:3", &d);
	smx_dist_fill(&d, SMX_F32, 5, 1, n, x);
	cr_assert_eq(smx_ref_row(SMX_OP_SOFTMAX, SMX_F32, x, n, ref), SMX_REF_OK);
	for (size_t i = 0; i < n; i++) /* one ulp off, here and there */
		y[i] = i % 3 ? ref[i].cr : (double)nextafterf((float)ref[i].cr, 1.0f);
	struct smx_metrics m[2];
	for (int t = 0; t < 2; t++) {
		omp_set_num_threads(t + 1);
		smx_metrics_init(&m[t]);
		smx_metrics_row(&m[t], SMX_OP_SOFTMAX, SMX_F32, NULL, x, y, ref, SMX_REF_OK, n,
				errs);
	}
	omp_set_num_threads(1);
	cr_expect(!memcmp(&m[0], &m[1], sizeof m[0]), "metrics differ with the thread count");
	double worst = 0;
	for (size_t i = 0; i < n; i++)
		worst = errs[i] > worst ? errs[i] : worst;
	cr_expect_eq(m[0].max_ulp, worst);
	cr_expect_eq(m[0].comps, n);
	cr_expect(m[0].max_ulp > 0.5 && m[0].max_ulp < 1.5, "max_ulp %g", m[0].max_ulp);
	free(x);
	free(y);
	free(errs);
	free(ref);
}

/* Run smx with argv (no shell); its exit status, stdout and stderr. */
static int run_smx(char *const *argv, char *out, size_t outlen, char *err, size_t errlen)
{
	char po[] = "/tmp/smx-ref-fast-out.XXXXXX", pe[] = "/tmp/smx-ref-fast-err.XXXXXX";
	int fo = mkstemp(po), fe = mkstemp(pe);
	cr_assert(fo >= 0 && fe >= 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fo, 1);
	posix_spawn_file_actions_adddup2(&fa, fe, 2);
	pid_t pid;
	extern char **environ;
	cr_assert_eq(posix_spawn(&pid, SMX_BIN, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	char *bufs[2] = {out, err};
	size_t lens[2] = {outlen, errlen};
	int fds[2] = {fo, fe};
	for (int k = 0; k < 2; k++) {
		ssize_t got = pread(fds[k], bufs[k], lens[k] - 1, 0);
		bufs[k][got > 0 ? got : 0] = 0;
		close(fds[k]);
	}
	unlink(po);
	unlink(pe);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* smx ref on generated rows: the fast and the MPFR path print the same
 * text; --verbose counts; --bench --slow times both; bad combinations are
 * refused. */
Test(ref_fast, cli_generated_rows_bench_and_slow, .timeout = 120)
{
	static char a[1 << 16], b[1 << 16], e[4096];
	char *fast[] = {"smx", "ref", "--dtype", "f32", "--op",	  "logsoftmax", "--dist",    "wide",
			"--n", "40",  "--rows",	 "5",	"--seed", "3",		"--verbose", NULL};
	cr_assert_eq(run_smx(fast, a, sizeof a, e, sizeof e), 0, "%s", e);
	cr_expect(strstr(e, "by the fast path"), "no count on stderr: %s", e);
	char *slow[] = {"smx", "ref", "--dtype", "f32", "--op",	  "logsoftmax", "--dist", "wide",
			"--n", "40",  "--rows",	 "5",	"--seed", "3",		"--slow", NULL};
	cr_assert_eq(run_smx(slow, b, sizeof b, e, sizeof e), 0, "%s", e);
	cr_expect(strlen(a) > 0 && !strcmp(a, b), "fast and MPFR outputs differ");
	char *bench[] = {"smx",	   "ref", "--bench", "--slow", "--dtype", "f64", "--op", "vjp",
			 "--from", "s",	  "--n",     "64",     "--rows",  "4",	 NULL};
	cr_assert_eq(run_smx(bench, a, sizeof a, e, sizeof e), 0, "%s", e);
	cr_expect(strstr(a, "\nfast ") && strstr(a, "\nmpfr ") && strstr(a, "mpfr / fast"), "%s",
		  a);
	char *mixed[] = {"smx", "ref", "--dist", "lm", SMX_TESTDATA "/ref_hard.txt", NULL};
	cr_expect_eq(run_smx(mixed, a, sizeof a, e, sizeof e), 2);
	cr_expect(strstr(e, "smx: ref: generated rows"), "%s", e);
}
