/* smx accuracy: error of implementations against the MPFR reference. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "cli.h"
#include "env.h"
#include "measure.h"
#include "outputs.h"
#include "peers.h"
#include "progress.h"
#include "stream.h"
#include "sweep.h"
#include "sweeps.h"
#include "targets.h"
#include "util.h"
#include "verdict.h"

static const char help[] =
    "usage: smx accuracy [--op LIST] [--dtype LIST] [--impl LIST|all|best]\n"
    "                    [--dist SPEC[;SPEC...]] [--n LIST] [--rows R] [--seed S]\n"
    "                    [--input FILE [--shape RxN]] [--ref-from s|x] [--gdist SPEC]\n"
    "                    [--outputs NAME=FILE ...] [--shard K/N]\n"
    "                    [--format table|csv|json] [--output FILE] [--no-fail]\n"
    "                    [--targets uniform|model|argmax|FILE]\n"
    "defaults: softmax and logsoftmax ('--op all' adds every other op 'smx list'\n"
    "shows) and every op a plug-in defines, f32 and f64, every runnable\n"
    "implementation, the six generator families, n = 1,2,3,7,8,9,15,16,17,31,33,\n"
    "63,65,1000,4103 (the Jacobian up to 128), 32 rows (8 at n = 4103: about\n"
    "2^15 values a cell), seed 1. --dist families: uniform:A,B normal:SIGMA lm\n"
    "attn wide sorted scaled:S benchdnn+ benchdnn- (oneDNN benchdnn's fill: top\n"
    "values 90, 89, 88 or -86, -87, -88, the rest the lowest finite value).\n"
    "Backward ops take s (y)\n"
    "= the correctly rounded forward output of the rows and g from --gdist\n"
    "(normal:1); --ref-from s (default) measures the backward formula alone,\n"
    "--ref-from x end to end against the exact softmax of x. The Jacobian uses\n"
    "at most 2^22 / n^2 rows and refuses n > 8192.\n"
    "xent (the loss) and xent_fused (its gradient) take class targets: drawn\n"
    "from the seed (uniform, the default; model: from the row's softmax;\n"
    "argmax) or read from an int32/int64 .npy or a text column (the ignore index,\n"
    "-100 or --ignore-index I, ignores a row; --label-smoothing EPS smooths);\n"
    "abs_err (CSV, JSON) is the largest |error|, for lse and xent in nats; logprob_nats\n"
    "the largest log-prob error in nats (logsoftmax; xent without smoothing).\n"
    "--outputs NAME=FILE (repeatable, with --input X and one --op and --dtype):\n"
    "outputs computed elsewhere (PyTorch, a GPU), X's shape, in any format --input\n"
    "reads, measured like an entry named NAME; built-ins then run only if --impl\n"
    "names them.\n"
    "--impl best: the most accurate built-in for the op and dtype (cr/, else\n"
    "accurate/, else shifted/, widest ISA first); listed with names, it joins\n"
    "them.\n"
    "undefined_rows: rows where the reference is undefined (not measured).\n"
    "Exit 0: every claim holds; 1: an entry (built-in or plug-in) has rows beyond\n"
    "its claimed bound, or nan / inf / zero rows where the reference is finite, or\n"
    "nothing was measured (peers' breaks are findings, on stderr); 2: bad input.\n"
    "--no-fail reports and exits 0. The summary line goes to stderr.\n";

static const struct smx_column cols[] = {
    {"impl", SMX_STR, 1},
    {"op", SMX_STR, 1},
    {"dtype", SMX_STR, 1},
    {"dist", SMX_STR, 1},
    {"n", SMX_INT, 1},
    {"rows", SMX_INT, 0},
    {"seed", SMX_U64, 0},
    {"max_ulp", SMX_NUM, 1},
    {"mean_ulp", SMX_NUM, 1},
    {"max_rel", SMX_NUM, 1},
    {"norm_rel", SMX_NUM, 0},
    {"kl", SMX_NUM, 1},
    {"sum_err_ulp", SMX_NUM, 1},
    {"bound_ratio", SMX_NUM, 1},
    {"decl_ratio", SMX_NUM, 1},
    {"nan_rows", SMX_INT, 1},
    {"inf_rows", SMX_INT, 1},
    {"zero_rows", SMX_INT, 0},
    {"wrong_rows", SMX_INT, 1},
    {"undefined_rows", SMX_INT, 1},
    {"cond_err", SMX_NUM, 1},
    {"invariant", SMX_NUM, 1},
    {"abs_err", SMX_NUM, 0},
    {"max_rel_normal", SMX_NUM, 0},
    {"logprob_nats", SMX_NUM, 1},
};

void smx_accuracy_table(struct smx_table *t)
{
	smx_table_init(t, cols, sizeof cols / sizeof *cols);
}

static void add_result(struct smx_table *t, const struct smx_impl *im, const char *dist, size_t n,
		       size_t rows, uint64_t seed, const struct smx_metrics *m)
{
	smx_table_add(t, im->name, smx_op_name(im->op), smx_dtype_name(im->dtype), dist,
		      (long long)n, (long long)rows, (unsigned long long)seed, m->max_ulp,
		      smx_metrics_mean_ulp(m), m->max_rel, m->norm_rel, m->kl, m->sum_err,
		      m->bound_ratio, isfinite(im->bound.c0) ? m->decl_ratio : NAN,
		      (long long)m->nan_rows, (long long)m->inf_rows, (long long)m->zero_rows,
		      (long long)m->wrong_rows, (long long)m->undefined_rows, m->cond_err,
		      m->invariant, m->abs_err, m->max_rel_normal, m->logprob_nats);
}

/* Rows of a cell: a budget of elements, or --rows (0: the default
 * sweep's per-cell count), the Jacobian capped (smx_op_rows). */
