/* The softmax variants (harness/variant.c, reference/ref_variant.c): the
 * reference against the plain one where a variant reduces to it, softcap
 * against a direct evaluation, every built-in's derived claim under each
 * variant, the planted-bug plug-ins (tests/plugins/variant_*.c) caught and
 * their control passing, and bad input. Each test names the bug it
 * catches. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <mpfr.h>

#include "measure.h"
#include "ref_internal.h"
#include "ref_variant.h"
#include "rows.h"
#include "testutil.h"
#include "variant.h"

/* smx with args (NULL-terminated); its exit status, stderr in err. */
static int smx(const char *const *args, char *err, size_t len)
{
	static char out[1 << 16];
	char *argv[40];
	size_t k = 0;
	argv[k++] = (char *)SMX_BIN;
	for (; args[k - 1]; k++) {
		cr_assert(k < 39, "too many arguments");
		argv[k] = (char *)args[k - 1];
	}
	argv[k] = NULL;
	return smx_test_exec(NULL, NULL, argv, out, sizeof out, err, len);
}

/* ---- the reference ---- */

static void random_row(uint64_t seed, smx_dtype dt, double *x, size_t n)
{
	struct smx_dist d;
	cr_assert_eq(smx_dist_parse("normal:3", &d), 0);
	smx_dist_fill(&d, dt, seed, 1, n, x);
}

static void same(const struct smx_refval *a, const struct smx_refval *b, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		cr_assert(a[i].cr == b[i].cr || (isnan(a[i].cr) && isnan(b[i].cr)),
			  "%s: entry %zu: %a against the plain reference's %a", what, i, a[i].cr,
			  b[i].cr);
		cr_assert(fabs(a[i].r - b[i].r) < 1e-9, "%s: entry %zu: offset %g against %g", what,
			  i, a[i].r, b[i].r);
	}
}

/* Bug caught: a variant reference that transforms, masks, or counts the
 * sink wrongly (the sink in the numerator, the causal rule off by one, a
 * temperature multiplied, the ALiBi sign), since each case below has an
 * exactly equal plain row: the sink as an entry whose output is dropped,
 * masked entries as -inf, x / 0.5 = 2x, x + 0.5 (j - r) exact. */
