/* Plug-ins: the example joins every command; bad ones are refused with one
 * line and exit 2; a crashing one is named. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "testutil.h"

/* "smx ARGS" as an argument vector (no shell), stdin from /dev/null. */
static int run(const char *args, char *out, size_t outlen, char *err, size_t errlen)
{
	return smx_test_smx(NULL, NULL, args, out, outlen, err, errlen);
}

static char out[1 << 16], err[4096];

Test(plugin, example_joins_every_command)
{
	char args[1024];
	snprintf(args, sizeof args, "--plugin %s/mysoftmax.so list --format csv", SMX_PLUGINS);
	cr_assert_eq(run(args, out, sizeof out, err, sizeof err), 0, "%s", err);
	cr_expect(strstr(out, "softmax,f32,mine/scalar,mine,scalar,plugin,yes"), "%s", out);
	cr_expect(strstr(out, "vjp,f32,mine/scalar"), "%s", out);
	snprintf(args, sizeof args,
		 "accuracy --plugin=%s/mysoftmax.so --op softmax,vjp --dtype f32 --impl "
		 "mine/scalar,shifted/scalar "
		 "--n 17 --rows 4 --format csv",
		 SMX_PLUGINS);
	cr_assert_eq(run(args, out, sizeof out, err, sizeof err), 0, "%s", err);
	cr_expect(strstr(out, "\nmine/scalar,softmax,f32") && strstr(out, "\nmine/scalar,vjp,f32"),
		  "%s", out);
	snprintf(args, sizeof args,
		 "overflow --plugin %s/mysoftmax.so --impl mine/scalar --dtype f32 --format csv",
		 SMX_PLUGINS);
	cr_assert_eq(run(args, out, sizeof out, err, sizeof err), 0, "%s", err);
	cr_expect(strstr(out, "mine/scalar,softmax,f32,plugin,one-nan"), "%s", out);
	snprintf(args, sizeof args,
		 "perf --plugin %s/mysoftmax.so --impl mine/scalar --n 64 --min-time 0.2 "
		 "--repetitions 3 --format csv",
		 SMX_PLUGINS);
	cr_assert_eq(run(args, out, sizeof out, err, sizeof err), 0, "%s", err);
	cr_expect(strstr(out, "mine/scalar,softmax,f32,64"), "%s", out);
}

Test(plugin, example_gate_holds_and_bites)
{
	char args[1024], base[300], tmp[256];
	snprintf(args, sizeof args,
		 "--plugin %s/mysoftmax.so check --baseline %s/mysoftmax-baseline.txt", SMX_PLUGINS,
		 SMX_EXAMPLES);
	cr_expect_eq(run(args, out, sizeof out, err, sizeof err), 0, "%s%s", out, err);
	smx_test_tmpdir(tmp, sizeof tmp);
	snprintf(base, sizeof base, "%s/base.txt", tmp);
	FILE *f = fopen(base, "w");
	cr_assert(f);
	fputs("softmax f32 mine/scalar lm 1000 16 1 max_ulp=0.25 mean_ulp=0.25 sum_err_ulp=8 "
	      "bad_rows=0\n",
	      f);
	fclose(f);
	snprintf(args, sizeof args, "--plugin %s/mysoftmax.so check --baseline %s", SMX_PLUGINS,
		 base);
	cr_expect_eq(run(args, out, sizeof out, err, sizeof err), 1, "%s%s", out, err);
	smx_test_rmtree(tmp);
}

static void refused(const char *plugin, const char *needle)
{
	char args[1024];
	snprintf(args, sizeof args, "--plugin %s list", plugin);
	int st = run(args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 2, "%s: exit %d: %s", plugin, st, err);
	cr_expect(strstr(err, needle) && !strncmp(err, "smx: ", 5), "%s: %s", plugin, err);
	char *nl = strchr(err, '\n');
	cr_expect(nl && nl[1] == 0, "one line: %s", err);
	cr_expect_eq(out[0], 0, "no output: %s", out);
}

Test(plugin, bad_plugins_are_refused)
{
	char p[512];
	refused("/nonexistent/plugin.so", "No such file");
	refused(SMX_TESTDATA "/ref_hard.txt", "not a loadable shared object");
	snprintf(p, sizeof p, "%s/no_symbol.so", SMX_PLUGINS);
	refused(p, "no symbol 'smx_plugin'");
	snprintf(p, sizeof p, "%s/bad_abi.so", SMX_PLUGINS);
	refused(p, "ABI version 42");
	snprintf(p, sizeof p, "%s/null_fn.so", SMX_PLUGINS);
	refused(p, "no one-input function");
	snprintf(p, sizeof p, "%s/bad_op.so", SMX_PLUGINS);
	refused(p, "unknown op 'softplus'");
	char args[1024];
	snprintf(args, sizeof args, "list --plugin");
	cr_expect_eq(run(args, out, sizeof out, err, sizeof err), 2, "%s", err);
}

Test(plugin, a_crash_is_named)
{
	char args[1024];
	snprintf(args, sizeof args,
		 "--plugin %s/crash.so accuracy --impl crash/scalar --op softmax --dtype f32 --n 8",
		 SMX_PLUGINS);
	int st = run(args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 1, "exit %d: %s", st, err);
	cr_expect(strstr(err, "crash/scalar") && strstr(err, "crashed"), "%s", err);
	snprintf(args, sizeof args, "--plugin %s/crash.so perf --impl crash/scalar --n 8",
		 SMX_PLUGINS);
	st = run(args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 1, "exit %d: %s", st, err);
	cr_expect(strstr(err, "crash/scalar"), "%s", err);
}

/* With a plug-in loaded, file descriptor 1 is standard error: the help, the
 * version and ref --bench's table must still reach standard output. */
Test(plugin, own_output_reaches_stdout_with_a_plugin)
{
	static const char *const cmds[][2] = {
	    {"--version", "smx "},
	    {"--help", "usage: smx <command>"},
	    {"list --help", "usage: smx list"},
	    {"ref --bench --n 16 --rows 1", "ns/elem"},
	};
	char args[1024];
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
		snprintf(args, sizeof args, "--plugin %s/mysoftmax.so %s", SMX_PLUGINS, cmds[i][0]);
		cr_expect_eq(run(args, out, sizeof out, err, sizeof err), 0, "%s: %s", args, err);
		cr_expect(strstr(out, cmds[i][1]) && !strstr(err, cmds[i][1]), "%s: out %s err %s",
			  args, out, err);
	}
}
