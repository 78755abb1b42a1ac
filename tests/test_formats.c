/* bf16 and f16 as storage formats, e4m3 and e5m2 as output formats: the
 * reference rounded in the target format (against an oracle built on
 * MPFR's own subnormal emulation), text and binary rows, generators. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <mpfr.h>

#include "dtype.h"
#include "metrics.h"
#include "op.h"
#include "ref.h"
#include "rows.h"

/* softmax_i of x in format d, at 400 bits then rounded by MPFR's
 * emulation of a format with prec bits and the row's exponent range. */
static double oracle_softmax(const struct smx_dtype_info *d, const double *x, size_t n, size_t i)
{
	mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
	mpfr_t s, t, v;
	mpfr_inits2(400, s, t, (mpfr_ptr)0);
	mpfr_set_zero(s, 1);
	for (size_t j = 0; j < n; j++) {
		mpfr_set_d(t, x[j], MPFR_RNDN);
		mpfr_exp(t, t, MPFR_RNDN);
		mpfr_add(s, s, t, MPFR_RNDN);
	}
	mpfr_set_d(t, x[i], MPFR_RNDN);
	mpfr_exp(t, t, MPFR_RNDN);
	mpfr_div(t, t, s, MPFR_RNDN);
	/* MPFR's m 2^E with m in [1/2, 1): the least subnormal 2^emin_sub is
	 * 2^(emin_sub + 1) / 2, the largest finite below 2^(emax + 1). */
	mpfr_init2(v, d->prec);
	mpfr_set_emin(d->emin_sub + 1);
	mpfr_set_emax(d->emax + 1);
	int in = mpfr_set(v, t, MPFR_RNDN);
	in = mpfr_check_range(v, in, MPFR_RNDN);
	mpfr_subnormalize(v, in, MPFR_RNDN);
	double r = mpfr_get_d(v, MPFR_RNDN);
	mpfr_set_emin(emin);
	mpfr_set_emax(emax);
	mpfr_clears(s, t, v, (mpfr_ptr)0);
	return r;
}

/* Rows whose outputs span normal, subnormal and zero in each format
 * (the spread of the generators' "wide" family, and plain rows). */
Test(formats, reference_rounds_in_the_target_format)
{
	static const smx_dtype fmts[] = {SMX_BF16, SMX_F16, SMX_E4M3, SMX_E5M2};
	const char *const specs[] = {"normal:3", "wide", "uniform:-30,0"};
	enum { N = 9, R = 40 };
	/* Both paths: the fast one and the MPFR loop alone. */
	for (int slow = 0; slow < 2; slow++)
		for (size_t f = 0; f < sizeof fmts / sizeof *fmts; f++)
			for (size_t k = 0; k < 3; k++) {
				smx_ref_set_mpfr_only(slow);
				const struct smx_dtype_info *d = smx_dtype_info(fmts[f]);
				struct smx_dist dist;
				cr_assert_eq(smx_dist_parse(specs[k], &dist), 0);
				double x[R * N];
				/* Inputs in bf16 (every input format holds them as f32 would). */
				smx_dist_fill(&dist, SMX_BF16, 5 + k, R, N, x);
				struct smx_refval out[R * N];
				int st[R];
				smx_ref_rows(SMX_REF_SOFTMAX, fmts[f], x, R, N, NULL, out, st);
				for (size_t r = 0; r < R; r++)
					for (size_t i = 0; i < N; i++) {
						double want = oracle_softmax(d, x + r * N, N, i);
						cr_assert(st[r] == SMX_REF_OK &&
							      out[r * N + i].cr == want,
							  "%s %s row %zu [%zu] (%s): reference %a, "
							  "oracle %a",
							  d->name, specs[k], r, i,
							  slow ? "MPFR" : "fast", out[r * N + i].cr,
							  want);
					}
			}
	smx_ref_set_mpfr_only(0);
}

Test(formats, generators_give_values_of_the_format)
{
	static const smx_dtype fmts[] = {SMX_BF16, SMX_F16};
	for (size_t f = 0; f < 2; f++)
		for (size_t k = 0; k < smx_dist_ndefaults; k++) {
			struct smx_dist dist;
			cr_assert_eq(smx_dist_parse(smx_dist_defaults[k], &dist), 0);
			double x[4 * 33];
			smx_dist_fill(&dist, fmts[f], 1, 4, 33, x);
			for (size_t i = 0; i < 4 * 33; i++)
				cr_assert(smx_dtype_holds(fmts[f], x[i]), "%s %s: %a",
					  smx_dtype_name(fmts[f]), smx_dist_defaults[k], x[i]);
		}
}

static int parse(const char *text, smx_dtype dt, struct smx_rows *rs, char *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	cr_assert(f);
	int rc = smx_rows_parse(f, "t", dt, rs, err, 256);
	fclose(f);
	return rc;
}

Test(formats, text_rows_exact_or_refused_at_line_and_column)
{
	struct smx_rows rs;
	char err[256];
	/* 0x3f80 is the number 16256 (8 significant bits: a bf16), not a
	 * bit pattern. */
	cr_assert_eq(parse("1.5 0x1.8p+3 0x3f80 -inf\n0x1p-133\n", SMX_BF16, &rs, err), 0, "%s",
		     err);
	cr_expect(rs.x[2] == 16256 && rs.x[4] == 0x1p-133);
	smx_rows_free(&rs);
	cr_assert_eq(parse("1 2\n1.5 0.1\n", SMX_F16, &rs, err), -1);
	cr_expect(strstr(err, "t:2:5:") && strstr(err, "f16"), "%s", err);
	cr_assert_eq(parse("0x1p-134\n", SMX_BF16, &rs, err), -1);
	cr_expect(strstr(err, "t:1:1:"), "%s", err);
	cr_assert_eq(parse("0x1.004p+0\n", SMX_F16, &rs, err), 0, "%s", err);
	smx_rows_free(&rs);
	cr_assert_eq(parse("0x1.004p+0\n", SMX_BF16, &rs, err), -1, "a bf16 took 11 bits");
}

