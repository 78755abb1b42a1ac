/* Edge profiles (harness/profiles.c): the table the README shows, each
 * built-in's verdict against each profile, and `smx overflow --profile`
 * on a planted bug (tests/plugins/profile_stuck.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtype.h"
#include "profiles.h"
#include "rows.h"
#include "scenarios.h"
#include "testutil.h"

/* The README's table is the one the code checks against: a changed
 * expectation that the README does not show fails here. */
Test(profiles, readme_holds_the_table)
{
	char *md = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&md, &len);
	cr_assert(f);
	smx_profile_markdown(f);
	cr_assert_eq(fclose(f), 0);
	FILE *r = fopen(SMX_TESTDATA "/../../README.md", "r");
	cr_assert(r);
	static char readme[1 << 18];
	size_t k = fread(readme, 1, sizeof readme - 1, r);
	readme[k] = 0;
	fclose(r);
	cr_expect(strstr(readme, md), "README lacks the profile table:\n%s", md);
	for (size_t i = 0; i < smx_profile_count(); i++)
		cr_expect(strstr(readme, smx_profile_get(i)->name), "README lacks %s",
			  smx_profile_get(i)->name);
	free(md);
}

/* Every catalogue row a profile speaks of is in a catalogue (the logit
 * rows' or the cross-entropy rows'), and each fits the 64 rows its callers
 * hold. */
Test(profiles, catalogue_has_every_row_kind)
{
	static struct smx_scenario scen[65];
	static const smx_op ops[2] = {SMX_OP_SOFTMAX, SMX_OP_XENT};
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep) {
			size_t seen[SMX_RK_COUNT] = {0};
			for (size_t o = 0; o < 2; o++) {
				size_t ns = smx_scenarios_for(ops[o], (smx_dtype)dt, scen, 65);
				cr_expect(ns <= 64, "%s %s: %zu catalogue rows",
					  smx_op_name(ops[o]), smx_dtype_name((smx_dtype)dt), ns);
				for (size_t j = 0; j < ns; j++)
					seen[scen[j].rk]++;
			}
			for (int rk = SMX_RK_NONE + 1; rk < SMX_RK_COUNT; rk++)
				cr_expect(seen[rk] > 0, "%s: no row of kind %s",
					  smx_dtype_name((smx_dtype)dt), smx_rowkind_name(rk));
		}
}

/* Each built-in matches exactly the profiles its declared policy names:
 * shifted, online, blocked, accurate and cr the NaN ones (pytorch, jax,
 * and for log-softmax all five), safe the zero ones, twopass (zeros and
 * the +inf limit) and naive (overflows) none. Catches a kernel that
 * breaks on the generated rows (a first block masked, sentinels, tail
 * masks, mixed +-inf) and a profile table that drifts from the policies. */
Test(profiles, builtins_match_exactly_their_declared_profiles, .timeout = 600)
{
	size_t checked = 0;
	for (size_t k = 0; k < smx_registry_count(); k++) {
		const struct smx_impl *im = smx_registry_get(k);
		if (im->origin != SMX_ORIGIN_BUILTIN || !smx_scenario_op(im->op) ||
		    !smx_impl_runnable(im))
			continue;
		for (size_t i = 0; i < smx_profile_count(); i++) {
			const struct smx_profile *p = smx_profile_get(i);
			char bad[512];
			int ok = smx_profile_check(p, im, bad, sizeof bad);
			int decl = smx_profile_declared(p, im);
			cr_expect_eq(ok, decl, "%s %s %s against %s: %s, declared %s (%s)",
				     smx_op_name(im->op), smx_dtype_name(im->dtype), im->name,
				     p->name, ok ? "matches" : "fails", decl ? "yes" : "no",
				     ok ? "-" : bad);
			checked++;
		}
	}
	cr_expect(checked > 100, "only %zu verdicts", checked);
}

