/* Option handling shared by the subcommands; see cli.h. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <stdlib.h>

#include "dtype.h"
#include "op.h"
#include "cli.h"
#include "env.h"
#include "util.h"
#include "variant.h"
#include "xent_opts.h"

const char smx_global_help[] =
    "\nglobal options (anywhere on the line, for every command):\n"
    "  --plugin FILE.so  load an implementation plug-in (repeatable; see smx_plugin.h)\n"
    "  --threads T       threads for the reference rows (default: OpenMP's, every\n"
    "                    CPU; results do not depend on T); perf also times each\n"
    "                    entry on rows split across T threads\n"
    "  --timeout S       time limit of one plug-in call in seconds (default 60); a\n"
    "                    plug-in that exceeds it is named and the command exits 1\n"
    "  --quiet           no progress on stderr (shown for runs over 2 s: redrawn on a\n"
    "                    terminal, a heartbeat line every 2 to 10 s otherwise)\n"
    "\nsoftmax variants (anywhere on the line, for accuracy, check --init, hunt, vet\n"
    "and perf; README, \"Variants\"):\n"
    "  --temperature T  --mask FILE|causal:K  --alibi S  --sink S  --plus-one\n"
    "  --softcap C\n"
    "\ncross-entropy options (anywhere on the line, for accuracy and perf of the\n"
    "xent ops; README, \"Log-sum-exp and cross-entropy kernels\"):\n"
    "  --label-smoothing EPS  PyTorch's, 0 <= EPS <= 1 (default 0)\n"
    "  --ignore-index I       rows whose target is I: loss 0, gradient 0 (default -100)\n"
    "\n'smx --version' prints the version (it is not an option of a command).\n";

_Noreturn void smx_help(const char *text)
{
	FILE *o = smx_stdout();
	fputs(text, o);
	fputs(smx_global_help, o);
	if (fflush(o) || ferror(o))
		smx_die("cannot write the help: %s", strerror(errno));
	exit(0);
}

int smx_getopt(int argc, char **argv, const struct option *opts, const char *cmd)
{
	char shorts[64] = ":";
	size_t k = 1;
	for (const struct option *o = opts; o->name && k + 2 < sizeof shorts; o++)
		if (o->val > 0 && o->val < 128) {
			shorts[k++] = (char)o->val;
			if (o->has_arg == required_argument)
				shorts[k++] = ':';
		}
	shorts[k] = 0;
	opterr = 0;
	int c = getopt_long(argc, argv, shorts, opts, NULL);
	if (c == '?')
		smx_die("%s: unknown option '%s'", cmd, argv[optind - 1]);
	if (c == ':')
		smx_die("%s: option '%s' needs a value", cmd, argv[optind - 1]);
	return c;
}

void smx_sel_init(struct smx_sel *s)
{
	memset(s, 0, sizeof *s);
	/* The forward ops unless asked otherwise ('--op all' adds the rest). */
	for (int i = 0; i < SMX_OP_COUNT; i++)
		if (smx_op_info((smx_op)i)->sweep)
			s->ops[s->nops++] = (smx_op)i;
	for (int i = 0; i < SMX_DTYPE_COUNT; i++)
		if (smx_dtype_info((smx_dtype)i)->sweep)
			s->dts[s->ndts++] = (smx_dtype)i;
}

/* Split a list option into items, refusing an empty item, more than max
 * items and an item given twice. */
static size_t list_items(const char *flag, char *arg, char **items, size_t max)
{
	size_t k = smx_split(arg, items, SMX_MAX_LIST);
	if (k > max)
		smx_die("%s: more than %zu items", flag, max);
	for (size_t i = 0; i < k; i++) {
		if (!*items[i])
			smx_die("%s: empty item in the list", flag);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(items[i], items[j]))
				smx_die("%s: '%s' given twice", flag, items[i]);
	}
	return k;
}

