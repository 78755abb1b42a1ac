/* smx: the command-line front end. Each subcommand lives in cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "env.h"
#include "plugin.h"
#include "run.h"
#include "progress.h"
#include "runner.h"
#include "util.h"
#include "variant.h"
#include "xent_opts.h"

static const struct command {
	const char *name;
	int (*run)(int, char **);
	const char *what;
} commands[] = {
    {"list", smx_cmd_list, "every registered implementation, its bound and edge policy"},
    {"ref", smx_cmd_ref, "correctly rounded softmax / log-softmax / lse of text rows"},
    {"accuracy", smx_cmd_accuracy, "error of implementations against the MPFR reference"},
    {"exp", smx_cmd_exp, "error of the vector exp layers (random, or every f32)"},
    {"overflow", smx_cmd_overflow,
     "edge rows and overflow: each entry against its declared policy"},
    {"perf", smx_cmd_perf, "throughput next to memcpy and a streaming read of the same bytes"},
    {"report", smx_cmd_report, "the default sweep as a report: HTML, Markdown, figures, CSV"},
    {"merge", smx_cmd_merge, "combine --shard outputs into the unsharded result"},
    {"vet", smx_cmd_vet,
     "everything smx can check of an entry: sizes, guard pages, in place, edges, FP env"},
    {"check", smx_cmd_check, "the CI gate: measure a baseline again, exit 1 on regression"},
    {"hunt", smx_cmd_hunt, "search for rows that break an entry's claim or edge policy"},
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

static void usage(void)
{
	FILE *o = smx_stdout();
	fputs("usage: smx <command> [options]\n\ncommands:\n", o);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(o, "  %-10s %s\n", commands[i].name, commands[i].what);
	fputs(smx_global_help, o);
	fputs("\n'smx <command> --help' describes a command's options.\n", o);
	smx_out_commit(o);
}

int main(int argc, char **argv)
{
	smx_env_set_argv(argc, argv);
	int before = argc;
	argc = smx_plugins_from_argv(argc, argv);
	/* A plug-in's prints go to standard error, never into smx's output. */
	if (argc != before)
		smx_stdout_protect();
	argc = smx_threads_from_argv(argc, argv);
	argc = smx_quiet_from_argv(argc, argv);
	argc = smx_timeout_from_argv(argc, argv);
	argc = smx_variant_from_argv(argc, argv);
	argc = smx_xent_opts_from_argv(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], SMX_RUNNER_COMMAND))
		return smx_runner_main(argc - 1, argv + 1);
	if (argc >= 2 && smx_variant_active() && !smx_variant_command_ok(argv[1]) &&
	    argv[1][0] != '-')
		smx_die("%s: the variant options (%s) apply to accuracy, check, hunt, vet and perf",
			argv[1], smx_variant_active()->text);
	if (argc >= 2 && smx_xent_opts_given() && !smx_xent_opts_command_ok(argv[1]) &&
	    argv[1][0] != '-')
		smx_die("%s: the cross-entropy options (%s) apply to accuracy and perf", argv[1],
			smx_xent_opts_text());
	if (argc < 2)
		smx_die("no command given (try 'smx --help')");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--version")) {
		fputs("smx " SMX_VERSION "\n", smx_stdout());
		smx_out_commit(smx_stdout());
		return 0;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage();
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	smx_die("unknown command '%s' (try 'smx --help')", cmd);
}
