/* The cross-entropy options (--label-smoothing, --ignore-index) and the
 * log-prob metric: planted kernels that get the options wrong fail their
 * claim while the correct one and every built-in pass; the reference
 * against long-double sums on rows with known answers; the options' bad
 * values on the command line; the plug-in path (ABI 2's f32_x) end to end;
 * logprob_nats against a planted offset. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "measure.h"
#include "metrics.h"
#include "ref_xent.h"
#include "smx_xent.h"
#include "testutil.h"
#include "plugins/xent_planted.h"

XP_RUN(float, l32_ok, XP_OK, 0)
XP_RUN(float, l32_noeps, XP_NO_EPS, 0)
XP_RUN(float, l32_nm1, XP_EPS_NM1, 0)
XP_RUN(float, l32_noignore, XP_NO_IGNORE, 0)
XP_RUN(float, g32_ok, XP_OK, 1)
XP_RUN(float, g32_noeps, XP_NO_EPS, 1)
XP_RUN(float, g32_nm1, XP_EPS_NM1, 1)
XP_RUN(float, g32_noignore, XP_NO_IGNORE, 1)
XP_RUN(double, l64_ok, XP_OK, 0)
XP_RUN(double, l64_noeps, XP_NO_EPS, 0)
XP_RUN(double, l64_nm1, XP_EPS_NM1, 0)
XP_RUN(double, l64_noignore, XP_NO_IGNORE, 0)
XP_RUN(double, g64_ok, XP_OK, 1)
XP_RUN(double, g64_noeps, XP_NO_EPS, 1)
XP_RUN(double, g64_nm1, XP_EPS_NM1, 1)
XP_RUN(double, g64_noignore, XP_NO_IGNORE, 1)

static const char *const bug_names[] = {"correct", "eps ignored", "eps / (n - 1)",
					"ignore index forgotten"};
static const smx_fnx_f32 f32s[2][4] = {{l32_ok, l32_noeps, l32_nm1, l32_noignore},
				       {g32_ok, g32_noeps, g32_nm1, g32_noignore}};
static const smx_fnx_f64 f64s[2][4] = {{l64_ok, l64_noeps, l64_nm1, l64_noignore},
				       {g64_ok, g64_noeps, g64_nm1, g64_noignore}};

/* An entry of the planted kernel: loss claims 2 ulps, the gradient 4 u
 * (p_c + q_c) (the long-double rows are within 0.5 and 1 of them). */
static struct smx_impl planted(int fused, smx_dtype dt, int bug)
{
	struct smx_impl im = {.name = "planted/ld",
			      .algo = "planted",
			      .isa = "ld",
			      .op = fused ? SMX_OP_XENT_FUSED : SMX_OP_XENT,
			      .dtype = dt,
			      .origin = SMX_ORIGIN_BUILTIN};
	im.bound =
	    (struct smx_bound){.kind = fused ? SMX_BOUND_COND : SMX_BOUND_ULP, .c0 = fused ? 4 : 2};
	if (dt == SMX_F32)
		im.fnx.f32 = f32s[fused][bug];
	else
		im.fnx.f64 = f64s[fused][bug];
	return im;
}

static void set_opts(double eps, long long ig)
{
	const struct smx_xent_params p = {sizeof p, eps, ig};
	smx_xent_params_set(&p);
}

/* The ignore index that row 0 of the case (dist, seed, n) draws as its
 * target: the options then ignore that row. */
static long long row0_target(smx_dtype dt, const struct smx_dist *d, size_t rows, size_t n)
{
	struct smx_case c;
	smx_xent_params_set(NULL);
	smx_case_generate(&c, SMX_OP_XENT, dt, d, 7, rows, n);
	long long t = (long long)c.g[0];
	smx_case_free(&c);
	return t;
}

static void measure(const struct smx_impl *im, const struct smx_case *c, struct smx_metrics *m)
{
	smx_metrics_init(m);
	smx_measure(im, c, m, NULL);
}

/* Bugs caught: smoothing ignored, spread over n - 1 classes, an ignored
 * row computed as a class row; each must break its claim in every cell,
 * and the correct twin must hold, under eps 0.1 and 1 with an ignore index
 * that some row draws (row 0's target). */
