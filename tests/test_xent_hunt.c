/* hunt, vet and overflow on the cross-entropy ops: every planted bug of
 * tests/mutants/xent_*.c is caught by vet --quick and each named one by
 * hunt (a violation with a --target replay that reproduces it), the
 * correct controls and the built-ins are not flagged, the edge catalogue
 * of the cross-entropy ops matches the profiles for the built-ins and
 * catches a kernel that takes a finite sentinel for a mask. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "testutil.h"

static char out[1 << 18], err[1 << 16];

static int smx(const char *args)
{
	return smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
}

static int vet_plugin(const char *so)
{
	char args[1024];
	snprintf(args, sizeof args, "--quiet --plugin %s/%s.so vet --quick", SMX_MUTANTS, so);
	return smx(args);
}

/* One bug each; each file's header names the check that catches it. */
Test(xent_vet, catches_every_mutant, .timeout = 600)
{
	static const char *const m[] = {
	    "xent_target_shift", "xent_grad_no_onehot", "xent_no_shift",
	    "xent_sum_short",	 "xent_tail_drop",	"xent_tail_target",
	    "xent_logprob",	 "xent_posinf_finite",	"xent_sentinel_mask"};
	for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
		int st = vet_plugin(m[i]);
		cr_expect_eq(st, 1, "%s: exit %d\n%s%s", m[i], st, out, err);
		cr_expect((strstr(out, "FAIL ") || strstr(out, "VIOLATION")) && strstr(out, m[i]) &&
			      strstr(out, "replay: smx --plugin"),
			  "%s: no violation line with a replay:\n%s", m[i], out);
	}
}

/* Other summation orders are correct: nothing may be flagged, on the
 * loss or the gradient. */
Test(xent_vet, controls_pass, .timeout = 300)
{
	static const char *const c[] = {"ctl_xent_reverse", "ctl_xent_kahan"};
	for (size_t i = 0; i < 2; i++) {
		int st = vet_plugin(c[i]);
		cr_expect_eq(st, 0, "%s: exit %d\n%s%s", c[i], st, out, err);
		cr_expect(!strstr(out, "FAIL ") && !strstr(out, "VIOLATION"), "%s:\n%s", c[i], out);
		cr_expect(strstr(out, "info xent f32 ") && strstr(out, "info xent_fused f32 "),
			  "%s: not both ops vetted:\n%s", c[i], out);
	}
}

/* Built-ins by name: the scalar kernel (which once gave +inf where it
 * declares NaN, xent_posinf_finite's bug) and a vector one. */
Test(xent_vet, builtins_pass, .timeout = 300)
{
	int st = smx("--quiet vet --quick --impl shifted/scalar,shifted/avx2 --op xent,xent_fused "
		     "--dtype f32");
	cr_expect_eq(st, 0, "exit %d\n%s%s", st, out, err);
	cr_expect(strstr(err, "smx vet: 4 entries, 0 with violations"), "%s", err);
}

/* The replay line of a hunt's violation, after "smx ", into line. */
static int replay_of(const char *text, char *line, size_t len)
{
	const char *p = strstr(text, "replay: smx ");
	if (!p)
		return -1;
	p += strlen("replay: smx ");
	size_t k = strcspn(p, "\n");
	if (k >= len)
		return -1;
	memcpy(line, p, k);
	line[k] = 0;
	return 0;
}

/* hunt finds the planted bugs that need a particular (row, target) pair:
 * the target in a SIMD tail lane, at the maximum by a gap (the loss that
 * log of a rounded p_t makes 0), a +inf logit off the target. The replay
 * reproduces the violation, and the same row with the target in the
 * vector body (where the tail bug does not bite) is ok. */