/* The relation itself, on named entries, so that a policy change shows. */
Test(profiles, declared_profiles_by_policy)
{
	const struct {
		const char *name;
		smx_op op;
		const char *want;
	} cases[] = {
	    {"shifted/scalar", SMX_OP_SOFTMAX, "pytorch, jax"},
	    {"safe/scalar", SMX_OP_SOFTMAX, "pytorch-safe, onnx-attention, onednn-inf-as-zero"},
	    {"naive/scalar", SMX_OP_SOFTMAX, "none"},
	    {"shifted/scalar", SMX_OP_LOGSOFTMAX,
	     "pytorch, pytorch-safe, onnx-attention, onednn-inf-as-zero, jax"},
	    {"shifted/avx2", SMX_OP_XENT,
	     "pytorch, pytorch-safe, onnx-attention, onednn-inf-as-zero, jax"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const struct smx_impl *im = smx_registry_find(cases[i].op, SMX_F32, cases[i].name);
		cr_assert(im);
		char got[256];
		smx_profile_declared_list(im, got, sizeof got);
		cr_expect_str_eq(got, cases[i].want, "%s %s", smx_op_name(cases[i].op),
				 cases[i].name);
	}
}

static int run(const char *args, char *err, size_t errlen)
{
	static char out[1 << 16];
	return smx_test_smx(NULL, NULL, args, out, sizeof out, err, errlen);
}

/* The planted bug: a running max set to 0 by a masked block. It matches
 * the pytorch profile on every row but the first-block ones, and
 * --profile pytorch must fail it there (exit 1, those rows named, no
 * other); its twin that keeps the max at -inf passes (exit 0). */
Test(profiles, overflow_profile_catches_the_stuck_max, .timeout = 300)
{
	char err[4096], args[512];
	snprintf(args, sizeof args,
		 "--plugin %s/profile_stuck.so overflow --profile pytorch --impl stuck/scalar "
		 "--no-thresholds --quiet --format csv",
		 SMX_PLUGINS);
	cr_expect_eq(run(args, err, sizeof err), 1, "%s", err);
	const char *mis = strstr(err, "mismatch on ");
	cr_assert(mis, "%s", err);
	char rows[512];
	snprintf(rows, sizeof rows, "%s", mis + strlen("mismatch on "));
	rows[strcspn(rows, "(")] = 0;
	size_t nrows = 0;
	for (char *w = strtok(rows, " "); w; w = strtok(NULL, " "), nrows++)
		cr_expect(!strncmp(w, "first-block-masked:", 19), "other row failed: %s", w);
	cr_expect(nrows >= 2, "%s", err);
	snprintf(args, sizeof args,
		 "--plugin %s/profile_stuck.so overflow --profile pytorch --impl skip/scalar "
		 "--no-thresholds --quiet --format csv",
		 SMX_PLUGINS);
	cr_expect_eq(run(args, err, sizeof err), 0, "%s", err);
	/* The same twin against the zeros profile: its NaN on masked rows fails. */
	snprintf(args, sizeof args,
		 "--plugin %s/profile_stuck.so overflow --profile pytorch-safe --impl skip/scalar "
		 "--no-thresholds --quiet --format csv",
		 SMX_PLUGINS);
	cr_expect_eq(run(args, err, sizeof err), 1, "%s", err);
	cr_expect(strstr(err, "all-inf-masked"), "%s", err);
}

/* A built-in's mismatch exits 1; a peer's is a finding (exit 0); a bad
 * name exits 2 with one line. */
Test(profiles, overflow_profile_exit_rule, .timeout = 300)
{
	char err[4096];
	cr_expect_eq(run("overflow --profile pytorch --impl safe/scalar --op softmax --dtype f32 "
			 "--no-thresholds --quiet --format csv",
			 err, sizeof err),
		     1, "%s", err);
	cr_expect_eq(run("overflow --profile pytorch-safe --impl safe/scalar --op softmax "
			 "--dtype f32 --no-thresholds --quiet --format csv",
			 err, sizeof err),
		     0, "%s", err);
	cr_expect_eq(run("overflow --profile torch", err, sizeof err), 2);
	cr_expect(strstr(err, "smx: overflow: --profile: unknown profile 'torch'"), "%s", err);
	cr_expect_eq(strchr(err, '\n'), strrchr(err, '\n'), "one line: %s", err);
	if (smx_registry_find(SMX_OP_SOFTMAX, SMX_F32, "xnnpack/peer")) {
		cr_expect_eq(run("overflow --profile pytorch --impl xnnpack/peer --op softmax "
				 "--dtype f32 --no-thresholds --quiet --format csv",
				 err, sizeof err),
			     0, "%s", err);
		cr_expect(strstr(err, "finding") && strstr(err, "profile pytorch"), "%s", err);
	}
}

/* benchdnn's fills: the published top values, the rest the lowest
 * finite value of the type, the same bits for the same seed. */
Test(profiles, benchdnn_fills)
{
	for (int neg = 0; neg < 2; neg++)
		for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
			if (smx_dtype_info((smx_dtype)dt)->sweep) {
				struct smx_dist d;
				cr_assert_eq(smx_dist_parse(neg ? "benchdnn-" : "benchdnn+", &d),
					     0);
				static double x[4096], x2[4096];
				smx_dist_fill(&d, (smx_dtype)dt, 9, 4, 1024, x);
				smx_dist_fill(&d, (smx_dtype)dt, 9, 4, 1024, x2);
				cr_expect_eq(memcmp(x, x2, sizeof x), 0);
				const double lo =
				    dt == SMX_F32 ? -0x1.fffffep127 : -0x1.fffffffffffffp1023;
				size_t top[3] = {0}, low = 0;
				for (size_t i = 0; i < 4096; i++) {
					for (int t = 0; t < 3; t++)
						top[t] += x[i] == (neg ? -86 - t : 90 - t);
					low += x[i] == lo;
				}
				cr_expect_eq(top[0] + top[1] + top[2] + low, 4096, "other values");
				/* probabilities 4/n, 28/n and 84/n: about 16, 112 and 325 in 4 rows
				 */
				cr_expect(top[0] > 4 && top[0] < 40, "top-1 %zu", top[0]);
				cr_expect(top[1] > top[0] && top[2] > top[1] && low > top[2],
					  "%zu %zu %zu %zu", top[0], top[1], top[2], low);
			}
	struct smx_dist d;
	cr_expect_eq(smx_dist_parse("benchdnn", &d), -1);
	cr_expect_eq(smx_dist_parse("benchdnn+:1", &d), -1);
}