Test(xent_opts, planted_kernels_fail_and_correct_holds, .timeout = 300)
{
	static const char *const dists[] = {"lm", "uniform:-10,10"};
	static const size_t ns[] = {7, 300};
	static const double epss[] = {0.1, 1};
	for (int d = 0; d < 2; d++)
		for (size_t di = 0; di < 2; di++)
			for (size_t ni = 0; ni < 2; ni++)
				for (size_t ei = 0; ei < 2; ei++) {
					const smx_dtype dt = d ? SMX_F64 : SMX_F32;
					struct smx_dist dist;
					cr_assert_eq(smx_dist_parse(dists[di], &dist), 0);
					long long ig = row0_target(dt, &dist, 16, ns[ni]);
					set_opts(epss[ei], ig);
					for (int fused = 0; fused < 2; fused++) {
						struct smx_case c;
						smx_case_generate(
						    &c, fused ? SMX_OP_XENT_FUSED : SMX_OP_XENT, dt,
						    &dist, 7, 16, ns[ni]);
						cr_assert_eq((long long)c.g[0], ig);
						for (int bug = 0; bug < 4; bug++) {
							struct smx_impl im =
							    planted(fused, dt, bug);
							struct smx_metrics m;
							measure(&im, &c, &m);
							cr_expect_eq(m.rows, 16);
							if (bug == XP_OK)
								cr_expect(
								    m.wrong_rows == 0 &&
									m.decl_ratio <= 1,
								    "%s %s %s n=%zu eps=%g: "
								    "correct kernel: %zu wrong "
								    "rows, ratio %g",
								    smx_op_name(im.op),
								    smx_dtype_name(dt), dists[di],
								    ns[ni], epss[ei], m.wrong_rows,
								    m.decl_ratio);
							else
								cr_expect(m.wrong_rows > 0,
									  "%s %s %s n=%zu eps=%g: "
									  "'%s' passed (ratio %g)",
									  smx_op_name(im.op),
									  smx_dtype_name(dt),
									  dists[di], ns[ni],
									  epss[ei], bug_names[bug],
									  m.decl_ratio);
						}
						smx_case_free(&c);
					}
				}
	smx_xent_params_set(NULL);
}

/* Bug caught: a built-in whose wrapper drops the options (the claim then
 * breaks against the reference, which takes them), or a kernel whose
 * smoothing term or target entry errs beyond its derived claim (eps = 1
 * is where eps (n - 1)/n - T/(1 + T) lost n u / 2). */
Test(xent_opts, builtins_hold_under_options, .timeout = 300)
{
	static const char *const dists[] = {"lm", "uniform:-10,10", "wide"};
	static const size_t ns[] = {1, 9, 1000};
	static const double epss[] = {0.1, 0.7, 1};
	size_t measured = 0;
	for (int d = 0; d < 2; d++)
		for (size_t di = 0; di < 3; di++)
			for (size_t ni = 0; ni < 3; ni++)
				for (size_t ei = 0; ei < 3; ei++) {
					const smx_dtype dt = d ? SMX_F64 : SMX_F32;
					struct smx_dist dist;
					cr_assert_eq(smx_dist_parse(dists[di], &dist), 0);
					set_opts(epss[ei], row0_target(dt, &dist, 8, ns[ni]));
					for (int fused = 0; fused < 2; fused++) {
						smx_op op = fused ? SMX_OP_XENT_FUSED : SMX_OP_XENT;
						struct smx_case c;
						smx_case_generate(&c, op, dt, &dist, 7, 8, ns[ni]);
						for (size_t i = 0; i < smx_registry_count(); i++) {
							const struct smx_impl *im =
							    smx_registry_get(i);
							if (im->op != op || im->dtype != dt ||
							    im->origin != SMX_ORIGIN_BUILTIN ||
							    !smx_impl_runnable(im))
								continue;
							struct smx_metrics m;
							measure(im, &c, &m);
							measured++;
							cr_expect(
							    m.wrong_rows == 0 && m.nan_rows == 0 &&
								m.decl_ratio <= 1,
							    "%s %s %s %s n=%zu eps=%g: %zu wrong, "
							    "%zu nan, ratio %g",
							    smx_op_name(op), smx_dtype_name(dt),
							    im->name, dists[di], ns[ni], epss[ei],
							    m.wrong_rows, m.nan_rows, m.decl_ratio);
						}
						smx_case_free(&c);
					}
				}
	cr_expect_geq(measured, 2 * 3 * 3 * 3 * 2 * 2, "%zu measured", measured);
	smx_xent_params_set(NULL);
}