void smx_sel_ops(struct smx_sel *s, char *arg)
{
	if (!strcmp(arg, "all")) {
		s->nops = 0;
		for (int i = 0; i < SMX_OP_COUNT; i++)
			s->ops[s->nops++] = (smx_op)i;
		return;
	}
	char *items[SMX_MAX_LIST];
	size_t k = list_items("--op", arg, items, SMX_OP_COUNT);
	s->nops = 0;
	for (size_t i = 0; i < k; i++)
		if (smx_op_parse(items[i], &s->ops[s->nops++])) {
			char known[256] = "";
			for (int o = 0; o < SMX_OP_COUNT; o++) {
				strcat(known, smx_op_name((smx_op)o));
				strcat(known, ", ");
			}
			smx_die("--op: unknown operation '%s' (%sall)", items[i], known);
		}
}

void smx_sel_dtypes(struct smx_sel *s, char *arg)
{
	if (!strcmp(arg, "all")) {
		s->ndts = 0;
		for (int i = 0; i < SMX_DTYPE_COUNT; i++)
			if (smx_dtype_info((smx_dtype)i)->storage)
				s->dts[s->ndts++] = (smx_dtype)i;
		return;
	}
	char *items[SMX_MAX_LIST];
	size_t k = list_items("--dtype", arg, items, SMX_DTYPE_COUNT);
	s->ndts = 0;
	for (size_t i = 0; i < k; i++) {
		char known[256] = "";
		for (int d = 0; d < SMX_DTYPE_COUNT; d++)
			if (smx_dtype_info((smx_dtype)d)->storage) {
				strcat(known, smx_dtype_name((smx_dtype)d));
				strcat(known, ", ");
			}
		smx_dtype *dt = &s->dts[s->ndts++];
		if (smx_dtype_parse(items[i], dt))
			smx_die("--dtype: unknown dtype '%s' (%sall)", items[i], known);
		if (!smx_dtype_info(*dt)->storage)
			smx_die("--dtype: %s is an output format only (inputs: %sall)", items[i],
				known);
	}
}

void smx_sel_impls(struct smx_sel *s, char *arg)
{
	s->nnames = 0;
	s->best = 0;
	if (!strcmp(arg, "all"))
		return;
	/* "best" may stand among names: the command's pick joins them. */
	char *items[SMX_MAX_LIST];
	size_t k = list_items("--impl", arg, items, SMX_MAX_LIST);
	for (size_t i = 0; i < k; i++) {
		if (!strcmp(items[i], "best"))
			s->best = 1;
		else
			s->names[s->nnames++] = items[i];
	}
}

void smx_sel_check(const struct smx_sel *s)
{
	for (size_t i = 0; i < s->nnames; i++) {
		int found = 0;
		for (size_t a = 0; a < s->nops; a++)
			for (size_t b = 0; b < s->ndts; b++)
				found |=
				    smx_registry_find(s->ops[a], s->dts[b], s->names[i]) != NULL;
		if (!found)
			smx_die("--impl: no implementation '%s' for the chosen op and dtype (see "
				"'smx list')",
				s->names[i]);
	}
}

/* A note on stderr, once per entry, that im is skipped and why. */
static void note_skip(const struct smx_impl *im, const char *why)
{
	static const struct smx_impl *seen[256];
	static size_t nseen;
	for (size_t i = 0; i < nseen; i++)
		if (seen[i] == im)
			return;
	if (nseen < 256)
		seen[nseen++] = im;
	fprintf(stderr, "smx: note: %s %s %s skipped: %s\n", smx_op_name(im->op),
		smx_dtype_name(im->dtype), im->name, why);
}

