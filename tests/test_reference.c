/* The reference against values known independently of its Ziv loop. */
#define _XOPEN_SOURCE 700
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <mpfr.h>
#include <omp.h>

#include "dtype.h"
#include "ref.h"
#include "rows.h"
#include "testutil.h"

static double round_dt(smx_dtype dt, mpfr_t v)
{
	return dt == SMX_F32 ? (double)mpfr_get_flt(v, MPFR_RNDN) : mpfr_get_d(v, MPFR_RNDN);
}

static double ref1(smx_op op, smx_dtype dt, const double *x, size_t n, size_t i)
{
	struct smx_refval out[64];
	cr_assert(n <= 64);
	cr_assert_eq(smx_ref_row(op, dt, x, n, out), SMX_REF_OK);
	return out[i].cr;
}

Test(reference, single_entry_is_one)
{
	const double xs[] = {0, 1, -0x1.93e594p+99, 0x1.fffffep+127, -0x1p-149, 7};
	for (size_t k = 0; k < sizeof xs / sizeof *xs; k++)
		for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
			if (smx_dtype_info((smx_dtype)dt)->sweep) {
				cr_expect_eq(ref1(SMX_OP_SOFTMAX, (smx_dtype)dt, &xs[k], 1, 0),
					     1.0);
				double y = ref1(SMX_OP_LOGSOFTMAX, (smx_dtype)dt, &xs[k], 1, 0);
				cr_expect(y == 0 && !signbit(y),
					  "log-softmax of one entry is +0, got %a", y);
				struct smx_refval l;
				cr_assert_eq(smx_ref_lse((smx_dtype)dt, &xs[k], 1, &l), SMX_REF_OK);
				cr_expect_eq(l.cr, xs[k]);
			}
}

Test(reference, equal_entries_give_rounded_reciprocal)
{
	mpfr_t q;
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep) {
			mpfr_init2(q, smx_dtype_prec((smx_dtype)dt));
			for (size_t n = 1; n <= 64; n++) {
				double x[64];
				for (size_t i = 0; i < n; i++)
					x[i] = -3.25;
				mpfr_set_ui(q, (unsigned long)n, MPFR_RNDN);
				mpfr_ui_div(q, 1, q, MPFR_RNDN);
				double want = mpfr_get_d(q, MPFR_RNDN);
				for (size_t i = 0; i < n; i++)
					cr_expect_eq(ref1(SMX_OP_SOFTMAX, (smx_dtype)dt, x, n, i),
						     want, "n = %zu, dtype %d", n, dt);
			}
			mpfr_clear(q);
		}
}

/* softmax([a, b])_0 = 1 / (1 + exp(b - a)), log-softmax = -log1p(exp(b - a)),
 * evaluated at 3000 bits through a different formula than the reference's. */
static void logistic(smx_dtype dt, double a, double b, double *s0, double *l0)
{
	mpfr_t t, u;
	mpfr_inits2(3000, t, u, (mpfr_ptr)0);
	mpfr_set_d(t, b, MPFR_RNDN);
	mpfr_sub_d(t, t, a, MPFR_RNDN);
	mpfr_exp(t, t, MPFR_RNDN);
	mpfr_log1p(u, t, MPFR_RNDN);
	mpfr_neg(u, u, MPFR_RNDN);
	mpfr_add_ui(t, t, 1, MPFR_RNDN);
	mpfr_ui_div(t, 1, t, MPFR_RNDN);
	*s0 = round_dt(dt, t);
	*l0 = round_dt(dt, u);
	mpfr_clears(t, u, (mpfr_ptr)0);
}

Test(reference, two_entries_give_the_logistic)
{
	uint64_t st = 42;
	for (int k = 0; k < 400; k++)
		for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
			if (smx_dtype_info((smx_dtype)dt)->sweep) {
				double x[2] = {40 * smx_normal(&st), 40 * smx_normal(&st)};
				if (dt == SMX_F32) {
					x[0] = (float)x[0];
					x[1] = (float)x[1];
				}
				double s0, l0;
				logistic((smx_dtype)dt, x[0], x[1], &s0, &l0);
				cr_expect_eq(ref1(SMX_OP_SOFTMAX, (smx_dtype)dt, x, 2, 0), s0,
					     "softmax(%a, %a) dtype %d", x[0], x[1], dt);
				cr_expect_eq(ref1(SMX_OP_LOGSOFTMAX, (smx_dtype)dt, x, 2, 0), l0,
					     "log-softmax(%a, %a) dtype %d", x[0], x[1], dt);
			}
}