/* ---- the reference against independent long-double sums ---- */

static long double val(const struct smx_refval *r)
{
	return (long double)r->cr + ldexpl((long double)r->r, r->e);
}

/* Row x (integers: exact in both dtypes): loss and gradient in long double
 * by PyTorch's definition, (1 - eps)(-log p_t) + eps mean_c (-log p_c),
 * log p_c = x_c - lse; then the reference's high-precision values (cr plus
 * the offset) within 2^-58 relative of them (long double's sums err by
 * about 2^-62 here), and its rounded value the nearest. */
static void expect_row(smx_dtype dt, const double *x, size_t n, int64_t t, double eps)
{
	long double s = 0, lse, loss = 0;
	for (size_t c = 0; c < n; c++)
		s += expl((long double)x[c]);
	lse = logl(s);
	for (size_t c = 0; c < n; c++) {
		long double nl = lse - x[c]; /* -log p_c */
		loss += (long double)eps / (long double)n * nl;
		if (c == (size_t)t)
			loss += (1 - (long double)eps) * nl;
	}
	struct smx_refval rl, rg[16];
	cr_assert_leq(n, 16);
	cr_assert_eq(smx_ref_xent(dt, x, n, t, eps, -100, &rl, rg), SMX_REF_OK);
	cr_expect_leq(fabsl(val(&rl) - loss), 0x1p-58L * fabsl(loss),
		      "%s n=%zu t=%lld eps=%g: loss %La, long double %La", smx_dtype_name(dt), n,
		      (long long)t, eps, val(&rl), loss);
	double near = dt == SMX_F32 ? (double)(float)loss : (double)loss;
	cr_expect_eq(rl.cr, near, "%s n=%zu t=%lld eps=%g: rounded loss %a, nearest %a",
		     smx_dtype_name(dt), n, (long long)t, eps, rl.cr, near);
	for (size_t c = 0; c < n; c++) {
		long double p = expl(x[c] - lse);
		long double q =
		    (long double)eps / (long double)n + (c == (size_t)t ? 1 - (long double)eps : 0);
		cr_expect_leq(fabsl(val(&rg[c]) - (p - q)), 0x1p-58L * (p + q),
			      "%s n=%zu t=%lld eps=%g: grad[%zu] %La, long double %La",
			      smx_dtype_name(dt), n, (long long)t, eps, c, val(&rg[c]), p - q);
	}
}

/* Bug caught: a reference that smooths with another weight (eps / (n - 1),
 * or the mean of -log p_c computed as anything but lse - mean(x)), drops
 * the (1 - eps) factor, or gets a gradient's q wrong. */
Test(xent_opts, reference_matches_long_double)
{
	static const double rows[][4] = {{0, 1, 2, 3}, {3, -2, 0, 5}, {-7, -7, 1, 2}};
	static const double epss[] = {0, 0.25, 0.5, 1};
	for (int d = 0; d < 2; d++)
		for (size_t r = 0; r < 3; r++)
			for (int64_t t = 0; t < 4; t++)
				for (size_t e = 0; e < 4; e++)
					expect_row(d ? SMX_F64 : SMX_F32, rows[r], 4, t, epss[e]);
}

/* Known answers: a uniform row's loss is log n for any eps (every -log p_c
 * is log n), and its gradient 1/n - q exactly (eps = 0.5, n = 4: -0.375
 * at the target, 0.125 elsewhere). */
