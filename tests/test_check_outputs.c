/* smx check's outputs lines: outputs computed elsewhere, gated like an
 * entry. Correctly rounded outputs pass, outputs many ulps off fail, a
 * missing file fails the line (never skipped, never bad input), and
 * --update rewrites the budgets alone. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "baseline.h"
#include "rows.h"
#include "testutil.h"

static char dir[256];
static char out[8192], err[8192];

static const char *at(const char *name)
{
	static char buf[4][512];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(at(name), "w");
	cr_assert(f);
	cr_assert(fputs(text, f) >= 0);
	cr_assert_eq(fclose(f), 0);
}

static void read_file(const char *name, char *buf, size_t len)
{
	FILE *f = fopen(at(name), "rb");
	cr_assert(f, "cannot open %s", name);
	size_t k = fread(buf, 1, len - 1, f);
	buf[k] = 0;
	fclose(f);
}

/* x.txt: 4 rows of 64 f32 logits; y.npy their correctly rounded softmax
 * (smx ref); off.txt the same with one value 200 ulps up; nan.txt with
 * one NaN; short.txt its first row only. The baselines live in b/, so their paths say ../. */
static void setup(void)
{
	smx_test_tmpdir(dir, sizeof dir);
	cr_assert_eq(mkdir(at("b"), 0700), 0);
	FILE *f = fopen(at("x.txt"), "w");
	cr_assert(f);
	for (int r = 0; r < 4; r++)
		for (int i = 0; i < 64; i++)
			fprintf(f, "%a%c", (double)(float)(3 * sin(7.3 * r + 0.37 * i) + 0.01 * i),
				i == 63 ? '\n' : ' ');
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(smx_test_smx(dir, NULL, "ref --dtype f32 --output y.npy x.txt", out,
				  sizeof out, err, sizeof err),
		     0, "%s", err);
	f = fopen(at("y.npy"), "rb");
	cr_assert(f);
	struct smx_rows ys;
	char e[256];
	cr_assert_eq(smx_rows_read_npy(f, "y.npy", SMX_F32, &ys, e, sizeof e), 0, "%s", e);
	fclose(f);
	cr_assert(ys.count == 4 && smx_rows_width(&ys) == 64);
	FILE *o = fopen(at("off.txt"), "w"), *s = fopen(at("short.txt"), "w"),
	     *n = fopen(at("nan.txt"), "w");
	cr_assert(o && s && n);
	for (size_t i = 0; i < 256; i++) {
		float v = (float)ys.x[i];
		if (i == 70)
			for (int k = 0; k < 200; k++)
				v = nextafterf(v, 2.0f);
		fprintf(o, "%a%c", (double)v, i % 64 == 63 ? '\n' : ' ');
		fprintf(n, "%a%c", i == 130 ? NAN : ys.x[i], i % 64 == 63 ? '\n' : ' ');
		if (i < 64)
			fprintf(s, "%a%c", (double)v, i % 64 == 63 ? '\n' : ' ');
	}
	cr_assert_eq(fclose(o), 0);
	cr_assert_eq(fclose(s), 0);
	cr_assert_eq(fclose(n), 0);
	smx_rows_free(&ys);
}

static void teardown(void)
{
	smx_test_rmtree(dir);
}

/* smx check on b/NAME, run from dir (so a path taken relative to the
 * working directory, not the baseline's, misses its file). */
static int check(const char *name, const char *extra)
{
	char args[600];
	snprintf(args, sizeof args, "check --baseline b/%s%s", name, extra);
	return smx_test_smx(dir, NULL, args, out, sizeof out, err, sizeof err);
}

static size_t count_lines(const char *s)
{
	size_t k = 0;
	for (; *s; s++)
		k += *s == '\n';
	return k;
}