Test(variant, reference_equals_the_plain_reference_where_exact)
{
	enum { N = 24 };
	for (int dti = 0; dti < 2; dti++) {
		smx_dtype dt = dti ? SMX_F64 : SMX_F32;
		for (uint64_t seed = 1; seed <= 6; seed++) {
			double x[N + 1], z[N + 1], mask[N];
			struct smx_refval a[N + 1], b[N + 1];
			/* f32 values for both dtypes: x + a small integer and
			 * x + 0.5 k are then exact in double. */
			random_row(seed, SMX_F32, x, N);
			for (int op = 0; op < 2; op++) {
				smx_op o = op ? SMX_OP_LOGSOFTMAX : SMX_OP_SOFTMAX;
				/* Sink (and plus-one: a sink at 0). */
				struct smx_ref_variant v = {.flags = SMX_VARIANT_SINK, .sink = 1.5};
				memcpy(z, x, sizeof x);
				z[N] = 1.5;
				cr_assert_eq(smx_ref_variant_row(o, dt, &v, x, N, a), SMX_REF_OK);
				cr_assert_eq(smx_ref_row_mpfr(o, dt, z, N + 1, b), SMX_REF_OK);
				same(a, b, N, "sink");
				v = (struct smx_ref_variant){.flags = SMX_VARIANT_PLUS_ONE};
				z[N] = 0;
				cr_assert_eq(smx_ref_variant_row(o, dt, &v, x, N, a), SMX_REF_OK);
				cr_assert_eq(smx_ref_row_mpfr(o, dt, z, N + 1, b), SMX_REF_OK);
				same(a, b, N, "plus-one");
				/* Causal:2 at query position 5, and a mask. */
				v = (struct smx_ref_variant){
				    .flags = SMX_VARIANT_CAUSAL, .pos = 5, .causal_k = 2};
				for (size_t j = 0; j < N; j++)
					z[j] = j > 7 ? -INFINITY : x[j];
				cr_assert_eq(smx_ref_variant_row(o, dt, &v, x, N, a), SMX_REF_OK);
				cr_assert_eq(smx_ref_row_mpfr(o, dt, z, N, b), SMX_REF_OK);
				same(a, b, N, "causal");
				for (size_t j = 0; j < N; j++) {
					mask[j] = j % 3 == 0 ? -INFINITY : (double)(j % 4);
					z[j] = x[j] + mask[j]; /* exact: small integers */
				}
				v = (struct smx_ref_variant){.flags = SMX_VARIANT_MASK,
							     .mask = mask};
				cr_assert_eq(smx_ref_variant_row(o, dt, &v, x, N, a), SMX_REF_OK);
				cr_assert_eq(smx_ref_row_mpfr(o, dt, z, N, b), SMX_REF_OK);
				same(a, b, N, "mask");
				/* Temperature 0.5 and ALiBi 0.5 at position 3. */
				v = (struct smx_ref_variant){.flags = SMX_VARIANT_TEMPERATURE,
							     .temperature = 0.5};
				for (size_t j = 0; j < N; j++)
					z[j] = 2 * x[j];
				cr_assert_eq(smx_ref_variant_row(o, dt, &v, x, N, a), SMX_REF_OK);
				cr_assert_eq(smx_ref_row_mpfr(o, dt, z, N, b), SMX_REF_OK);
				same(a, b, N, "temperature");
				v = (struct smx_ref_variant){
				    .flags = SMX_VARIANT_ALIBI, .alibi = 0.5, .pos = 3};
				for (size_t j = 0; j < N; j++)
					z[j] = x[j] + 0.5 * ((double)j - 3);
				cr_assert_eq(smx_ref_variant_row(o, dt, &v, x, N, a), SMX_REF_OK);
				cr_assert_eq(smx_ref_row_mpfr(o, dt, z, N, b), SMX_REF_OK);
				same(a, b, N, "alibi");
			}
		}
	}
}

/* Bug caught: a softcap reference that takes tanh at the wrong point, or
 * rounds c tanh(x / c) before the softmax: checked against a direct
 * evaluation at 2000 bits, rounded once. */
Test(variant, softcap_reference_equals_a_direct_evaluation)
{
	enum { N = 17 };
	for (int dti = 0; dti < 2; dti++) {
		smx_dtype dt = dti ? SMX_F64 : SMX_F32;
		double x[N];
		struct smx_refval a[N];
		random_row(7 + (uint64_t)dti, dt, x, N);
		x[3] = INFINITY; /* c tanh(inf / c) = c: the row stays defined */
		x[4] = -INFINITY;
		struct smx_ref_variant v = {.flags = SMX_VARIANT_SOFTCAP, .softcap = 2.5};
		cr_assert_eq(smx_ref_variant_row(SMX_OP_SOFTMAX, dt, &v, x, N, a), SMX_REF_OK);
		mpfr_t e[N], s, t;
		mpfr_inits2(2000, s, t, (mpfr_ptr)0);
		mpfr_set_zero(s, 1);
		for (size_t j = 0; j < N; j++) {
			mpfr_init2(e[j], 2000);
			mpfr_set_d(e[j], x[j], MPFR_RNDN);
			mpfr_div_d(e[j], e[j], 2.5, MPFR_RNDN);
			mpfr_tanh(e[j], e[j], MPFR_RNDN);
			mpfr_mul_d(e[j], e[j], 2.5, MPFR_RNDN);
			mpfr_exp(e[j], e[j], MPFR_RNDN);
			mpfr_add(s, s, e[j], MPFR_RNDN);
		}
		for (size_t j = 0; j < N; j++) {
			mpfr_div(t, e[j], s, MPFR_RNDN);
			double want = dt == SMX_F32 ? (double)mpfr_get_flt(t, MPFR_RNDN)
						    : mpfr_get_d(t, MPFR_RNDN);
			cr_assert_eq(a[j].cr, want, "%s entry %zu: %a, directly %a",
				     smx_dtype_name(dt), j, a[j].cr, want);
			mpfr_clear(e[j]);
		}
		mpfr_clears(s, t, (mpfr_ptr)0);
	}
}

