/* logsoftmax_jvp, dy = v - <exp(y), v>: the reference against an
 * independent high-precision evaluation and at its exact midpoints; every
 * entry within its claim on random and edge rows and in place; planted bugs
 * (tests/plugins/lsjvp_planted.c) caught by accuracy and hunt while a
 * correct control passes; the CLI. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <mpfr.h>

#include "measure.h"
#include "op.h"
#include "ref.h"
#include "smx.h"
#include "testutil.h"

static char out[1 << 16], err[1 << 14];

#define HP 4096 /* bits of the independent evaluation */

/* dy of the formula at HP bits, straight from the definition: D = sum_j
 * e^y_j v_j from y, or sum_j s_j v_j with s = exp(x - max) / sum exp(x -
 * max) from x. exact[i] gets dy_i to double, dy[i] dy_i rounded once to dt
 * (normal results). */
static void hp_eval(smx_dtype dt, int from_x, const double *a, const double *v, size_t n,
		    double *exact, double *dy)
{
	mpfr_t d, t, sum, r;
	mpfr_inits2(HP, d, t, sum, (mpfr_ptr)0);
	mpfr_init2(r, dt == SMX_F32 ? 24 : 53);
	double m = -INFINITY;
	for (size_t j = 0; j < n; j++)
		m = from_x && a[j] > m ? a[j] : m;
	mpfr_set_zero(d, 1);
	mpfr_set_zero(sum, 1);
	for (size_t j = 0; j < n; j++) {
		mpfr_set_d(t, a[j], MPFR_RNDN);
		if (from_x)
			mpfr_sub_d(t, t, m, MPFR_RNDN);
		mpfr_exp(t, t, MPFR_RNDN);
		mpfr_add(sum, sum, t, MPFR_RNDN);
		mpfr_mul_d(t, t, v[j], MPFR_RNDN);
		mpfr_add(d, d, t, MPFR_RNDN);
	}
	if (from_x)
		mpfr_div(d, d, sum, MPFR_RNDN);
	for (size_t i = 0; i < n; i++) {
		mpfr_d_sub(t, v[i], d, MPFR_RNDN);
		exact[i] = mpfr_get_d(t, MPFR_RNDN);
		mpfr_set(r, t, MPFR_RNDN);
		dy[i] = mpfr_get_d(r, MPFR_RNDN);
	}
	mpfr_clears(d, t, sum, r, (mpfr_ptr)0);
}

static double uniform(uint64_t *st)
{
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(*st >> 11) * 0x1p-53;
}

/* The reference rounds what the formula gives: random rows of both
 * modes, with -inf entries, repeated values and n = 1 among them. Catches
 * a reference with a wrong sign, weight (s for e^y) or rounding. */
Test(lsjvp, reference_matches_high_precision, .timeout = 120)
{
	uint64_t st = 2026;
	double a[40], v[40], exact[40], want[40];
	struct smx_refval got[40];
	for (int dti = 0; dti < 2; dti++) {
		smx_dtype dt = dti ? SMX_F64 : SMX_F32;
		for (int trial = 0; trial < 120; trial++) {
			int from_x = trial % 2;
			size_t n = 1 + (size_t)trial % 37;
			for (size_t j = 0; j < n; j++) {
				a[j] = from_x ? 12 * uniform(&st) - 6 : -8 * uniform(&st);
				v[j] = 2 * uniform(&st) - 1;
				if (dt == SMX_F32)
					a[j] = (float)a[j], v[j] = (float)v[j];
			}
			if (n > 2 && trial % 3 == 0)
				a[1] = -INFINITY;
			if (n > 3 && trial % 5 == 0)
				a[3] = a[2];
			hp_eval(dt, from_x, a, v, n, exact, want);
			cr_assert_eq(
			    smx_ref_backward(SMX_OP_LOGSOFTMAX_JVP, dt, from_x, a, v, n, got),
			    SMX_REF_OK);
			for (size_t i = 0; i < n; i++) {
				cr_expect(got[i].cr == want[i],
					  "%s from %s n=%zu [%zu]: %a, not %a", smx_dtype_name(dt),
					  from_x ? "x" : "y", n, i, got[i].cr, want[i]);
				cr_expect(fabs(smx_ref_value(&got[i]) - exact[i]) <=
					      0x1p-45 * fabs(exact[i]),
					  "%s n=%zu [%zu]: value %a, not %a", smx_dtype_name(dt), n,
					  i, smx_ref_value(&got[i]), exact[i]);
			}
		}
	}
}

/* Rows whose exact dy_i is a midpoint of f32 or exactly 0 while the terms
 * are transcendental: summing v over equal y (or equal x) first is what
 * lets the Ziv loop end. A reference that bounds each term apart never
 * settles them (it aborts) or rounds the tie off even. */
