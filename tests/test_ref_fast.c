/* The reference's fast path (reference/ref_fast.c): identical to the MPFR
 * path, its exp within its stated bound, long rows split across threads
 * alike. `make ref-identity` runs the identity on 10^8 values; here a
 * 10^6-value prefix of the same sweep. */
#include <math.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <mpfr.h>
#include <omp.h>

#include "ref_identity.h"
#include "ref_internal.h"

Test(ref_fast, identical_to_mpfr_on_a_million_values, .timeout = 600)
{
	struct ident id = {0};
	ident_run(&id, 1000000, 1, SMX_TESTDATA "/ref_hard.txt");
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
	ident_run(&bad, 100000, 3, SMX_TESTDATA "/ref_hard.txt");
	smx_ref_fast_plant = 0x1p-90;
	ident_run(&good, 100000, 3, SMX_TESTDATA "/ref_hard.txt");
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
		for (int op = 0; op <= SMX_OP_LOGSOFTMAX; op++) {
			smx_dist_fill(&d, (smx_dtype)dt, 9, 1, n, x);
			omp_set_num_threads(1);
			cr_assert_eq(smx_ref_row((smx_op)op, (smx_dtype)dt, x, n, a), SMX_REF_OK);
			omp_set_num_threads(2);
			cr_assert_eq(smx_ref_row((smx_op)op, (smx_dtype)dt, x, n, b), SMX_REF_OK);
			smx_ref_set_mpfr_only(1);
			cr_assert_eq(smx_ref_row((smx_op)op, (smx_dtype)dt, x, n, m), SMX_REF_OK);
			smx_ref_set_mpfr_only(0);
			for (size_t i = 0; i < n; i++) {
				cr_assert(!memcmp(&a[i], &b[i], sizeof a[i]),
					  "%s %s i=%zu: thread counts differ",
					  smx_op_name((smx_op)op), smx_dtype_name((smx_dtype)dt),
					  i);
				cr_assert(ident_same(&a[i], &m[i]), "%s %s i=%zu: %a vs MPFR %a",
					  smx_op_name((smx_op)op), smx_dtype_name((smx_dtype)dt), i,
					  a[i].cr, m[i].cr);
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