/* Bug caught: a fully masked row with a sink labelled undefined (it is
 * zeros: the sink holds all the mass), or one without a sink given a
 * value. */
Test(variant, fully_masked_rows_with_and_without_a_sink)
{
	double x[5] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
	struct smx_refval a[5];
	struct smx_ref_variant v = {.flags = SMX_VARIANT_SINK, .sink = -3};
	cr_assert_eq(smx_ref_variant_row(SMX_OP_SOFTMAX, SMX_F32, &v, x, 5, a), SMX_REF_OK);
	for (int i = 0; i < 5; i++)
		cr_assert(a[i].cr == 0 && a[i].r == 0);
	cr_assert_eq(smx_ref_variant_row(SMX_OP_LOGSOFTMAX, SMX_F64, &v, x, 5, a), SMX_REF_OK);
	for (int i = 0; i < 5; i++)
		cr_assert(a[i].cr == -INFINITY);
	v = (struct smx_ref_variant){.flags = SMX_VARIANT_TEMPERATURE, .temperature = 2};
	cr_assert_eq(smx_ref_variant_row(SMX_OP_SOFTMAX, SMX_F32, &v, x, 5, a), SMX_REF_UNDEFINED);
}

/* ---- the built-ins' derived claims ---- */

/* Measure every runnable forward built-in under the variant in force:
 * returns the largest decl_ratio of entry name (or of all, name NULL). */
static double claims_hold(const char *label, const char *name)
{
	static const char *const dists[] = {"normal:3", "uniform:-10,10", "lm"};
	static const size_t ns[] = {7, 33, 130};
	double worst = 0;
	for (int op = 0; op < 2; op++)
		for (int dti = 0; dti < 2; dti++)
			for (size_t di = 0; di < 3; di++)
				for (size_t k = 0; k < 3; k++) {
					smx_op o = op ? SMX_OP_LOGSOFTMAX : SMX_OP_SOFTMAX;
					smx_dtype dt = dti ? SMX_F64 : SMX_F32;
					struct smx_dist d;
					cr_assert_eq(smx_dist_parse(dists[di], &d), 0);
					struct smx_case c;
					smx_case_generate(&c, o, dt, &d, 3 + k, 12, ns[k]);
					for (size_t i = 0; i < smx_registry_count(); i++) {
						const struct smx_impl *im = smx_registry_get(i);
						if (im->op != o || im->dtype != dt ||
						    im->origin != SMX_ORIGIN_BUILTIN ||
						    !smx_impl_runnable(im) ||
						    !smx_variant_admits(im) ||
						    (name && strcmp(im->name, name)))
							continue;
						struct smx_metrics m;
						smx_metrics_init(&m);
						smx_measure(im, &c, &m, NULL);
						size_t bad = m.nan_rows + m.inf_rows + m.zero_rows;
						if (!name)
							cr_assert(
							    bad == 0 && m.wrong_rows == 0 &&
								!(m.decl_ratio > 1),
							    "%s: %s %s %s %s n=%zu: %zu bad rows, "
							    "%zu wrong, decl_ratio %g",
							    label, smx_op_name(o),
							    smx_dtype_name(dt), im->name, dists[di],
							    ns[k], bad, m.wrong_rows, m.decl_ratio);
						if (m.max_ulp > worst)
							worst = m.max_ulp;
					}
					smx_case_free(&c);
				}
	return worst;
}