Test(lsjvp, reference_settles_exact_midpoints)
{
	static const struct {
		int from_x;
		size_t n;
		double a[4], v[4], want[4];
	} cases[] = {
	    /* given y = (0, a, a): dy_1 = 1 + 2^-24, dy_2 = -(1 + 3 2^-24) */
	    {0,
	     3,
	     {0, 0.125, 0.125},
	     {0x1p-24, 0x1.000002p+0, -0x1.000002p+0},
	     {0, 1, -0x1.000004p+0}},
	    /* from x: both groups have mean 2^-14 of v, so D = 2^-14 exactly */
	    {1, 3, {0, 0, 3}, {0x1.000002p+10, -0x1p+10, 0x1p-14}, {0x1p+10, -0x1p+10, 0}},
	    /* +inf entries: the limit, D = (2 + 3) / 2 */
	    {1, 4, {1, INFINITY, INFINITY, 2}, {1, 2, 3, 4}, {-1.5, -0.5, 0.5, 1.5}},
	    /* given y with -inf, and y = 0 alone */
	    {0, 2, {-INFINITY, 0}, {5, 2}, {3, 0}},
	    {0, 1, {0}, {3}, {0}},
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		struct smx_refval got[4];
		cr_assert_eq(smx_ref_backward(SMX_OP_LOGSOFTMAX_JVP, SMX_F32, cases[k].from_x,
					      cases[k].a, cases[k].v, cases[k].n, got),
			     SMX_REF_OK);
		for (size_t i = 0; i < cases[k].n; i++)
			cr_expect(got[i].cr == cases[k].want[i] &&
				      !signbit(got[i].cr) == !signbit(cases[k].want[i]),
				  "case %zu [%zu]: %a, not %a", k, i, got[i].cr, cases[k].want[i]);
	}
}

static int is_lsjvp(const struct smx_impl *im)
{
	return im->op == SMX_OP_LOGSOFTMAX_JVP && smx_impl_runnable(im);
}

/* One case: logits of kind xk (random; every third -inf; one dominant),
 * gradients of kind gk (normal:1 from the case; huge), reference from y. */
static void check_claim(const struct smx_impl *im, size_t n, int xk, int gk)
{
	uint64_t st = 5 + n * 7 + (uint64_t)(xk * 3 + gk);
	struct smx_rows x;
	smx_rows_alloc(&x, im->dtype, 1, n);
	for (size_t i = 0; i < n; i++) {
		x.x[i] = (float)(12 * uniform(&st) - 6);
		if (xk == 1 && i % 3 == 1)
			x.x[i] = -INFINITY;
		if (xk == 2 && i == n / 2)
			x.x[i] = 40;
	}
	struct smx_case c;
	struct smx_case_opts o = {.from_x = 0};
	smx_case_adopt_opts(&c, im->op, &x, 1, &o);
	if (gk == 1) {
		for (size_t i = 0; i < n; i++) {
			double u = 2 * uniform(&st) - 1;
			c.g[i] = im->dtype == SMX_F32 ? (float)(u * 1e30) : u * 1e300;
		}
		smx_ref_backward_rows(im->op, im->dtype, 0, c.in, c.g, 1, n, c.ref, c.status);
	}
	struct smx_metrics m;
	smx_metrics_init(&m);
	smx_measure(im, &c, &m, NULL);
	cr_expect(m.rows == 1 && m.wrong_rows + m.nan_rows + m.inf_rows == 0 && m.decl_ratio <= 1,
		  "%s %s n=%zu x%d g%d: cond %g, declared ratio %g", smx_dtype_name(im->dtype),
		  im->name, n, xk, gk, m.cond_err, m.decl_ratio);
	smx_case_free(&c);
}

/* Every entry within its claim at n = 1, 2 and around every lane count
 * (4, 8, 16) and beyond, on rows with -inf in y and with a dominant
 * entry, with ordinary and huge v. Catches a kernel that mishandles its
 * tail lanes (padding that is not exp(-inf) 0) or the -inf entries. */
Test(lsjvp, entries_within_claim_on_edge_rows, .timeout = 300)
{
	static const size_t ns[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 1000};
	int seen = 0;
	for (size_t k = 0; k < smx_registry_count(); k++) {
		const struct smx_impl *im = smx_registry_get(k);
		if (!is_lsjvp(im))
			continue;
		seen++;
		for (size_t j = 0; j < sizeof ns / sizeof *ns; j++)
			for (int xk = 0; xk < 3; xk++)
				for (int gk = 0; gk < 2; gk++)
					check_claim(im, ns[j], xk, gk);
	}
	cr_expect(seen >= 2, "only %d logsoftmax_jvp entries run here", seen);
}

/* Out aliasing v, or y, gives the bits of the out-of-place call. Catches a
 * kernel that writes dy_i before the dot has read the row. */
