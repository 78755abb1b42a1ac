/* The op and dtype tables: every row complete and consistent, and the
 * reference's rounding to a format agreeing with the format's own. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>
#include <mpfr.h>

#include "op.h"
#include "ref.h"
#include "rows.h"

/* What is wrong with an op row, or NULL. */
static const char *op_row_problem(const struct smx_op_info *oi)
{
	if (!oi->name || !oi->key)
		return "no name or baseline key";
	if (!oi->ref_rows || !oi->ref_row)
		return "no reference";
	if ((oi->arity == 2) != (oi->in[1] != SMX_ARG_NONE) || oi->in[0] == SMX_ARG_NONE)
		return "arity and input kinds disagree";
	if (!(oi->kinds >> oi->kind & 1))
		return "default claim kind not among the kinds";
	if (oi->forward != (oi->in[0] == SMX_ARG_X && oi->in[1] != SMX_ARG_TARGETS))
		return "forward flag and first input disagree";
	return NULL;
}

Test(tables, every_op_row_is_complete)
{
	for (int i = 0; i < SMX_OP_COUNT; i++) {
		const struct smx_op_info *oi = smx_op_info((smx_op)i);
		const char *why = op_row_problem(oi);
		cr_expect(why == NULL, "op %d (%s): %s", i, oi->name ? oi->name : "?", why);
		smx_op back;
		cr_expect(oi->name && smx_op_parse(oi->name, &back) == 0 && back == (smx_op)i,
			  "op %d: its name does not parse back", i);
	}
}

Test(tables, a_row_without_reference_is_refused)
{
	struct smx_op_info planted = *smx_op_info(SMX_OP_SOFTMAX);
	planted.ref_row = NULL;
	cr_expect(op_row_problem(&planted) != NULL);
	planted = *smx_op_info(SMX_OP_VJP);
	planted.in[1] = SMX_ARG_NONE;
	cr_expect(op_row_problem(&planted) != NULL);
}

/* What is wrong with a dtype row, or NULL. */
static const char *dtype_row_problem(const struct smx_dtype_info *d)
{
	if (d->emin_sub != d->emin - d->prec + 1)
		return "emin_sub is not emin - prec + 1";
	if (!(d->max_finite >= ldexp(1.0, d->emax) && d->max_finite < ldexp(1.0, d->emax + 1)))
		return "max_finite outside [2^emax, 2^(emax+1))";
	if (d->round(d->max_finite) != d->max_finite || d->round(ldexp(1.0, d->emin_sub)) == 0)
		return "max_finite or the least subnormal does not round to itself";
	double over = d->round(2 * d->max_finite);
	if (over != (d->has_inf ? INFINITY : d->max_finite))
		return "overflow rule not kept";
	if (d->round(ldexp(1.0, d->emin_sub - 1)) != 0 ||
	    d->round(ldexp(1.5, d->emin_sub - 1)) != ldexp(1.0, d->emin_sub))
		return "half the least subnormal does not round to even (zero)";
	unsigned char b[16];
	d->store(b, 0, -ldexp(1.0, d->emin));
	if (d->load(b, 0) != -ldexp(1.0, d->emin))
		return "store and load do not round-trip the least normal";
	if (d->next(1.0, 2.0) != 1 + ldexp(1.0, 1 - d->prec))
		return "next above 1 is not 1 + 2^(1 - prec)";
	return NULL;
}

Test(tables, every_dtype_row_is_consistent)
{
	for (int i = 0; i < SMX_DTYPE_COUNT; i++) {
		const struct smx_dtype_info *d = smx_dtype_info((smx_dtype)i);
		const char *why = dtype_row_problem(d);
		cr_expect(why == NULL, "dtype %s: %s", d->name, why);
	}
}

Test(tables, a_wrong_dtype_row_is_refused)
{
	struct smx_dtype_info planted = *smx_dtype_info(SMX_F32);
	planted.emin_sub = -150;
	cr_expect(dtype_row_problem(&planted) != NULL);
	planted = *smx_dtype_info(SMX_F32);
	planted.has_inf = 0;
	cr_expect(dtype_row_problem(&planted) != NULL);
}

/* The reference's rounding (MPFR, from prec and the exponent range) and the
 * format's own agree on doubles of every binade, ties and subnormals
 * included. */
Test(tables, reference_rounding_matches_the_format)
{
	uint64_t st = 11;
	mpfr_t t;
	mpfr_init2(t, 53);
	for (int i = 0; i < SMX_DTYPE_COUNT; i++) {
		const struct smx_dtype_info *d = smx_dtype_info((smx_dtype)i);
		for (int k = 0; k < 20000; k++) {
			int e = d->emin_sub - 3 +
				(int)(smx_splitmix64(&st) % (uint64_t)(d->emax - d->emin_sub + 6));
			double m = 1 + smx_uniform01(&st);
			if (k % 4 == 0) /* a tie at the format's precision */
				m = 1 +
				    ldexp((double)(smx_splitmix64(&st) % 64) + 0.5, 1 - d->prec);
			double v = ldexp(k % 2 ? -m : m, e);
			mpfr_set_d(t, v, MPFR_RNDN);
			double want = d->round(v), got = smx_ref_round((smx_dtype)i, t);
			cr_assert(got == want || (isnan(got) && isnan(want)),
				  "%s: %a rounds to %a, the reference says %a", d->name, v, want,
				  got);
		}
	}
	mpfr_clear(t);
}