/* Bug caught: a claim not derived for the variant (a prelude rounding the
 * claim leaves out, a sink the bound does not count as an entry, a mask
 * that moves the max), or a prelude that transforms the row wrongly:
 * every built-in, every variant and a combination, against the exact
 * variant reference. */
Test(variant, builtin_claims_hold_under_every_variant, .timeout = 300)
{
	static const char *const sets[][12] = {
	    {"temperature", "0.7", NULL},
	    {"sink", "2", NULL},
	    {"plus-one", NULL, NULL},
	    {"softcap", "5", NULL},
	    {"alibi", "0.3", NULL},
	    {"mask", "causal:1", NULL},
	    {"temperature", "1.3", "softcap", "4", "alibi", "-0.2", "mask", "causal:0", "sink",
	     "-1", NULL},
	};
	for (size_t s = 0; s < sizeof sets / sizeof *sets; s++) {
		smx_test_set_variant(sets[s]);
		claims_hold(smx_variant_active()->text, NULL);
	}
	smx_variant_set(NULL);
}

/* Bug caught: a derivation whose added term is dead weight. Under
 * --temperature 0.7 the correctly rounded f32 softmax (cr/, claiming
 * 0.503 ulp on the row it is given) errs beyond 0.503 ulp of the exact
 * variant: the prelude's rounding must be in the claim. */
Test(variant, the_prelude_rounding_term_is_needed)
{
	const struct smx_impl *cr = smx_registry_find(SMX_OP_SOFTMAX, SMX_F32, "cr/avx2");
	if (!cr || !smx_impl_runnable(cr))
		cr_skip_test("cr/avx2 does not run here");
	static const char *const t[] = {"temperature", "0.7", NULL};
	smx_test_set_variant(t);
	double worst = claims_hold("temperature", "cr/avx2");
	smx_variant_set(NULL);
	cr_assert(worst > cr->bound.c0, "max %g ulp: the variant term was never needed", worst);
}

/* ---- plug-ins: planted bugs and the control ---- */

static int run_plugin(const char *so, const char *const *variant, char *err, size_t len)
{
	char path[300];
	snprintf(path, sizeof path, "%s/%s.so", SMX_PLUGINS, so);
	const char *args[40] = {"--plugin", path,	"accuracy", "--impl",	"variant/scalar",
				"--dtype",  "f32",	"--n",	    "7,33,100", "--rows",
				"16",	    "--output", "/dev/null"};
	size_t k = 13;
	for (size_t i = 0; variant[i]; i++)
		args[k++] = variant[i];
	args[k] = NULL;
	return smx(args, err, len);
}

/* Bugs caught, one plug-in each (the users' reports behind them in each
 * file): the sink left out of the max (llama.cpp #15152), the sink's term
 * dropped, the temperature applied twice, the quotient x / T rounded to
 * bf16 (miles #1554), ALiBi's sign, the causal mask off by one, softcap as
 * a clip. The control applies every variant correctly and passes all of
 * them: the check does not bite wrongly. */
Test(variant, planted_bugs_are_caught_and_the_control_passes, .timeout = 120)
{
	static const struct {
		const char *so;
		const char *opt[3];
	} cases[] = {
	    {"variant_sink_max", {"--sink", "92"}},
	    {"variant_sink_dropped", {"--sink", "0"}},
	    {"variant_sink_dropped", {"--plus-one"}},
	    {"variant_temp_twice", {"--temperature", "2"}},
	    {"variant_temp_bf16", {"--temperature", "0.7"}},
	    {"variant_alibi_sign", {"--alibi", "0.5"}},
	    {"variant_causal_off1", {"--mask", "causal:0"}},
	    {"variant_softcap_clip", {"--softcap", "2"}},
	};
	char err[4096];
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int rc = run_plugin(cases[i].so, cases[i].opt, err, sizeof err);
		cr_expect_eq(rc, 1, "%s %s: exit %d, not caught: %s", cases[i].so, cases[i].opt[0],
			     rc, err);
		rc = run_plugin("variant_ok", cases[i].opt, err, sizeof err);
		cr_expect_eq(rc, 0, "control under %s %s: exit %d: %s", cases[i].opt[0],
			     cases[i].opt[1] ? cases[i].opt[1] : "", rc, err);
	}
}