Test(reference, infinities_and_nan)
{
	struct smx_refval o[4];
	const double ninf[] = {1, -INFINITY, 1, -INFINITY};
	cr_assert_eq(smx_ref_row(SMX_OP_SOFTMAX, SMX_F32, ninf, 4, o), SMX_REF_OK);
	cr_expect(o[0].cr == 0.5 && o[1].cr == 0 && o[2].cr == 0.5 && o[3].cr == 0);
	cr_assert_eq(smx_ref_row(SMX_OP_LOGSOFTMAX, SMX_F64, ninf, 4, o), SMX_REF_OK);
	cr_expect(o[1].cr == -INFINITY && o[3].cr == -INFINITY);
	cr_expect_eq(o[0].cr, -0x1.62e42fefa39efp-1); /* -log 2 */

	const double pinf[] = {INFINITY, 3, INFINITY, INFINITY};
	cr_assert_eq(smx_ref_row(SMX_OP_SOFTMAX, SMX_F64, pinf, 4, o), SMX_REF_OK);
	cr_expect(o[0].cr == 0x1.5555555555555p-2 && o[1].cr == 0 && o[3].cr == o[0].cr);

	const double all_ninf[] = {-INFINITY, -INFINITY};
	cr_expect_eq(smx_ref_row(SMX_OP_SOFTMAX, SMX_F32, all_ninf, 2, o), SMX_REF_UNDEFINED);
	cr_expect_eq(smx_ref_row(SMX_OP_LOGSOFTMAX, SMX_F32, all_ninf, 2, o), SMX_REF_UNDEFINED);
	cr_assert_eq(smx_ref_lse(SMX_F32, all_ninf, 2, o), SMX_REF_OK);
	cr_expect_eq(o[0].cr, -INFINITY);

	const double withnan[] = {1, NAN, 2};
	cr_expect_eq(smx_ref_row(SMX_OP_SOFTMAX, SMX_F64, withnan, 3, o), SMX_REF_UNDEFINED);
	cr_expect_eq(smx_ref_lse(SMX_F64, withnan, 3, o), SMX_REF_UNDEFINED);
}

Test(reference, huge_inputs_do_not_overflow)
{
	struct smx_refval o[3];
	const double a[] = {FLT_MAX, -(double)FLT_MAX, FLT_MAX};
	cr_assert_eq(smx_ref_row(SMX_OP_SOFTMAX, SMX_F32, a, 3, o), SMX_REF_OK);
	cr_expect(o[0].cr == 0.5 && o[1].cr == 0 && o[2].cr == 0.5);
	const double b[] = {DBL_MAX, -DBL_MAX};
	cr_assert_eq(smx_ref_row(SMX_OP_SOFTMAX, SMX_F64, b, 2, o), SMX_REF_OK);
	cr_expect(o[0].cr == 1 && o[1].cr == 0);
	cr_assert_eq(smx_ref_row(SMX_OP_LOGSOFTMAX, SMX_F64, b, 2, o), SMX_REF_OK);
	cr_expect(o[0].cr == 0 && o[1].cr == -INFINITY, "x - max = -2 DBL_MAX overflows");
	cr_assert_eq(smx_ref_lse(SMX_F64, b, 2, o), SMX_REF_OK);
	cr_expect_eq(o[0].cr, DBL_MAX);
}

Test(reference, subnormal_outputs)
{
	/* exp(-104) < 2^-150 (rounds to 0); exp(-103) in (2^-150, 2^-149]. */
	struct smx_refval o[3];
	const double x[] = {0, -104, -103};
	cr_assert_eq(smx_ref_row(SMX_OP_SOFTMAX, SMX_F32, x, 3, o), SMX_REF_OK);
	cr_expect(o[0].cr == 1 && o[1].cr == 0 && o[2].cr == 0x1p-149);
	cr_expect(o[1].e == -149 && o[1].r > 0.4 && o[1].r < 0.5, "r = %g", o[1].r);
	/* exp(-744.8) = 0.698 * 2^-1074 rounds up, exp(-745.2) = 0.468 * 2^-1074 down. */
	const double y[] = {0, -744.8, -745.2};
	cr_assert_eq(smx_ref_row(SMX_OP_SOFTMAX, SMX_F64, y, 3, o), SMX_REF_OK);
	cr_expect_eq(o[1].cr, 0x1p-1074);
	cr_expect_eq(o[2].cr, 0);
}

/* An independent evaluation at 4000 bits, round to nearest (no intervals):
 * far more than enough to get the same rounding on random rows. */
static void direct(smx_op op, smx_dtype dt, const double *x, size_t n, double *out)
{
	mpfr_t m, s, t;
	mpfr_inits2(4000, m, s, t, (mpfr_ptr)0);
	double mx = -INFINITY;
	for (size_t i = 0; i < n; i++)
		mx = x[i] > mx ? x[i] : mx;
	mpfr_set_zero(s, 1);
	for (size_t i = 0; i < n; i++) {
		mpfr_set_d(t, x[i], MPFR_RNDN);
		mpfr_sub_d(t, t, mx, MPFR_RNDN);
		mpfr_exp(t, t, MPFR_RNDN);
		mpfr_add(s, s, t, MPFR_RNDN);
	}
	mpfr_log(m, s, MPFR_RNDN);
	for (size_t i = 0; i < n; i++) {
		mpfr_set_d(t, x[i], MPFR_RNDN);
		mpfr_sub_d(t, t, mx, MPFR_RNDN);
		if (op == SMX_OP_SOFTMAX) {
			mpfr_exp(t, t, MPFR_RNDN);
			mpfr_div(t, t, s, MPFR_RNDN);
		} else {
			mpfr_sub(t, t, m, MPFR_RNDN);
		}
		out[i] = round_dt(dt, t);
	}
	mpfr_clears(m, s, t, (mpfr_ptr)0);
}