Test(xent_opts, reference_known_answers)
{
	const double x[4] = {0, 0, 0, 0};
	struct smx_refval l, g[4];
	for (int d = 0; d < 2; d++) {
		smx_dtype dt = d ? SMX_F64 : SMX_F32;
		cr_assert_eq(smx_ref_xent(dt, x, 4, 1, 0.5, -100, &l, g), SMX_REF_OK);
		double log4 = dt == SMX_F32 ? (double)(float)logl(4.0L) : (double)logl(4.0L);
		cr_expect_eq(l.cr, log4, "%s: loss %a, log 4 %a", smx_dtype_name(dt), l.cr, log4);
		for (int c = 0; c < 4; c++)
			cr_expect(g[c].cr == (c == 1 ? -0.375 : 0.125) && g[c].r == 0,
				  "%s: grad[%d] %a + %g ulp", smx_dtype_name(dt), c, g[c].cr,
				  g[c].r);
	}
}

/* Bug caught: an ignore index the reference does not honour (a nonzero
 * loss), one it honours for -100 only, an eps outside [0, 1] taken as a
 * number, a -inf logit under smoothing given a finite loss. */
Test(xent_opts, reference_ignore_and_domain)
{
	const double x[3] = {1, 2, -INFINITY};
	struct smx_refval l, g[3];
	cr_assert_eq(smx_ref_xent(SMX_F64, x, 3, 1, 0.3, 1, &l, g), SMX_REF_OK);
	cr_expect(l.cr == 0 && g[0].cr == 0 && g[1].cr == 0 && g[2].cr == 0, "ignored row: loss %a",
		  l.cr);
	cr_assert_eq(smx_ref_xent(SMX_F64, x, 3, 1, 0, -100, &l, NULL), SMX_REF_OK);
	cr_expect(l.cr > 0 && isfinite(l.cr), "eps 0, target 1: loss %a", l.cr);
	cr_assert_eq(smx_ref_xent(SMX_F64, x, 3, 1, 0.3, -100, &l, NULL), SMX_REF_OK);
	cr_expect(l.cr == INFINITY, "eps 0.3 with a -inf logit: loss %a (mean -log p is +inf)",
		  l.cr);
	cr_expect_eq(smx_ref_xent(SMX_F64, x, 3, 1, 1.5, -100, &l, NULL), SMX_REF_UNDEFINED);
	cr_expect_eq(smx_ref_xent(SMX_F64, x, 3, 1, NAN, -100, &l, NULL), SMX_REF_UNDEFINED);
	cr_expect_eq(smx_ref_xent(SMX_F64, x, 3, 3, 0.1, -100, &l, NULL), SMX_REF_UNDEFINED);
}

/* ---- the command line ---- */

static char out[1 << 16], err[4096];

static int one_line(const char *s)
{
	size_t k = strlen(s);
	return k > 5 && !strncmp(s, "smx: ", 5) && strchr(s, '\n') == s + k - 1;
}

/* Bug caught: a bad value taken (a NaN or out-of-range eps smoothing the
 * loss, a fractional index truncated), or refused with anything but one
 * line and exit 2; the options accepted by a command that ignores them. */
Test(xent_opts, cli_bad_values)
{
	static const char *const bad[] = {
	    "accuracy --op xent --label-smoothing 1.5",
	    "accuracy --op xent --label-smoothing -0.1",
	    "accuracy --op xent --label-smoothing nan",
	    "accuracy --op xent --label-smoothing 0.1x",
	    "accuracy --op xent --label-smoothing=",
	    "accuracy --op xent --label-smoothing",
	    "accuracy --op xent --label-smoothing 0.1 --label-smoothing 0.2",
	    "accuracy --op xent --ignore-index 1.5",
	    "accuracy --op xent --ignore-index abc",
	    "accuracy --op xent --ignore-index 99999999999",
	    "perf --op xent --ignore-index -",
	    "list --label-smoothing 0.1",
	    "report --ignore-index 3",
	    "check --baseline baselines/accuracy.txt --label-smoothing 0.1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int st = smx_test_smx(NULL, NULL, bad[i], out, sizeof out, err, sizeof err);
		cr_expect_eq(st, 2, "'%s': exit %d: %s", bad[i], st, err);
		cr_expect(one_line(err), "'%s': not one line: %s", bad[i], err);
	}
}