/* Bug caught: an entry that does not apply a variant measured as if it
 * did (its plain softmax scored against the variant), or an entry of the
 * older ABI 2 size refused. old/scalar (no variant fields) loads, applies
 * none, and is skipped with a note; alone, nothing is measured (exit 1). */
Test(variant, entries_without_the_variant_are_skipped)
{
	char path[300], err[4096];
	snprintf(path, sizeof path, "%s/variant_ok.so", SMX_PLUGINS);
	const char *args[] = {"--plugin",   path,	"accuracy",  "--impl",
			      "old/scalar", "--dtype",	"f32",	     "--n",
			      "7",	    "--rows",	"4",	     "--temperature",
			      "0.5",	    "--output", "/dev/null", NULL};
	cr_assert_eq(smx(args, err, sizeof err), 1, "%s", err);
	cr_assert(strstr(err, "old/scalar skipped"), "%s", err);
	cr_assert(strstr(err, "nothing was measured"), "%s", err);
	const char *plain[] = {"--plugin", path,       "accuracy",  "--impl", "old/scalar",
			       "--dtype",  "f32",      "--n",	    "7",      "--rows",
			       "4",	   "--output", "/dev/null", NULL};
	cr_assert_eq(smx(plain, err, sizeof err), 0, "%s", err);
}

/* Bug caught: variant options taken by a command that ignores them, or
 * bad values accepted. */
Test(variant, bad_input_is_refused)
{
	static const char *const bad[][6] = {
	    {"list", "--sink", "1", NULL},
	    {"accuracy", "--temperature", "0", NULL},
	    {"accuracy", "--temperature", "inf", NULL},
	    {"accuracy", "--softcap", "-1", NULL},
	    {"accuracy", "--sink", "1", "--plus-one", NULL},
	    {"accuracy", "--mask", "causal:x", NULL},
	    {"accuracy", "--mask", "/nonexistent/mask.txt", NULL},
	    {"accuracy", "--plus-one=1", NULL},
	    {"accuracy", "--alibi", NULL},
	};
	char err[4096];
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		cr_expect_eq(smx((const char *const *)bad[i], err, sizeof err), 2, "%s %s: %s",
			     bad[i][0], bad[i][1], err);
		cr_expect(!strncmp(err, "smx: ", 5) && strchr(err, '\n') == err + strlen(err) - 1,
			  "not one line: %s", err);
	}
}

/* Bug caught: a mask file whose rows do not fit the measured rows used
 * anyway (reading past a row). */
Test(variant, a_mask_of_another_width_is_refused)
{
	char path[] = "/tmp/smx-mask-XXXXXX";
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "0 -inf 1\n", 9), 9);
	close(fd);
	char err[4096];
	const char *args[] = {"accuracy", "--n",      "7",	   "--mask",
			      path,	  "--output", "/dev/null", NULL};
	int rc = smx(args, err, sizeof err);
	const char *fits[] = {"accuracy",	"--n",	    "3",	 "--mask", path, "--impl",
			      "shifted/scalar", "--output", "/dev/null", NULL};
	int ok = smx(fits, err + 2048, sizeof err - 2048);
	unlink(path);
	cr_assert_eq(rc, 2, "%s", err);
	cr_assert(strstr(err, "--mask"), "%s", err);
	cr_assert_eq(ok, 0, "%s", err + 2048);
}