size_t smx_sel_entries(const struct smx_sel *s, smx_op op, smx_dtype dt,
		       const struct smx_impl **out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < smx_registry_count() && k < max && (!s->best || s->nnames); i++) {
		const struct smx_impl *im = smx_registry_get(i);
		if (im->op != op || im->dtype != dt)
			continue;
		int named = s->nnames == 0;
		for (size_t j = 0; j < s->nnames; j++)
			named |= !strcmp(s->names[j], im->name);
		if (!named)
			continue;
		if (!smx_impl_runnable(im)) {
			note_skip(im, im->cpu & SMX_CPU_AVX512
					  ? "this CPU lacks AVX-512 (F, DQ, VL, BW)"
					  : "this CPU lacks AVX2 + FMA");
			continue;
		}
		if (!smx_xent_opts_admit(im)) {
			note_skip(im, "a plug-in without f32_x/f64_x takes no cross-entropy "
				      "options");
			continue;
		}
		if (!smx_variant_admits(im)) {
			char why[512]; /* the options as given (320) and the names */
			smx_variant_skip_why(im, why, sizeof why);
			note_skip(im, why);
			continue;
		}
		out[k++] = im;
	}
	const struct smx_impl *b = s->best ? smx_registry_best(op, dt) : NULL;
	for (size_t i = 0; i < k && b; i++)
		if (out[i] == b)
			b = NULL;
	if (b && k < max)
		out[k++] = b;
	return k;
}

size_t smx_arg_size(const char *cmd, const char *flag, const char *v, size_t lo, size_t hi)
{
	size_t x;
	if (smx_parse_size(v, lo, hi, &x))
		smx_die("%s: %s: '%s' is not a whole number from %zu to %zu", cmd, flag, v, lo, hi);
	return x;
}

size_t smx_arg_sizes(const char *cmd, const char *flag, char *v, size_t *out, size_t max, size_t lo,
		     size_t hi)
{
	char *items[SMX_MAX_LIST];
	size_t k = smx_split(v, items, SMX_MAX_LIST);
	if (k > max || k > SMX_MAX_LIST)
		smx_die("%s: %s: at most %zu values", cmd, flag,
			max < SMX_MAX_LIST ? max : SMX_MAX_LIST);
	for (size_t i = 0; i < k; i++) {
		out[i] = smx_arg_size(cmd, flag, items[i], lo, hi);
		for (size_t j = 0; j < i; j++)
			if (out[j] == out[i])
				smx_die("%s: %s: %zu given twice", cmd, flag, out[i]);
	}
	return k;
}

size_t smx_arg_dists(const char *cmd, const char *flag, char *v, struct smx_dist *out, size_t max)
{
	/* Items are separated by ';' or by ',' before a letter, since
	 * uniform:A,B has a comma of its own. */
	size_t k = 0;
	char *p = v;
	while (*p) {
		char *end = p;
		while (*end && *end != ';' && !(*end == ',' && ((end[1] >= 'a' && end[1] <= 'z'))))
			end++;
		char saved = *end;
		*end = 0;
		if (k == max)
			smx_die("%s: %s: at most %zu distribution%s", cmd, flag, max,
				max == 1 ? "" : "s");
		if (smx_dist_parse(p, &out[k]))
			smx_die("%s: %s: bad distribution '%s' (uniform:A,B normal:S lm attn wide "
				"sorted scaled:S benchdnn+ benchdnn-)",
				cmd, flag, p);
		for (size_t j = 0; j < k; j++)
			if (!strcmp(out[j].spec, out[k].spec))
				smx_die("%s: %s: '%s' given twice", cmd, flag, p);
		k++;
		if (!saved)
			break;
		p = end + 1;
	}
	if (k == 0)
		smx_die("%s: %s: empty", cmd, flag);
	return k;
}

uint64_t smx_arg_seed(const char *cmd, const char *v)
{
	uint64_t s;
	if (smx_parse_u64(v, &s))
		smx_die("%s: --seed: '%s' is not a whole number", cmd, v);
	return s;
}