/* The options reach the kernels, the reference and the targets file
 * alike: every built-in passes with an ignore index that the file uses;
 * perf takes them. (A wrapper that dropped them fails the first run.) */
Test(xent_opts, cli_builtins_with_options, .timeout = 300)
{
	char dir[256], path[300], args[1024];
	smx_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.txt", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	cr_assert(fputs("0\n2\n6\n2\n", f) >= 0);
	cr_assert_eq(fclose(f), 0);
	snprintf(args, sizeof args,
		 "accuracy --op xent,xent_fused --n 7 --rows 4 --dist lm --targets %s "
		 "--label-smoothing 0.1 --ignore-index 2 --format csv",
		 path);
	int st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "exit %d: %s", st, err);
	/* 2 is a class at n = 7 only when it is not the ignore index: the
	 * file reader takes the option's value, not -100. */
	snprintf(args, sizeof args,
		 "accuracy --op xent --n 7 --rows 4 --targets %s --ignore-index 9", path);
	st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "ignore index 9: exit %d: %s", st, err);
	smx_test_rmtree(dir);
	st = smx_test_smx(NULL, NULL,
			  "perf --op xent_fused --dtype f32 --n 4096 --rows 4 --min-time 0.1 "
			  "--repetitions 3 --pin none --format csv --label-smoothing 0.1",
			  out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "perf: exit %d: %s", st, err);
}

/* The plug-in path: ABI 2 entries with f32_x get the options; the planted
 * bugs fail (exit 1, claim broken), the correct one passes; an entry with
 * the plain function only is skipped under options (so alone it measures
 * nothing: exit 1) and runs at the defaults. */
Test(xent_opts, cli_plugin_options, .timeout = 300)
{
	static const char *const impls[] = {"ok", "noeps", "nm1", "noignore"};
	char dir[256], path[300], common[600], args[1024];
	smx_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/t.txt", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	cr_assert(fputs("0\n2\n5\n2\n6\n1\n2\n3\n", f) >= 0);
	cr_assert_eq(fclose(f), 0);
	snprintf(common, sizeof common,
		 "accuracy --op xent,xent_fused --dtype f32 --dist lm --n 7,300 --rows 8 "
		 "--targets %s --label-smoothing 0.1 --ignore-index 2",
		 path);
	for (size_t i = 0; i < 4; i++) {
		snprintf(args, sizeof args, "--plugin %s/xent_opts.so %s --impl xsmooth/%s",
			 SMX_PLUGINS, common, impls[i]);
		int st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
		cr_expect_eq(st, i ? 1 : 0, "xsmooth/%s: exit %d: %s", impls[i], st, err);
		if (i)
			cr_expect(strstr(err, "claim broken"), "xsmooth/%s: %s", impls[i], err);
	}
	snprintf(args, sizeof args, "--plugin %s/xent_opts.so %s --impl xsmooth/legacy",
		 SMX_PLUGINS, common);
	int st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect(st == 1 && strstr(err, "skipped") && strstr(err, "nothing was measured"),
		  "legacy under options: exit %d: %s", st, err);
	snprintf(args, sizeof args,
		 "--plugin %s/xent_opts.so accuracy --op xent --dtype f32 --n 7 --rows 8 --impl "
		 "xsmooth/legacy",
		 SMX_PLUGINS);
	st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "legacy at the defaults: exit %d: %s", st, err);
	smx_test_rmtree(dir);
}

/* ---- logprob_nats ---- */

/* Log-softmax in double, every output shifted by 0.01 nats. */
static void ls_off(const double *x, double *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		long double m = -INFINITY, s = 0;
		for (size_t i = 0; i < n; i++)
			m = x[i] > m ? x[i] : m;
		for (size_t i = 0; i < n; i++)
			s += expl(x[i] - m);
		for (size_t i = 0; i < n; i++)
			y[i] = (double)(x[i] - m - logl(s) + 0.01L);
	}
}