/* Bugs caught: hunt or vet judging a variant's rows by the plain softmax's
 * reference, claim or edge policies (the control would break), a sink
 * row whose outputs all round to zero counted as a zero row (it is
 * correct: the sink holds the mass), a query position lost between vet's
 * placements; and a planted bug the searches miss. */
Test(variant, hunt_and_vet_under_a_variant, .timeout = 120)
{
	char ok[300], off1[300], sinkmax[300], err[8192];
	snprintf(ok, sizeof ok, "%s/variant_ok.so", SMX_PLUGINS);
	snprintf(off1, sizeof off1, "%s/variant_causal_off1.so", SMX_PLUGINS);
	snprintf(sinkmax, sizeof sinkmax, "%s/variant_sink_max.so", SMX_PLUGINS);
	const char *hunt_bad[] = {"--plugin", sinkmax, "hunt",	    "--impl", "variant/scalar",
				  "--dtype",  "f32",   "--seconds", "1",      "--sink",
				  "92",	      NULL};
	cr_expect_eq(smx(hunt_bad, err, sizeof err), 1, "hunt missed the sink max: %s", err);
	const char *hunt_ok[] = {"--plugin",  ok,	 "hunt",   "--impl", "variant/scalar",
				 "--seconds", "1",	 "--sink", "92",     "--mask",
				 "causal:0",  "--alibi", "0.25",   NULL};
	cr_expect_eq(smx(hunt_ok, err, sizeof err), 0, "hunt fails the control: %s", err);
	const char *vet_bad[] = {"--plugin",	   off1,       "vet", "--impl",
				 "variant/scalar", "--dtype",  "f32", "--quick",
				 "--mask",	   "causal:0", NULL};
	cr_expect_eq(smx(vet_bad, err, sizeof err), 1, "vet missed the causal off by one: %s", err);
	const char *vet_ok[] = {"--plugin",	 ok,	   "vet",     "--impl", "variant/scalar",
				"--quick",	 "--sink", "1",	      "--mask", "causal:0",
				"--temperature", "0.9",	   "--alibi", "0.1",	NULL};
	cr_expect_eq(smx(vet_ok, err, sizeof err), 0, "vet fails the control: %s", err);
	char mask[] = "/tmp/smx-mask-XXXXXX";
	int fd = mkstemp(mask);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "0 0 -inf\n", 9), 9);
	close(fd);
	const char *vet_mask[] = {"--plugin",	    ok,	      "vet", "--impl",
				  "variant/scalar", "--mask", mask,  NULL};
	int rc = smx(vet_mask, err, sizeof err);
	const char *hunt_mask[] = {"--plugin",	     ok,       "hunt", "--impl",
				   "variant/scalar", "--mask", mask,   NULL};
	int rc2 = smx(hunt_mask, err + 4096, sizeof err - 4096);
	unlink(mask);
	cr_expect(rc == 2 && strstr(err, "fixes n"), "vet took --mask FILE: %s", err);
	cr_expect(rc2 == 2 && strstr(err + 4096, "fixes n"), "hunt took --mask FILE: %s",
		  err + 4096);
}

/* Bugs caught: check measuring a line under another line's variant (the
 * runner keeps the variant it started with), a baseline written under a
 * variant that does not say so, and a regression in a variant path that
 * the gate lets through. A baseline of the control under two variants
 * passes again; the bf16 temperature and the dropped sink each fail it. */