static size_t cell_rows(const struct smx_accuracy_opts *o, smx_op op, size_t n)
{
	if (o->budget)
		return o->budget / n ? o->budget / n : 1;
	return o->rows ? smx_op_rows(op, o->rows, n) : smx_sweep_cell_rows(op, n);
}

/* The elements of the cells measured, for the time remaining. */
static double sweep_work(const struct smx_accuracy_opts *o)
{
	double w = 0;
	size_t cell = 0;
	for (size_t p = 0; p < o->sel->nops; p++)
		for (size_t d = 0; d < o->sel->ndts * o->ndists; d++)
			for (size_t ni = 0; ni < o->nn; ni++) {
				smx_op op = o->sel->ops[p];
				if (o->default_n && !smx_sweep_covers(op, o->ns[ni]))
					continue;
				if (cell >= o->lo && cell < o->hi)
					w +=
					    (double)cell_rows(o, op, o->ns[ni]) * (double)o->ns[ni];
				cell++;
			}
	return w;
}

size_t smx_accuracy_cells(const struct smx_accuracy_opts *o)
{
	size_t cells = 0;
	for (size_t p = 0; p < o->sel->nops; p++)
		for (size_t ni = 0; ni < o->nn; ni++)
			if (!o->default_n || smx_sweep_covers(o->sel->ops[p], o->ns[ni]))
				cells += o->sel->ndts * o->ndists;
	return cells;
}

/* One measured cell into the tally (if any): its verdict for the entry. */
static void judge(struct smx_tally *tally, const struct smx_impl *im, const struct smx_metrics *m,
		  const char *dist, size_t n)
{
	if (!tally)
		return;
	char why[200], cell[200];
	int broken = smx_verdict_metrics(im, m, why, sizeof why);
	snprintf(cell, sizeof cell, "%s %s %s %s n=%zu", smx_op_name(im->op),
		 smx_dtype_name(im->dtype), im->name, dist, n);
	smx_tally_add(tally, im, cell, broken, why);
}

static void run_case(struct smx_table *t, struct smx_tally *tally, const struct smx_sel *sel,
		     smx_keep_fn keep, const struct smx_case *c, const char *dist, uint64_t seed)
{
	const struct smx_impl *ims[256];
	size_t k = smx_sweep_entries(sel, keep, c->op, c->dt, ims);
	for (size_t i = 0; i < k; i++) {
		struct smx_metrics m;
		smx_metrics_init(&m);
		smx_measure(ims[i], c, &m, NULL);
		add_result(t, ims[i], dist, c->n, c->rows, seed, &m);
		judge(tally, ims[i], &m, dist, c->n);
	}
}

/* A cell of long forward rows, measured span by span (stream.h); 0 when
 * the cell is to be measured the ordinary way. */
static int run_stream(struct smx_table *t, const struct smx_accuracy_opts *o, smx_op op,
		      smx_dtype dt, const struct smx_dist *d, size_t rows, size_t n)
{
	uint64_t seed = o->seed;
	struct smx_stream s;
	if (!smx_stream_wants(op, n) || smx_stream_generate(&s, op, dt, d, seed, rows, n))
		return 0;
	const struct smx_impl *ims[256];
	struct smx_metrics ms[256];
	size_t k = smx_sweep_entries(o->sel, o->keep, op, dt, ims);
	for (size_t i = 0; i < k; i++) {
		smx_metrics_init(&ms[i]);
		if (smx_stream_measure(ims[i], &s, &ms[i])) {
			smx_stream_free(&s);
			return 0;
		}
	}
	smx_stream_free(&s);
	for (size_t i = 0; i < k; i++) {
		add_result(t, ims[i], d->spec, n, rows, seed, &ms[i]);
		judge(o->tally, ims[i], &ms[i], d->spec, n);
	}
	return 1;
}