Test(check_outputs, correctly_rounded_pass_and_ulps_off_fail, .init = setup, .fini = teardown)
{
	/* A correctly rounded output is within 0.5 ulp: the tightest budgets
	 * hold. The entry-free name is no unknown entry. */
	write_file("b/cr.txt", "outputs softmax f32 torch ../x.txt ../y.npy max_ulp=0.5 "
			       "mean_ulp=0.5 sum_err_ulp=inf bad_rows=0\n");
	cr_expect_eq(check("cr.txt", ""), 0, "%s%s", out, err);
	/* The same budgets, one value 200 ulps off: the line fails on max_ulp. */
	write_file("b/off.txt", "outputs softmax f32 torch ../x.txt ../off.txt max_ulp=44.5 "
				"mean_ulp=inf sum_err_ulp=inf bad_rows=0\n");
	cr_expect_eq(check("off.txt", ""), 1, "%s%s", out, err);
	cr_expect(strstr(out, "FAIL") && strstr(out, "max_ulp"), "%s", out);
	/* A NaN row fails whatever the budgets say: the verdict is an entry's. */
	write_file("b/nan.txt", "outputs softmax f32 torch ../x.txt ../nan.txt max_ulp=inf "
				"mean_ulp=inf sum_err_ulp=inf bad_rows=inf\n");
	cr_expect_eq(check("nan.txt", ""), 1, "%s%s", out, err);
	cr_expect(strstr(out, "1 nan"), "%s", out);
	/* A wrong shape fails the line (exit 1), as a missing file does. */
	write_file("b/short.txt", "outputs softmax f32 torch ../x.txt ../short.txt max_ulp=inf "
				  "mean_ulp=inf sum_err_ulp=inf bad_rows=0\n");
	cr_expect_eq(check("short.txt", ""), 1, "%s%s", out, err);
	cr_expect(strstr(out, "short.txt") && strstr(out, "rows"), "%s", out);
}

Test(check_outputs, missing_file_fails_the_line, .init = setup, .fini = teardown)
{
	const char *line = "outputs logsoftmax f32 gpu ../x.txt ../gone.npy max_ulp=inf "
			   "mean_ulp=inf sum_err_ulp=inf bad_rows=0\n";
	char base[600];
	snprintf(base, sizeof base, "# a gate\n%s", line);
	write_file("b/miss.txt", base);
	const char *const extra[] = {"", " --allow-missing", " --update"};
	for (size_t i = 0; i < 3; i++) {
		cr_expect_eq(check("miss.txt", extra[i]), 1, "%s: %s%s", extra[i], out, err);
		cr_expect_eq(count_lines(out), 1, "%s: %s", extra[i], out);
		cr_expect(strstr(out, "FAIL") && strstr(out, "gone.npy"), "%s: %s", extra[i], out);
	}
	/* --update leaves a line it could not measure as it was. */
	char got[1024];
	read_file("b/miss.txt", got, sizeof got);
	cr_expect_str_eq(got, base);
	/* The input is a file too. */
	write_file("b/noin.txt", "outputs softmax f32 t ../none.txt ../y.npy max_ulp=inf "
				 "mean_ulp=inf sum_err_ulp=inf bad_rows=0\n");
	cr_expect_eq(check("noin.txt", ""), 1, "%s%s", out, err);
	cr_expect(strstr(out, "none.txt"), "%s", out);
}

Test(check_outputs, update_rewrites_budgets_only, .init = setup, .fini = teardown)
{
	const char *head = "outputs\tsoftmax f32  torch-cpu ../x.txt  ../y.npy   ";
	const char *tail = "  # dumped by torch_dump.py\r\n";
	char line[600];
	snprintf(line, sizeof line, "%smax_ulp=inf mean_ulp=0 sum_err_ulp=inf bad_rows=7%s", head,
		 tail);
	write_file("b/up.txt", line);
	cr_assert_eq(check("up.txt", " --update"), 0, "%s%s", out, err);
	char got[1024];
	read_file("b/up.txt", got, sizeof got);
	cr_expect(!strncmp(got, head, strlen(head)), "%s", got);
	size_t lg = strlen(got), lt = strlen(tail);
	cr_expect(lg > lt && !strcmp(got + lg - lt, tail), "%s", got);
	struct smx_bline b;
	char e[256];
	cr_assert_eq(smx_bline_parse(got, &b, e, sizeof e), 0, "%s", e);
	cr_expect_eq(b.kind, 4);
	/* Fresh budgets: finite, with smx_budget's headroom over a correctly
	 * rounded measurement (n = 64: at least 4 + 5 * 8 = 44 ulps), and
	 * bad_rows exact. */
	cr_expect(b.budget[0] >= 44 && b.budget[0] <= 44.5, "max_ulp=%g", b.budget[0]);
	cr_expect(b.budget[1] > 0 && isfinite(b.budget[1]), "mean_ulp=%g", b.budget[1]);
	cr_expect(isfinite(b.budget[2]), "sum_err_ulp=%g", b.budget[2]);
	cr_expect_eq(b.budget[3], 0);
	cr_expect_eq(check("up.txt", ""), 0, "%s%s", out, err);
}

