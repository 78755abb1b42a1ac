/* smx: the command-line front end. Each subcommand lives in cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "env.h"
#include "util.h"

static const char usage[] =
    "usage: smx <command> [options]\n"
    "\n"
    "commands:\n"
    "  list       every registered implementation, its bound and edge policy\n"
    "  ref        correctly rounded softmax / log-softmax / lse of text rows\n"
    "  accuracy   error of implementations against the MPFR reference\n"
    "  exp        error of the vector exp layers (random, or every f32)\n"
    "  perf       throughput next to memcpy and a streaming read of the same bytes\n"
    "  exp        error of the vector exp layers (random or exhaustive f32)\n"
    "\n"
    "'smx <command> --help' describes a command's options.\n";

int main(int argc, char **argv)
{
	smx_env_set_argv(argc, argv);
	if (argc < 2)
		smx_die("no command given (try 'smx --help')");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} cmds[] = {
	    {"list", smx_cmd_list}, {"ref", smx_cmd_ref},   {"accuracy", smx_cmd_accuracy},
	    {"exp", smx_cmd_exp},   {"perf", smx_cmd_perf},
	};
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
		if (!strcmp(cmd, cmds[i].name))
			return cmds[i].run(argc - 1, argv + 1);
	smx_die("unknown command '%s' (try 'smx --help')", cmd);
}