Test(variant, check_lines_carry_their_variant, .timeout = 180)
{
	char dir[] = "/tmp/smx-vcheck-XXXXXX", a[300], b[300], so[3][300], err[8192];
	cr_assert(mkdtemp(dir));
	snprintf(a, sizeof a, "%s/a.txt", dir);
	snprintf(b, sizeof b, "%s/b.txt", dir);
	static const char *const names[3] = {"variant_ok", "variant_temp_bf16",
					     "variant_sink_dropped"};
	for (int i = 0; i < 3; i++)
		snprintf(so[i], sizeof so[i], "%s/%s.so", SMX_PLUGINS, names[i]);
	const char *init_a[] = {"--plugin", so[0],    "check",		"--init", "--baseline",
				a,	    "--impl", "variant/scalar", "--op",	  "softmax",
				"--dtype",  "f32",    "--temperature",	"0.7",	  NULL};
	const char *init_b[] = {"--plugin", so[0],    "check",		"--init", "--baseline",
				b,	    "--impl", "variant/scalar", "--op",	  "softmax",
				"--dtype",  "f32",    "--sink",		"1",	  "--mask",
				"causal:0", NULL};
	cr_assert_eq(smx(init_a, err, sizeof err), 0, "%s", err);
	cr_assert_eq(smx(init_b, err, sizeof err), 0, "%s", err);
	/* One file, both variants. */
	FILE *fa = fopen(a, "a"), *fb = fopen(b, "r");
	cr_assert(fa && fb);
	char line[1100];
	size_t lines_b = 0;
	while (fgets(line, sizeof line, fb))
		if (line[0] != '#') {
			cr_assert(strstr(line, " variant=mask:causal:0,sink:1"), "%s", line);
			cr_assert(fputs(line, fa) >= 0);
			lines_b++;
		}
	fclose(fb);
	cr_assert_eq(fclose(fa), 0);
	cr_assert(lines_b > 10);
	int rc[3];
	char out[3][2048];
	for (int i = 0; i < 3; i++) {
		const char *chk[] = {"--plugin", so[i], "check", "--baseline", a, NULL};
		rc[i] = smx(chk, out[i], sizeof out[i]);
	}
	const char *opts[] = {"check", "--baseline", a, "--sink", "1", NULL};
	int rc_opt = smx(opts, err, sizeof err);
	FILE *f = fopen(a, "a");
	cr_assert(f);
	fputs("softmax f32 shifted/scalar normal:1 7 4 1 max_ulp=9 mean_ulp=3 sum_err_ulp=9 "
	      "bad_rows=0 variant=mask:/etc/passwd\n",
	      f);
	cr_assert_eq(fclose(f), 0);
	const char *chk_bad[] = {"check", "--baseline", a, NULL};
	int rc_bad = smx(chk_bad, err + 4096, sizeof err - 4096);
	unlink(a);
	unlink(b);
	rmdir(dir);
	cr_expect_eq(rc[0], 0, "the control fails its own baseline: %s", out[0]);
	cr_expect_eq(rc[1], 1, "the bf16 temperature passes the gate: %s", out[1]);
	cr_expect_eq(rc[2], 1, "the dropped sink passes the gate: %s", out[2]);
	cr_expect_eq(rc_opt, 2, "check took variant options without --init: %s", err);
	cr_expect_eq(rc_bad, 2, "a line's mask path was taken: %s", err + 4096);
}

/* Bug caught: perf under a variant no selected entry applies printed an
 * empty table and exited 0; nothing measured is exit 1 (README, exit
 * status). The control measures one entry and exits 0. */
Test(variant, perf_with_every_entry_skipped_fails)
{
	char err[4096];
	const char *none[] = {"perf", "--op",	    "lse", "--n",	    "16", "--rows",
			      "1",    "--min-time", "1",   "--repetitions", "3",  "--temperature",
			      "2",    NULL};
	cr_expect_eq(smx(none, err, sizeof err), 1, "%s", err);
	cr_expect(strstr(err, "smx: perf: FAIL: nothing was measured"), "%s", err);
	const char *one[] = {
	    "perf",   "--op", "softmax",    "--impl", "shifted/scalar", "--n", "16",
	    "--rows", "1",    "--min-time", "1",      "--repetitions",	"3",   "--temperature",
	    "2",      NULL};
	cr_expect_eq(smx(one, err, sizeof err), 0, "%s", err);
}