Test(xent_hunt, finds_and_replays, .timeout = 300)
{
	static const struct {
		const char *so, *op;
	} m[] = {{"xent_tail_target", "xent_fused"},
		 {"xent_logprob", "xent"},
		 {"xent_posinf_finite", "xent"}};
	char args[1024], line[4096];
	for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
		snprintf(args, sizeof args,
			 "--plugin %s/%s.so hunt --impl %s/scalar --op %s --dtype f32 --seconds 5",
			 SMX_MUTANTS, m[i].so, m[i].so, m[i].op);
		int st = smx(args);
		cr_expect_eq(st, 1, "%s: exit %d\n%s%s", m[i].so, st, out, err);
		cr_expect(strstr(out, "VIOLATION") && strstr(out, " --target "), "%s:\n%s", m[i].so,
			  out);
		if (replay_of(out, line, sizeof line)) {
			cr_expect(0, "%s: no replay line:\n%s", m[i].so, out);
			continue;
		}
		char again[4096];
		snprintf(again, sizeof again, "%s", line);
		st = smx(again);
		cr_expect_eq(st, 1, "%s: the replay '%s' gave exit %d\n%s", m[i].so, line, st, out);
		if (i == 0) {
			char *t = strstr(line, " --target ");
			cr_assert(t);
			strcpy(t, " --target 0");
			st = smx(line);
			cr_expect_eq(st, 0, "the target in the body is no bug: exit %d\n%s", st,
				     out);
		}
	}
}

/* The built-in kernels hold their claims and policies under the hunt. */
Test(xent_hunt, builtins_hold, .timeout = 300)
{
	int st = smx("hunt --op xent,xent_fused --dtype f32 --impl shifted/scalar,shifted/avx2 "
		     "--seconds 1");
	cr_expect_eq(st, 0, "exit %d\n%s%s", st, out, err);
	cr_expect(strstr(out, "xent_fused f32 shifted/avx2: ok"), "%s", out);
}

/* Rows replay exactly: a -inf logit at the target is loss +inf (ok), a
 * +inf logit off it NaN as declared (ok); bad targets are exit 2. */
Test(xent_hunt, replay_rows_and_bad_input)
{
	cr_expect_eq(smx("hunt --op xent --dtype f32 --impl shifted/scalar --row '1 -inf 2' "
			 "--target 1"),
		     0, "%s%s", out, err);
	cr_expect_eq(smx("hunt --op xent,xent_fused --dtype f64 --impl shifted/scalar --row "
			 "'1 inf' --target 0"),
		     0, "%s%s", out, err);
	static const char *const bad[] = {
	    "hunt --op xent --dtype f32 --impl shifted/scalar --row '1 2' --target 2",
	    "hunt --op xent --dtype f32 --impl shifted/scalar --row '1 2' --target x",
	    "hunt --op xent --dtype f32 --impl shifted/scalar --row '1 2'",
	    "hunt --op xent --dtype f32 --impl shifted/scalar --row '1 2' --grad '1 2'",
	    "hunt --op softmax --dtype f32 --impl shifted/scalar --row '1 2' --target 0",
	    "hunt --op xent --dtype f32 --target 0"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int st = smx(bad[i]);
		cr_expect_eq(st, 2, "'%s': exit %d: %s", bad[i], st, err);
		cr_expect(!strncmp(err, "smx: ", 5) && strchr(err, '\n') == err + strlen(err) - 1,
			  "'%s': not one line: %s", bad[i], err);
	}
}

/* The catalogue with targets: every built-in matches the pytorch profile
 * (the loss +inf at a -inf target, NaN for +inf, NaN and masked rows); a
 * kernel that takes -5e4 for a mask matches none. */
Test(xent_overflow, profiles, .timeout = 300)
{
	int st =
	    smx("overflow --op xent,xent_fused --dtype f32,f64 --impl shifted/scalar,shifted/avx2 "
		"--profile pytorch --no-thresholds --format csv");
	cr_expect_eq(st, 0, "exit %d\n%s%s", st, out, err);
	cr_expect(strstr(out, "shifted/scalar,xent,f32,builtin,target-neginf:n=37,37,ok,0,inf,yes"),
		  "%s", out);
	cr_expect(strstr(out, "xent_fused,f64,builtin,target-neginf-tail:n=7,7,ok,"), "%s", out);
	cr_expect(strstr(out, "target+inf:n=33,33,nan,,nan,yes"), "%s", out);
	char args[1024];
	snprintf(args, sizeof args,
		 "--plugin %s/xent_sentinel_mask.so overflow --impl xent_sentinel_mask/scalar "
		 "--op xent --dtype f32 --profile jax --no-thresholds",
		 SMX_MUTANTS);
	st = smx(args);
	cr_expect_eq(st, 1, "exit %d\n%s%s", st, out, err);
	cr_expect(strstr(err, "profile jax mismatch on") && strstr(err, "target-below-sentinel"),
		  "%s", err);
}