/* The line's fields, --shape included, survive a rewrite; the budgets are
 * the last four fields wherever --shape puts them. */
Test(check_outputs, parse_and_rewrite)
{
	const char *text = "outputs logsoftmax f64 jax in.f64 out.f64 --shape 3x5 max_ulp=1 "
			   "mean_ulp=2 cond_err=3 bad_rows=4\n";
	struct smx_bline a, b;
	char e[256];
	cr_expect_neq(smx_bline_parse(text, &a, e, sizeof e), 0, "cond_err taken for a forward op");
	text = "outputs logsoftmax f64 jax in.f64 out.f64 --shape 3x5 max_ulp=1 mean_ulp=2 "
	       "sum_err_ulp=3 bad_rows=4\n";
	cr_assert_eq(smx_bline_parse(text, &a, e, sizeof e), 0, "%s", e);
	cr_expect(a.kind == 4 && a.op == SMX_OP_LOGSOFTMAX && a.dt == SMX_F64);
	cr_expect_str_eq(a.impl, "jax");
	cr_expect_str_eq(a.input, "in.f64");
	cr_expect_str_eq(a.output, "out.f64");
	cr_expect_str_eq(a.shape, "3x5");
	for (int i = 0; i < 4; i++)
		cr_expect_eq(a.budget[i], i + 1);
	const double v[4] = {1.5, 2.5, 3.25, 7};
	char *r = smx_bline_rewrite(text, &a, v);
	cr_expect_str_eq(r, "outputs logsoftmax f64 jax in.f64 out.f64 --shape 3x5 max_ulp=1.5 "
			    "mean_ulp=2.5 sum_err_ulp=3.25 bad_rows=7\n");
	cr_assert_eq(smx_bline_parse(r, &b, e, sizeof e), 0, "%s", e);
	free(r);
	const char *bad[] = {
	    "outputs vjp f32 t x.txt y.txt max_ulp=1 mean_ulp=1 cond_err=1 bad_rows=0",
	    "outputs softmax f32 t x.f32 y.f32 --shape 3 max_ulp=1 mean_ulp=1 sum_err_ulp=1 "
	    "bad_rows=0",
	    "outputs softmax f32 t x.txt max_ulp=1 mean_ulp=1 sum_err_ulp=1 bad_rows=0",
	    "outputs softmax f32 t=u x.txt y.txt max_ulp=1 mean_ulp=1 sum_err_ulp=1 bad_rows=0",
	    "outputs softmax f32 t x.f32 y.npy max_ulp=1 mean_ulp=1 sum_err_ulp=1 bad_rows=0",
	    "outputs softmax f32 t x.txt y.npy --shape 2x3 max_ulp=1 mean_ulp=1 sum_err_ulp=1 "
	    "bad_rows=0",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_expect_neq(smx_bline_parse(bad[i], &b, e, sizeof e), 0, "accepted: %s", bad[i]);
}

/* A malformed outputs line is bad input: exit 2 naming the file and line. */
Test(check_outputs, malformed_line_is_bad_input, .init = setup, .fini = teardown)
{
	write_file("b/bad.txt", "outputs jacobian f32 t ../x.txt ../y.npy max_ulp=1 mean_ulp=1 "
				"cond_err=1 bad_rows=0\n");
	cr_expect_eq(check("bad.txt", ""), 2, "%s%s", out, err);
	cr_expect(strstr(err, "bad.txt:1"), "%s", err);
}