/* Bug caught: a metric that is not the largest |log p computed - log p| in
 * nats (relative, in ulps, or kept for another op), or that misses a
 * shifted row; the built-in's value stays near its few ulps. */
Test(xent_opts, logprob_nats_measures_nats)
{
	struct smx_dist d;
	cr_assert_eq(smx_dist_parse("lm", &d), 0);
	struct smx_case c;
	smx_case_generate(&c, SMX_OP_LOGSOFTMAX, SMX_F64, &d, 5, 8, 1000);
	struct smx_impl im = {.name = "off/ld",
			      .algo = "off",
			      .isa = "ld",
			      .op = SMX_OP_LOGSOFTMAX,
			      .dtype = SMX_F64,
			      .origin = SMX_ORIGIN_BUILTIN,
			      .fn.f64 = ls_off,
			      .bound = {.kind = SMX_BOUND_ABS, .c0 = INFINITY}};
	struct smx_metrics m;
	measure(&im, &c, &m);
	cr_expect(fabs(m.logprob_nats - 0.01) < 1e-9, "planted 0.01 nats: %a", m.logprob_nats);
	const struct smx_impl *b = smx_registry_find(SMX_OP_LOGSOFTMAX, SMX_F64, "shifted/scalar");
	cr_assert(b);
	measure(b, &c, &m);
	cr_expect(m.logprob_nats >= 0 && m.logprob_nats < 1e-12, "shifted/scalar: %g nats",
		  m.logprob_nats);
	smx_case_free(&c);
	/* Softmax has no log-probs. */
	smx_case_generate(&c, SMX_OP_SOFTMAX, SMX_F64, &d, 5, 2, 10);
	measure(smx_registry_find(SMX_OP_SOFTMAX, SMX_F64, "shifted/scalar"), &c, &m);
	cr_expect(isnan(m.logprob_nats), "softmax: %g", m.logprob_nats);
	smx_case_free(&c);
}

/* xent: without smoothing the loss error is the target's log-prob error
 * (logprob_nats = abs_err); with smoothing the loss is no log-prob (NaN). */
Test(xent_opts, logprob_nats_of_xent)
{
	struct smx_dist d;
	cr_assert_eq(smx_dist_parse("lm", &d), 0);
	const struct smx_impl *b = smx_registry_find(SMX_OP_XENT, SMX_F32, "shifted/scalar");
	cr_assert(b);
	for (int e = 0; e < 2; e++) {
		set_opts(e ? 0.1 : 0, -100);
		struct smx_case c;
		smx_case_generate(&c, SMX_OP_XENT, SMX_F32, &d, 5, 8, 1000);
		struct smx_metrics m;
		measure(b, &c, &m);
		if (e)
			cr_expect(isnan(m.logprob_nats), "eps 0.1: %g", m.logprob_nats);
		else
			cr_expect(m.logprob_nats == m.abs_err && m.abs_err > 0,
				  "eps 0: %g nats, abs_err %g", m.logprob_nats, m.abs_err);
		smx_case_free(&c);
	}
	smx_xent_params_set(NULL);
}

/* The column is in accuracy's output for logsoftmax, in nats. */
Test(xent_opts, cli_logprob_column, .timeout = 120)
{
	int st = smx_test_smx(NULL, NULL,
			      "accuracy --op logsoftmax --dtype f32 --dist lm --n 1000 --rows 4 "
			      "--impl shifted/scalar --format csv",
			      out, sizeof out, err, sizeof err);
	cr_assert_eq(st, 0, "exit %d: %s", st, err);
	char *nl = strchr(out, '\n');
	cr_assert(nl);
	*nl = 0;
	char *at = strstr(out, ",logprob_nats");
	cr_assert(at, "no logprob_nats column: %s", out);
	size_t col = 1;
	for (char *p = out; p < at; p++)
		col += *p == ',';
	char *row = nl + 1;
	for (size_t i = 0; i < col; i++)
		row = strchr(row, ',') + 1;
	double v = strtod(row, NULL);
	cr_expect(v > 0 && v < 1e-4, "logprob_nats %g (f32 log-probs near -60 err by ulps of 4e-6)",
		  v);
}