void smx_accuracy_sweep(const struct smx_accuracy_opts *o, struct smx_table *t)
{
	size_t cell = 0;
	for (size_t p = 0; p < o->sel->nops; p++)
		for (size_t d = 0; d < o->sel->ndts; d++)
			for (size_t di = 0; di < o->ndists; di++)
				for (size_t ni = 0; ni < o->nn; ni++) {
					smx_op op = o->sel->ops[p];
					smx_dtype dt = o->sel->dts[d];
					const struct smx_dist *dist = &o->dists[di];
					size_t n = o->ns[ni];
					if (o->default_n && !smx_sweep_covers(op, n))
						continue; /* not a cell of the default sweep */
					size_t mine = cell++;
					if (mine < o->lo || mine >= o->hi)
						continue; /* another shard's cell */
					size_t r = cell_rows(o, op, n);
					smx_progress_cell((double)r * (double)n, "%s %s %s n=%zu",
							  smx_op_name(op), smx_dtype_name(dt),
							  dist->spec, n);
					if (!run_stream(t, o, op, dt, dist, r, n)) {
						struct smx_case cs;
						smx_case_generate_opts(&cs, op, dt, dist, o->seed,
								       r, n, o->copts);
						run_case(t, o->tally, o->sel, o->keep, &cs,
							 dist->spec, o->seed);
						smx_case_free(&cs);
					}
					smx_progress_step();
				}
}

