/* libFuzzer target: the option parser shared by the commands (lists of ops,
 * dtypes, implementations, n; rows, seed, shard, format, distributions,
 * shapes). Input: the arguments, one a line. A refusal must be one line;
 * what is accepted must respect the limits (no duplicates, no surplus). */
#define _GNU_SOURCE
#include <getopt.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jmp_buf refused;

static void on_die(const char *line)
{
	if (!*line || strchr(line, '\n'))
		abort();
	longjmp(refused, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct option opts[] = {
	    {"op", required_argument, 0, 'p'},	    {"dtype", required_argument, 0, 'd'},
	    {"impl", required_argument, 0, 'i'},    {"format", required_argument, 0, 'f'},
	    {"output", required_argument, 0, 'o'},  {"n", required_argument, 0, 'n'},
	    {"rows", required_argument, 0, 'r'},    {"seed", required_argument, 0, 's'},
	    {"shard", required_argument, 0, 'K'},   {"dist", required_argument, 0, 'D'},
	    {"gdist", required_argument, 0, 'G'},   {"shape", required_argument, 0, 'S'},
	    {"samples", required_argument, 0, 'N'}, {0, 0, 0, 0},
	};
	char text[4097], *argv[258];
	if (size >= sizeof text || memchr(data, 0, size))
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	int argc = 0;
	argv[argc++] = "accuracy";
	for (char *w = text; w && argc < 257;) {
		char *nl = strchr(w, '\n');
		if (nl)
			*nl = 0;
		argv[argc++] = w;
		w = nl ? nl + 1 : NULL;
	}
	argv[argc] = NULL;
	struct smx_sel sel;
	smx_sel_init(&sel);
	enum smx_format fmt = SMX_FMT_TABLE;
	const char *output = NULL;
	size_t ns[SMX_MAX_LIST], nn = 0, rows = 0, sr, sn;
	uint64_t seed = 0;
	struct smx_shard shard = {0, 0};
	struct smx_dist dists[SMX_MAX_LIST], g;
	const struct smx_common co = {"accuracy", "",  &sel,  &fmt,  &output,
				      ns,	  &nn, &rows, &seed, &shard};
	smx_die_hook(on_die);
	optind = 0;
	if (setjmp(refused))
		return 0;
	int c;
	while ((c = smx_getopt(argc, argv, opts, "accuracy")) != -1) {
		if (c == 'D')
			smx_arg_dists("accuracy", "--dist", optarg, dists, SMX_MAX_LIST);
		else if (c == 'G')
			smx_arg_dists("accuracy", "--gdist", optarg, &g, 1);
		else if (c == 'S')
			smx_parse_shape(optarg, &sr, &sn);
		else if (c == 'N')
			smx_arg_size("exp", "--samples", optarg, 1, (size_t)1 << 34);
		else if (!smx_common_opt(c, &co))
			abort();
	}
	smx_common_end(argc, argv, &co);
	/* Accepted: within the limits, no item twice. */
	if (sel.nops > SMX_OP_COUNT || sel.ndts > SMX_DTYPE_COUNT || nn > SMX_MAX_LIST ||
	    sel.nnames > SMX_MAX_LIST)
		abort();
	for (size_t i = 0; i < nn; i++)
		for (size_t j = 0; j < i; j++)
			if (ns[i] == ns[j] || ns[i] < 1)
				abort();
	for (size_t i = 0; i < sel.nops; i++)
		for (size_t j = 0; j < i; j++)
			if (sel.ops[i] == sel.ops[j])
				abort();
	if (shard.count && (shard.index < 1 || shard.index > shard.count))
		abort();
	return 0;
}