Test(lsjvp, entries_in_place)
{
	static const size_t ns[] = {1, 7, 17, 100};
	uint64_t st = 99;
	for (size_t k = 0; k < smx_registry_count(); k++) {
		const struct smx_impl *im = smx_registry_get(k);
		if (!is_lsjvp(im))
			continue;
		size_t w = im->dtype == SMX_F32 ? sizeof(float) : sizeof(double);
		for (size_t j = 0; j < sizeof ns / sizeof *ns; j++) {
			size_t n = ns[j], rows = 3;
			char *y = malloc(rows * n * w), *v = malloc(rows * n * w);
			char *ref = malloc(rows * n * w), *buf = malloc(rows * n * w);
			cr_assert(y && v && ref && buf);
			for (size_t i = 0; i < rows * n; i++) {
				double yy = -6 * uniform(&st), vv = 2 * uniform(&st) - 1;
				if (im->dtype == SMX_F32) {
					((float *)y)[i] = (float)yy;
					((float *)v)[i] = (float)vv;
				} else {
					((double *)y)[i] = yy;
					((double *)v)[i] = vv;
				}
			}
			smx_impl_run(im, y, v, ref, rows, n);
			memcpy(buf, v, rows * n * w);
			smx_impl_run(im, y, buf, buf, rows, n);
			cr_expect(!memcmp(buf, ref, rows * n * w), "%s %s n=%zu: out = v differs",
				  smx_dtype_name(im->dtype), im->name, n);
			memcpy(buf, y, rows * n * w);
			smx_impl_run(im, buf, v, buf, rows, n);
			cr_expect(!memcmp(buf, ref, rows * n * w), "%s %s n=%zu: out = y differs",
				  smx_dtype_name(im->dtype), im->name, n);
			free(y);
			free(v);
			free(ref);
			free(buf);
		}
	}
}

/* A file in a fresh directory holding text. */
static void write_file(const char *dir, const char *name, const char *text, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	cr_assert(fputs(text, f) >= 0);
	cr_assert_eq(fclose(f), 0);
}

/* smx ref takes the op by its table name and reads pairs of lines: from x
 * by default, from y with --from s. */
Test(lsjvp, cli_ref)
{
	char dir[256], in[300];
	smx_test_tmpdir(dir, sizeof dir);
	write_file(dir, "x.txt", "0 0 3\n0x1.000002p+10 -0x1p+10 0x1p-14\n", in, sizeof in);
	int st = smx_test_smx(NULL, in, "ref --op logsoftmax_jvp --dtype f32", out, sizeof out, err,
			      sizeof err);
	cr_expect_eq(st, 0, "%s", err);
	cr_expect_str_eq(out, "0x1p+10 -0x1p+10 0x0p+0\n");
	write_file(dir, "y.txt", "0 0x1p-3 0x1p-3\n0x1p-24 0x1.000002p+0 -0x1.000002p+0\n", in,
		   sizeof in);
	st = smx_test_smx(NULL, in, "ref --op logsoftmax_jvp --dtype f32 --from s", out, sizeof out,
			  err, sizeof err);
	cr_expect_eq(st, 0, "%s", err);
	cr_expect_str_eq(out, "0x0p+0 0x1p+0 -0x1.000004p+0\n");
	smx_test_rmtree(dir);
}

/* accuracy and hunt take the op through the table: the built-in passes;
 * the plug-in's planted bugs (the dot's sign flipped; exp(y) taken as y)
 * break their claim, exit 1; its correct control (the dot summed
 * backwards) passes, exit 0. */
Test(lsjvp, cli_accuracy_and_hunt_catch_planted_bugs, .timeout = 300)
{
	static const struct {
		const char *args;
		int code;
	} runs[] = {
	    {"accuracy --op logsoftmax_jvp --dtype f32 --n 1,17 --rows 4", 0},
	    {"hunt --op logsoftmax_jvp --dtype f32 --impl naive/scalar --seconds 1", 0},
	    {"--plugin " SMX_PLUGINS "/lsjvp_planted.so accuracy --op logsoftmax_jvp --dtype f32 "
	     "--impl flipped/scalar --n 17 --rows 4",
	     1},
	    {"--plugin " SMX_PLUGINS "/lsjvp_planted.so accuracy --op logsoftmax_jvp --dtype f32 "
	     "--impl expy/scalar --n 17 --rows 4",
	     1},
	    {"--plugin " SMX_PLUGINS "/lsjvp_planted.so accuracy --op logsoftmax_jvp --dtype f32 "
	     "--impl reversed/scalar --n 1,17,200 --rows 4",
	     0},
	    {"--plugin " SMX_PLUGINS "/lsjvp_planted.so hunt --op logsoftmax_jvp --dtype f32 "
	     "--impl flipped/scalar --seconds 1",
	     1},
	    {"--plugin " SMX_PLUGINS "/lsjvp_planted.so hunt --op logsoftmax_jvp --dtype f32 "
	     "--impl reversed/scalar --seconds 1",
	     0},
	};
	for (size_t k = 0; k < sizeof runs / sizeof *runs; k++) {
		int st = smx_test_smx(NULL, NULL, runs[k].args, out, sizeof out, err, sizeof err);
		cr_expect_eq(st, runs[k].code, "'smx %s': exit %d, not %d; stderr: %s",
			     runs[k].args, st, runs[k].code, err);
		cr_expect(strstr(out, "logsoftmax_jvp"), "'smx %s': %s", runs[k].args, out);
	}
}