/* Written as .npy in the format, read back: the same values; bf16's <u2
 * bit patterns only where bf16 is asked for. */
Test(formats, npy_and_raw_in_the_storage_formats)
{
	double v[6] = {1, -0x1p-24, 65504, 0.5, -3, 0x1.ff8p-15}; /* the last subnormal */
	char path[] = "/tmp/smx-formats-XXXXXX";
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	FILE *f = fdopen(fd, "w+b");
	smx_write_npy(f, SMX_F16, v, 2, 3, 2);
	rewind(f);
	struct smx_rows rs;
	char err[256];
	cr_assert_eq(smx_rows_read_npy(f, path, SMX_F16, &rs, err, sizeof err), 0, "%s", err);
	cr_expect(rs.count == 2 && !memcmp(rs.x, v, sizeof v));
	smx_rows_free(&rs);
	rewind(f);
	cr_assert_eq(ftruncate(fd, 0), 0);
	smx_write_npy(f, SMX_BF16, (double[]){1, -0x1p-133, 3}, 1, 3, 2);
	fflush(f);
	rewind(f);
	cr_expect_eq(smx_rows_read_npy(f, path, SMX_F32, &rs, err, sizeof err), -1,
		     "<u2 read as f32");
	rewind(f);
	cr_assert_eq(smx_rows_read_npy(f, path, SMX_BF16, &rs, err, sizeof err), 0, "%s", err);
	cr_expect(rs.x[1] == -0x1p-133 && rs.x[2] == 3);
	smx_rows_free(&rs);
	fclose(f);
	unlink(path);
	smx_dtype fmt;
	cr_expect(smx_raw_format("a/b.bf16", &fmt) && fmt == SMX_BF16);
	cr_expect(smx_raw_format("b.f16", &fmt) && fmt == SMX_F16);
	cr_expect(!smx_raw_format("b.e4m3", &fmt), "an output format is no input file");
	unsigned char raw[4] = {0x80, 0x3f, 0x00, 0xc0}; /* bf16 1 and -2, little-endian */
	f = fmemopen(raw, sizeof raw, "rb");
	cr_assert_eq(smx_rows_read_raw(f, "r", SMX_BF16, 1, 2, SMX_BF16, &rs, err, sizeof err), 0,
		     "%s", err);
	cr_expect(rs.x[0] == 1 && rs.x[1] == -2);
	smx_rows_free(&rs);
	fclose(f);
}

/* e4m3 saturates: a log-softmax below -448 and a -inf entry give -448. */
Test(formats, e4m3_saturates_e5m2_overflows)
{
	double x[3] = {0, -1000, -INFINITY};
	struct smx_refval out[3];
	int st;
	smx_ref_rows(SMX_REF_LOGSOFTMAX, SMX_E4M3, x, 1, 3, NULL, out, &st);
	cr_expect(st == SMX_REF_OK && out[1].cr == -448 && out[2].cr == -448, "%a %a", out[1].cr,
		  out[2].cr);
	smx_ref_rows(SMX_REF_LOGSOFTMAX, SMX_E5M2, x, 1, 3, NULL, out, &st);
	cr_expect(out[1].cr == -1024 && out[2].cr == -INFINITY, "%a %a", out[1].cr, out[2].cr);
}

/* Bug caught: an exact finite value beyond the format's range scored every
 * finite output as infinitely wrong, so a kernel that lands on -max_finite
 * (half an ulp from the exact value) was reported as breaking its claim.
 * The f16 row: 66 entries at 65504 and one at -11.8125; the last
 * log-softmax is -65520.0022..., whose correct rounding is -inf. */
Test(formats, an_overflowing_rounding_measures_finite_outputs_from_the_exact_value)
{
	double x[67];
	for (int i = 0; i < 66; i++)
		x[i] = 65504;
	x[66] = -11.8125;
	struct smx_refval out[67];
	int st;
	smx_ref_rows(SMX_REF_LOGSOFTMAX, SMX_F16, x, 1, 67, NULL, out, &st);
	cr_assert(st == SMX_REF_OK && out[66].cr == -INFINITY && out[66].ovf, "%a", out[66].cr);
	cr_expect(out[0].ovf == 0, "an in-range value is not marked");
	double e = smx_ulp_error(&out[66], -65504);
	cr_expect(e > 0.5 && e < 0.5001, "-max_finite is %g ulp away, not 1/2 + 2.2e-3/32", e);
	cr_expect(smx_ulp_error(&out[66], -INFINITY) == 0, "the correct rounding scores 0");
	cr_expect(smx_ulp_error(&out[66], INFINITY) == INFINITY, "the wrong infinity");
	cr_expect(smx_ulp_error(&out[66], NAN) == INFINITY);
	e = smx_ulp_error(&out[66], -65472);
	cr_expect(e > 1.5 && e < 1.5001, "one step inside: %g", e);
	e = smx_ulp_error(&out[66], 65504);
	cr_expect(e > 4094 && e < 4095, "the wrong sign: %g (131024 / 32)", e);
}