int smx_cmd_accuracy(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"op", required_argument, 0, 'p'},
	    {"dtype", required_argument, 0, 'd'},
	    {"impl", required_argument, 0, 'i'},
	    {"dist", required_argument, 0, 'D'},
	    {"n", required_argument, 0, 'n'},
	    {"rows", required_argument, 0, 'r'},
	    {"seed", required_argument, 0, 's'},
	    {"input", required_argument, 0, 'I'},
	    {"format", required_argument, 0, 'f'},
	    {"output", required_argument, 0, 'o'},
	    {"ref-from", required_argument, 0, 'R'},
	    {"gdist", required_argument, 0, 'G'},
	    {"shape", required_argument, 0, 'S'},
	    {"shard", required_argument, 0, 'K'},
	    {"outputs", required_argument, 0, 'U'},
	    {"no-fail", no_argument, 0, 'F'},
	    {"help", no_argument, 0, 'h'},
	    {"targets", required_argument, 0, 'T'},
	    {0, 0, 0, 0},
	};
	const char *cmd = "accuracy";
	static struct smx_outputs outs;
	struct smx_dist gdist;
	struct smx_case_opts copts = {.gdist = NULL, .from_x = 0};
	struct smx_sel sel;
	smx_sel_init(&sel);
	struct smx_dist dists[SMX_MAX_LIST];
	size_t ndists = 0, ns[SMX_MAX_LIST], nn = 0, rows = 0;
	int ops_given = 0, no_fail = 0;
	uint64_t seed = 1;
	enum smx_format fmt = SMX_FMT_TABLE;
	const char *output = NULL, *input = NULL, *shape = NULL;
	struct smx_shard shard = {0, 0};
	const struct smx_common co = {cmd, help, &sel,	&fmt,  &output,
				      ns,  &nn,	 &rows, &seed, &shard};
	int c;
	while ((c = smx_getopt(argc, argv, opts, cmd)) != -1) {
		switch (c) {
		case 'D':
			ndists = smx_arg_dists(cmd, "--dist", optarg, dists, SMX_MAX_LIST);
			break;
		case 'I':
			input = optarg;
			break;
		case 'R':
			if (!strcmp(optarg, "x") || !strcmp(optarg, "s"))
				copts.from_x = !strcmp(optarg, "x");
			else
				smx_die("%s: --ref-from: '%s' is not s or x", cmd, optarg);
			break;
		case 'S':
			shape = optarg;
			break;
		case 'U':
			smx_outputs_add(cmd, &outs, optarg);
			break;
		case 'G':
			smx_arg_dists(cmd, "--gdist", optarg, &gdist, 1);
			copts.gdist = &gdist;
			break;
		case 'F':
			no_fail = 1;
			break;
		case 'T':
			smx_targets_select(cmd, optarg);
			break;
		case 'p':
			ops_given = 1;
			smx_common_opt(c, &co);
			break;
		default:
			smx_common_opt(c, &co);
		}
	}
	smx_common_end(argc, argv, &co);
	if (shape && !input)
		smx_die("%s: --shape needs --input (it is the input file's shape)", cmd);
	if (outs.count && (!input || sel.nops != 1 || sel.ndts != 1))
		smx_die("%s: --outputs needs --input and one --op and one --dtype (what the "
			"outputs were computed for)",
			cmd);
	if (!ops_given)
		smx_sweep_plugin_ops(&sel);
	int default_n = nn == 0;
	for (size_t i = 0; default_n && i < smx_sweep_nn; i++)
		ns[nn++] = smx_sweep_ns[i];
	if (ndists == 0)
		for (size_t i = 0; i < smx_dist_ndefaults; i++)
			smx_dist_parse(smx_dist_defaults[i], &dists[ndists++]);
	size_t cells;
	int jac = 0;
	for (size_t o = 0; o < sel.nops; o++)
		jac |= smx_op_info(sel.ops[o])->out == SMX_LEN_NN;
	for (size_t i = 0; i < nn; i++) {
		size_t r = rows ? rows : smx_sweep_rows(ns[i]);
		if (smx_mul_overflows(ns[i], r, &cells) || cells > (size_t)1 << 28)
			smx_die("%s: --rows x --n = %zu x %zu is more than 2^28 values", cmd, r,
				ns[i]);
		/* Refused before anything is allocated: n^2 outputs and their
		 * references would not fit. */
		if (jac && ns[i] > 8192)
			smx_die(
			    "%s: jacobian at n = %zu: the n x n matrix and its reference (%.3g GB) "
			    "would not fit; n <= 8192",
			    cmd, ns[i], (double)ns[i] * (double)ns[i] * 32 / 1e9);
	}

	/* Read the input file once per dtype, before any work or output. */
	struct smx_rows in[SMX_DTYPE_COUNT];
	char label[300] = "";
	if (input) {
		for (size_t d = 0; d < sel.ndts; d++) {
			smx_read_rows(cmd, input, sel.dts[d], shape, &in[d]);
			if (smx_rows_width(&in[d]) == (size_t)-1)
				smx_die("%s: %s: rows of different lengths (accuracy needs one n)",
					cmd, input);
		}
		const char *base = strrchr(input, '/');
		snprintf(label, sizeof label, "file:%s", base ? base + 1 : input);
	}

	/* The output opens before the work: a bad path fails at once, and an
	 * interrupted run leaves nothing (util.c removes the temporary). */
	FILE *f = smx_out_open(output);
	struct smx_tally tally;
	smx_tally_init(&tally, cmd);
	struct smx_table t;
	smx_accuracy_table(&t);
	struct smx_accuracy_opts ao = {.sel = &sel,
				       .dists = dists,
				       .ndists = ndists,
				       .ns = ns,
				       .nn = nn,
				       .default_n = default_n,
				       .rows = rows,
				       .seed = seed,
				       .copts = &copts,
				       .tally = &tally};
	size_t steps = input ? sel.nops * sel.ndts : smx_accuracy_cells(&ao);
	ao.hi = steps;
	if (shard.count)
		smx_shard_range(&shard, steps, &ao.lo, &ao.hi);
	smx_progress_begin(cmd, ao.hi - ao.lo, input ? 0 : sweep_work(&ao));
	if (!input)
		smx_accuracy_sweep(&ao, &t);
	for (size_t o = 0, cell = 0; input && o < sel.nops; o++)
		for (size_t d = 0; d < sel.ndts; d++) {
			struct smx_case cs;
			size_t mine = cell++;
			if (mine < ao.lo || mine >= ao.hi)
				continue; /* another shard's cell */
			struct smx_rows x;
			smx_rows_copy(&x, sel.dts[d], in[d].x, in[d].count, smx_rows_width(&in[d]));
			smx_progress_cell(0, "%s %s %s", smx_op_name(sel.ops[o]),
					  smx_dtype_name(sel.dts[d]), label);
			smx_case_adopt_opts(&cs, sel.ops[o], &x, seed, &copts);
			if (!outs.count || sel.nnames || sel.best)
				run_case(&t, &tally, &sel, NULL, &cs, label, seed);
			for (size_t i = 0; i < outs.count; i++) {
				struct smx_metrics m;
				smx_metrics_init(&m);
				smx_outputs_measure(cmd, &outs, i, &cs, &m);
				add_result(&t, &outs.as_entry[i], label, cs.n, cs.rows, seed, &m);
				judge(&tally, &outs.as_entry[i], &m, label, cs.n);
			}
			smx_case_free(&cs);
			smx_progress_step();
		}
	smx_progress_end();
	if (input)
		for (size_t d = 0; d < sel.ndts; d++)
			smx_rows_free(&in[d]);
	char *ctx = smx_env_json(seed);
	if (shard.count)
		smx_shard_write(f, &shard);
	smx_table_write(&t, f, fmt, ctx);
	smx_out_commit(f);
	free(ctx);
	smx_table_free(&t);
	if (*smx_peer_missing())
		fputs(smx_peer_missing(), stderr);
	return smx_tally_exit(&tally, no_fail);
}