static void agree_on(smx_op op, smx_dtype dt, const double *x, size_t n, const char *what)
{
	struct smx_refval *o = malloc(n * sizeof *o);
	double *want = malloc(n * sizeof *want);
	cr_assert(o && want);
	cr_assert_eq(smx_ref_row(op, dt, x, n, o), SMX_REF_OK);
	direct(op, dt, x, n, want);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(o[i].cr, want[i], "%s %s %s n=%zu i=%zu: %a, want %a", what,
			     smx_op_name(op), smx_dtype_name(dt), n, i, o[i].cr, want[i]);
		cr_assert(fabs(o[i].r) <= 0.5, "|r| <= 1/2");
	}
	free(o);
	free(want);
}

Test(reference, agrees_with_4000_bits_on_random_rows, .timeout = 600)
{
	const size_t ns[] = {2, 3, 7, 33, 100};
	for (size_t d = 0; d < smx_dist_ndefaults; d++) {
		struct smx_dist dist;
		cr_assert_eq(smx_dist_parse(smx_dist_defaults[d], &dist), 0);
		for (size_t k = 0; k < sizeof ns / sizeof *ns; k++)
			for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
				if (smx_dtype_info((smx_dtype)dt)->sweep) {
					double x[8 * 100];
					smx_dist_fill(&dist, (smx_dtype)dt, 7, 8, ns[k], x);
					for (size_t r = 0; r < 8; r++)
						for (int op = 0; op <= SMX_OP_LOGSOFTMAX; op++)
							agree_on((smx_op)op, (smx_dtype)dt,
								 x + r * ns[k], ns[k], dist.spec);
				}
	}
}

Test(reference, agrees_on_the_hard_rows_file)
{
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep) {
			struct smx_rows rs;
			smx_test_rows(SMX_TESTDATA "/ref_hard.txt", (smx_dtype)dt, &rs);
			for (size_t r = 0; r < rs.count; r++)
				for (int op = 0; op <= SMX_OP_LOGSOFTMAX; op++)
					agree_on((smx_op)op, (smx_dtype)dt, rs.x + rs.off[r],
						 rs.off[r + 1] - rs.off[r], "ref_hard.txt");
			smx_rows_free(&rs);
		}
}

Test(reference, threads_do_not_change_the_result)
{
	omp_set_num_threads(2);
	struct smx_dist d;
	smx_dist_parse("lm", &d);
	enum { R = 24, N = 50 };
	double x[R * N];
	smx_dist_fill(&d, SMX_F32, 3, R, N, x);
	struct smx_refval a[R * N], b[R * N];
	int sa[R], sb[R];
	smx_ref_rows(SMX_REF_SOFTMAX, SMX_F32, x, R, N, NULL, a, sa);
	for (size_t r = 0; r < R; r++)
		sb[r] = smx_ref_row(SMX_OP_SOFTMAX, SMX_F32, x + r * N, N, b + r * N);
	cr_expect_eq(memcmp(sa, sb, sizeof sa), 0);
	for (size_t i = 0; i < R * N; i++)
		cr_expect(a[i].cr == b[i].cr && a[i].r == b[i].r && a[i].e == b[i].e);
}

/* y = d - log1p(T) where d = -(2^54 + 2) is exactly halfway between two
 * doubles and T = exp(d) lies below MPFR's exponent range: the exact value
 * is just beyond the midpoint, so it rounds away from the even neighbour.
 * An interval whose upper end is the midpoint itself must not stop the
 * Ziv loop (it once did: the loop never ended). */
Test(reference, midpoint_with_vanishing_log_term)
{
	const double x[] = {0x1p53 + 2, -0x1p53};
	struct smx_refval o[2];
	cr_assert_eq(smx_ref_row(SMX_OP_LOGSOFTMAX, SMX_F64, x, 2, o), SMX_REF_OK);
	cr_expect_eq(o[1].cr, -0x1.0000000000001p+54, "%a", o[1].cr);
	cr_expect(o[0].cr == 0 && signbit(o[0].cr), "-tiny rounds to -0, got %a", o[0].cr);
}

/* smx_ref_row evaluates softmax and log-softmax only; any other op is an
 * error, never another op's values. */
Test(reference, refuses_ops_it_does_not_evaluate)
{
	const double x[] = {0, 1, 2};
	struct smx_refval o[9];
	for (int op = 0; op < SMX_OP_COUNT; op++) {
		int want = op <= SMX_OP_LOGSOFTMAX ? SMX_REF_OK : SMX_REF_UNSUPPORTED;
		cr_expect_eq(smx_ref_row((smx_op)op, SMX_F64, x, 3, o), want, "op %s",
			     smx_op_name((smx_op)op));
	}
}
