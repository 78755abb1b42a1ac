/* smx vet: every planted-bug plug-in of tests/mutants/ is caught (exit 1,
 * a line naming the entry with a command that replays it), the correct
 * controls and a built-in pass (exit 0), bad input is exit 2. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "testutil.h"

static char out[1 << 18], err[1 << 16];

/* vet --quick on one plug-in; returns the exit status. */
static int vet_plugin(const char *so)
{
	char args[1024];
	snprintf(args, sizeof args, "--quiet --plugin %s/%s.so vet --quick", SMX_MUTANTS, so);
	return smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
}

/* One bug each; see each file's header for the check that catches it. */
Test(vet, catches_every_mutant, .timeout = 600)
{
	static const char *const m[] = {
	    "tail_pad",	     "max_skip_last",  "policy_lie", "flush_subnormal",
	    "ftz_fastmath",  "block_factor",   "small_n",    "index_shift",
	    "alias_inplace", "oob_read",       "oob_write",  "vjp_sign",
	    "twopass_today", "accurate_today", "row_stale",  "ties_once"};
	for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
		int st = vet_plugin(m[i]);
		cr_expect_eq(st, 1, "%s: exit %d\n%s%s", m[i], st, out, err);
		/* A violation line names the entry (FAIL from the cells, edge
		 * rows and calls; VIOLATION from the hunt) and replays it. */
		cr_expect((strstr(out, "FAIL ") || strstr(out, "VIOLATION")) && strstr(out, m[i]) &&
			      strstr(out, "replay: smx --plugin"),
			  "%s: no violation line with a replay:\n%s", m[i], out);
		cr_expect(strstr(err, "smx vet: "), "%s: no summary on stderr: %s", m[i], err);
	}
}

/* Other summation orders are correct: nothing may be flagged. */
Test(vet, controls_pass, .timeout = 120)
{
	static const char *const c[] = {"ctl_reverse", "ctl_kahan"};
	for (size_t i = 0; i < 2; i++) {
		int st = vet_plugin(c[i]);
		cr_expect_eq(st, 0, "%s: exit %d\n%s%s", c[i], st, out, err);
		cr_expect(!strstr(out, "FAIL ") && !strstr(out, "VIOLATION"), "%s:\n%s", c[i], out);
		cr_expect(strstr(out, "info softmax f32 ") &&
			      strstr(out, "bitwise invariant to row position: yes"),
			  "%s: no invariance line:\n%s", c[i], out);
	}
}

/* Built-ins are vetted by name, through the same runner. */
Test(vet, builtin_by_name, .timeout = 120)
{
	int st = smx_test_smx(NULL, NULL,
			      "--quiet vet --quick --impl shifted/scalar --op softmax --dtype f32",
			      out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "exit %d\n%s%s", st, out, err);
	cr_expect(strstr(err, "smx vet: 1 entries, 0 with violations"), "%s", err);
}

Test(vet, bad_input)
{
	static const char *const bad[] = {"vet", /* nothing to vet */
					  "vet --seconds 0 --impl shifted/scalar",
					  "vet --impl nosuch/isa",
					  "vet --n 1,x --impl shifted/scalar", "vet --bogus"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int st = smx_test_smx(NULL, NULL, bad[i], out, sizeof out, err, sizeof err);
		cr_expect_eq(st, 2, "'%s': exit %d: %s", bad[i], st, err);
		cr_expect(!strncmp(err, "smx: ", 5) && strchr(err, '\n') == err + strlen(err) - 1,
			  "'%s': not one line: %s", bad[i], err);
	}
}
