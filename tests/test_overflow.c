/* smx's own kernels do on every edge scenario what their policy declares. */
#include <string.h>

#include <criterion/criterion.h>

#include "dtype.h"
#include "scenarios.h"
#include "testutil.h"

Test(overflow, builtins_keep_their_declared_policies, .timeout = 600)
{
	static struct smx_scenario scen[64];
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep) {
			size_t ns = smx_scenarios((smx_dtype)dt, scen, 64);
			cr_assert(ns >= 25);
			for (size_t k = 0; k < smx_registry_count(); k++) {
				const struct smx_impl *im = smx_registry_get(k);
				if (im->dtype != (smx_dtype)dt ||
				    im->origin != SMX_ORIGIN_BUILTIN || !smx_op_forward(im->op) ||
				    !smx_impl_runnable(im))
					continue;
				for (size_t j = 0; j < ns; j++) {
					double u;
					int any;
					enum smx_outcome got = smx_scenario_run(im, &scen[j], &u);
					enum smx_outcome want =
					    smx_scenario_expect(im, &scen[j], &any);
					cr_expect(any || got == want,
						  "%s %s %s on %s: %s, declared %s (max ulp %g)",
						  smx_op_name(im->op), smx_dtype_name(im->dtype),
						  im->name, scen[j].name, smx_outcome_name(got),
						  smx_outcome_name(want), u);
				}
			}
		}
}

/* The shifted kernels never leave ok on finite rows; the no-shift baseline
 * overflows where exp does. */
Test(overflow, thresholds)
{
	const struct smx_impl *naive = smx_registry_find(SMX_OP_SOFTMAX, SMX_F32, "naive/scalar");
	const struct smx_impl *shifted =
	    smx_registry_find(SMX_OP_SOFTMAX, SMX_F32, "shifted/scalar");
	enum smx_outcome b;
	double t = smx_threshold_scale(naive, &b);
	cr_expect(t > 88 && t < 100, "naive leaves ok at scale %g", t);
	cr_expect_eq(smx_threshold_scale(shifted, &b), 0);
	cr_expect_eq(smx_threshold_range(shifted, &b), 0);
}

/* Ops without logit rows have no catalogue: asked for alone they are bad
 * input with one line naming the ops that run (a run that measured nothing
 * and said only that was the bug); among others they are left out. */
Test(overflow, ops_without_a_catalogue, .timeout = 120)
{
	static char out[1 << 16], err[4096];
	int st = smx_test_smx(NULL, NULL, "overflow --op vjp,logsoftmax_jvp", out, sizeof out, err,
			      sizeof err);
	cr_expect_eq(st, 2, "exit %d: %s", st, err);
	cr_expect(strstr(err, "it runs softmax, logsoftmax, lse"), "%s", err);
	st = smx_test_smx(
	    NULL, NULL,
	    "overflow --op softmax,vjp --dtype f32 --impl shifted/scalar --no-thresholds", out,
	    sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "exit %d: %s", st, err);
}