enum smx_format smx_arg_format(const char *cmd, const char *v)
{
	enum smx_format f;
	if (smx_format_parse(v, &f))
		smx_die("%s: --format: '%s' is not one of table, csv, json", cmd, v);
	return f;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

void smx_read_rows(const char *cmd, const char *path, smx_dtype dt, const char *shape,
		   struct smx_rows *rows)
{
	FILE *f = stdin;
	const char *name = "<stdin>";
	smx_dtype fmt;
	int npy = ends_with(path, ".npy"), raw = smx_raw_format(path, &fmt);
	size_t sr = 0, sn = 0;
	if (raw && !shape)
		smx_die("%s: %s: raw binary rows need --shape RxN", cmd, path);
	if (shape && smx_parse_shape(shape, &sr, &sn))
		smx_die("%s: --shape: '%s' is not RxN (rows x n, both >= 1)", cmd, shape);
	if (shape && !raw)
		smx_die("%s: --shape applies to raw .f32 / .f64 / .bf16 / .f16 files only", cmd);
	if (strcmp(path, "-")) {
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			smx_die("%s: %s: is a directory", cmd, path);
		f = fopen(path, "rb");
		if (!f)
			smx_die("%s: %s: %s", cmd, path, strerror(errno));
		name = path;
	}
	char err[512];
	int rc = npy   ? smx_rows_read_npy(f, name, dt, rows, err, sizeof err)
		 : raw ? smx_rows_read_raw(f, name, fmt, sr, sn, dt, rows, err, sizeof err)
		       : smx_rows_parse(f, name, dt, rows, err, sizeof err);
	if (f != stdin)
		fclose(f);
	if (rc)
		smx_die("%s: %s", cmd, err);
}

void smx_arg_shard(const char *cmd, const char *v, struct smx_shard *s)
{
	char buf[64];
	const char *slash = strchr(v, '/');
	if (!slash || (size_t)(slash - v) >= sizeof buf)
		smx_die("%s: --shard: '%s' is not K/N", cmd, v);
	memcpy(buf, v, (size_t)(slash - v));
	buf[slash - v] = 0;
	if (smx_parse_size(slash + 1, 1, 100000, &s->count) ||
	    smx_parse_size(buf, 1, s->count, &s->index))
		smx_die("%s: --shard: '%s' is not K/N with 1 <= K <= N <= 100000", cmd, v);
}

size_t smx_op_rows(smx_op op, size_t rows, size_t n)
{
	if (smx_op_info(op)->out != SMX_LEN_NN)
		return rows;
	size_t cap = ((size_t)1 << 22) / (n * n);
	return cap == 0 ? 1 : cap < rows ? cap : rows;
}

void smx_shard_write(FILE *f, const struct smx_shard *s)
{
	char id[2048];
	smx_env_sweep_id(id, sizeof id);
	fprintf(f, "# smx-shard %zu/%zu %s\n", s->index, s->count, id);
}

void smx_shard_range(const struct smx_shard *s, size_t total, size_t *lo, size_t *hi)
{
	*lo = total * (s->index - 1) / s->count;
	*hi = total * s->index / s->count;
}

int smx_common_opt(int c, const struct smx_common *co)
{
	switch (c) {
	case 'p':
		smx_sel_ops(co->sel, optarg);
		return 1;
	case 'd':
		smx_sel_dtypes(co->sel, optarg);
		return 1;
	case 'i':
		smx_sel_impls(co->sel, optarg);
		return 1;
	case 'f':
		*co->fmt = smx_arg_format(co->cmd, optarg);
		return 1;
	case 'o':
		*co->output = optarg;
		return 1;
	case 'h':
		smx_help(co->help);
	case 'n':
		if (!co->ns)
			return 0;
		*co->nn =
		    smx_arg_sizes(co->cmd, "--n", optarg, co->ns, SMX_MAX_LIST, 1, (size_t)1 << 28);
		return 1;
	case 'r':
		if (!co->rows)
			return 0;
		*co->rows = smx_arg_size(co->cmd, "--rows", optarg, 1, (size_t)1 << 24);
		return 1;
	case 's':
		if (!co->seed)
			return 0;
		*co->seed = smx_arg_seed(co->cmd, optarg);
		return 1;
	case 'K':
		if (!co->shard)
			return 0;
		smx_arg_shard(co->cmd, optarg, co->shard);
		return 1;
	}
	return 0;
}

void smx_common_end(int argc, char **argv, const struct smx_common *co)
{
	if (optind < argc)
		smx_die("%s: unexpected argument '%s'", co->cmd, argv[optind]);
	if (co->sel)
		smx_sel_check(co->sel);
	if (co->shard && co->shard->count && *co->fmt != SMX_FMT_CSV)
		smx_die("%s: --shard writes CSV (add --format csv)", co->cmd);
}
