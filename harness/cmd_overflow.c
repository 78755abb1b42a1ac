/* smx overflow: what every implementation does on large, masked and broken
 * rows, next to what it declares; and where it first stops being ok. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "env.h"
#include "peers.h"
#include "profiles.h"
#include "progress.h"
#include "scenarios.h"
#include "sweeps.h"
#include "util.h"
#include "verdict.h"

static const char help[] =
    "usage: smx overflow [--op LIST] [--dtype LIST] [--impl LIST|all|best] [--no-thresholds]\n"
    "                    [--shard K/N] [--profile NAME]\n"
    "                    [--format table|csv|json] [--output FILE] [--no-fail]\n"
    "Runs the scenario catalogue (scale sweeps, equal rows, +-inf, masks, NaN,\n"
    "subnormals, exp thresholds, n = 0 and 1, ascending rows) and classifies each\n"
    "row: ok (within the declared bound), nan, inf, zero-row, wrong. 'expected' is\n"
    "what the entry's policy declares; a mismatch is a defect for smx's kernels and\n"
    "a finding for peers. Thresholds: the smallest scale S (rows uniform in (-S, S))\n"
    "and gap R at which an entry first leaves ok, by bisection;\n"
    "\"never\" when none does (threshold inf in CSV, null in JSON).\n"
    "Exit 0: every built-in and plug-in entry does what its policy declares; 1: one\n"
    "does not, or nothing was run (peers' mismatches are findings, on stderr);\n"
    "2: bad input. --no-fail reports and exits 0. The summary line goes to stderr.\n"
    "--profile NAME: on the rows an edge profile speaks of (fully masked, +inf,\n"
    "mixed +-inf, NaN, finite sentinels, first block masked, SIMD-tail masks), expect\n"
    "what the profile's library does instead of the declared policy, with no\n"
    "domain excuse: pytorch, pytorch-safe, onnx-attention, onednn-inf-as-zero, jax\n"
    "(README, \"Edge profiles\").\n"
    "xent and xent_fused run a catalogue of their own (a class target per row):\n"
    "-inf at the target (loss +inf), +inf and NaN at and off the target, fully\n"
    "masked rows, the target below a finite sentinel, the target at the max by a\n"
    "gap, at the min, in the SIMD tail, large logits.\n";

static const struct smx_column tidy[] = {
    {"impl", SMX_STR, 1},    {"op", SMX_STR, 1},	{"dtype", SMX_STR, 1},
    {"origin", SMX_STR, 0},  {"scenario", SMX_STR, 1},	{"n", SMX_INT, 1},
    {"outcome", SMX_STR, 1}, {"max_ulp", SMX_NUM, 1},	{"expected", SMX_STR, 1},
    {"matches", SMX_STR, 1}, {"threshold", SMX_NUM, 1},
};

/* A threshold for the table: "never" when no scale or gap leaves ok (the
 * bisection's 0). The tidy table gives inf for it. */
static const char *limit_text(char *buf, size_t len, double t)
{
	if (t > 0)
		snprintf(buf, len, "%.4g", t);
	else
		snprintf(buf, len, "never");
	return buf;
}

static const struct smx_column summary[] = {
    {"op", SMX_STR, 1},	      {"dtype", SMX_STR, 1},
    {"impl", SMX_STR, 1},     {"ok", SMX_STR, 1},
    {"mismatch", SMX_STR, 1}, {"scale_limit", SMX_STR, 1},
    {"becomes", SMX_STR, 1},  {"range_limit", SMX_STR, 1},
    {"becomes", SMX_STR, 1},  {"not ok (scenario=outcome)", SMX_STR, 1},
};

void smx_overflow_tables(struct smx_table *tidy_t, struct smx_table *sum)
{
	smx_table_init(tidy_t, tidy, sizeof tidy / sizeof *tidy);
	smx_table_init(sum, summary, sizeof summary / sizeof *summary);
}

/* The catalogue is made of logit rows (with targets): forward and
 * cross-entropy ops. */
static size_t catalogue_entries(const struct smx_overflow_opts *o, smx_op op, smx_dtype dt,
				const struct smx_impl **ims)
{
	return smx_scenario_op(op) ? smx_sweep_entries(o->sel, o->keep, op, dt, ims) : 0;
}

/* Cells are (op, dtype, implementation); a shard takes a contiguous run. */
size_t smx_overflow_cells(const struct smx_overflow_opts *o)
{
	size_t cells = 0;
	for (size_t p = 0; p < o->sel->nops; p++)
		for (size_t d = 0; d < o->sel->ndts; d++) {
			const struct smx_impl *ims[256];
			cells += catalogue_entries(o, o->sel->ops[p], o->sel->dts[d], ims);
		}
	return cells;
}

/* One entry on the catalogue scen[0 .. ns): its tidy rows, thresholds,
 * verdict and summary row. */
static void overflow_cell(const struct smx_overflow_opts *o, const struct smx_impl *im,
			  const struct smx_scenario *scen, size_t ns, struct smx_table *t,
			  struct smx_table *sum)
{
	const struct smx_profile *prof = o->prof;
	int thresholds = o->thresholds;
	smx_progress_cell(0, "%s %s %s", smx_op_name(im->op), smx_dtype_name(im->dtype), im->name);
	size_t nok = 0, nmis = 0;
	char bad[2048] = "", mis[512] = "";
	size_t lb = 0, lm = 0;
	for (size_t j = 0; j < ns; j++) {
		double u;
		const char *want;
		enum smx_outcome got = smx_scenario_run(im, &scen[j], &u);
		int match = smx_row_judge(prof, im, &scen[j], got, &want);
		nok += got == SMX_OUT_OK;
		nmis += !match;
		if (got != SMX_OUT_OK && lb < sizeof bad)
			lb += (size_t)snprintf(bad + lb, sizeof bad - lb, "%s%s=%s", lb ? " " : "",
					       scen[j].name, smx_outcome_name(got));
		if (!match && lm < sizeof mis)
			lm += (size_t)snprintf(mis + lm, sizeof mis - lm, "%s%s", lm ? " " : "",
					       scen[j].name);
		smx_table_add(t, im->name, smx_op_name(im->op), smx_dtype_name(im->dtype),
			      smx_origin_name(im->origin), scen[j].name, (long long)scen[j].n,
			      smx_outcome_name(got), u, want, match ? "yes" : "NO", NAN);
	}
	double ts = NAN, tr = NAN;
	enum smx_outcome bs = SMX_OUT_OK, br = SMX_OUT_OK;
	if (thresholds) {
		ts = smx_threshold_scale(im, &bs);
		tr = smx_threshold_range(im, &br);
		smx_table_add(t, im->name, smx_op_name(im->op), smx_dtype_name(im->dtype),
			      smx_origin_name(im->origin), "threshold:scale", 64LL,
			      smx_outcome_name(bs), NAN, "-", "-", ts > 0 ? ts : INFINITY);
		smx_table_add(t, im->name, smx_op_name(im->op), smx_dtype_name(im->dtype),
			      smx_origin_name(im->origin), "threshold:range", 64LL,
			      smx_outcome_name(br), NAN, "-", "-", tr > 0 ? tr : INFINITY);
	}
	char cellname[160], why[1024];
	snprintf(cellname, sizeof cellname, "%s %s %s", smx_op_name(im->op),
		 smx_dtype_name(im->dtype), im->name);
	if (prof) {
		char decl[160];
		smx_profile_declared_list(im, decl, sizeof decl);
		snprintf(why, sizeof why, "profile %s mismatch on %s (its policy declares: %s)",
			 prof->name, mis, decl);
	} else {
		snprintf(why, sizeof why, "policy mismatch on %s", mis);
	}
	if (o->tally)
		smx_tally_add(o->tally, im, cellname, nmis > 0, why);
	char oks[32], miss[600], sl[32] = "-", rl[32] = "-";
	snprintf(oks, sizeof oks, "%zu/%zu", nok, ns);
	snprintf(miss, sizeof miss, "%s", nmis ? mis : "-");
	smx_table_add(sum, smx_op_name(im->op), smx_dtype_name(im->dtype), im->name, oks, miss,
		      thresholds ? limit_text(sl, sizeof sl, ts) : sl,
		      ts > 0 ? smx_outcome_name(bs) : "-",
		      thresholds ? limit_text(rl, sizeof rl, tr) : rl,
		      tr > 0 ? smx_outcome_name(br) : "-", lb ? bad : "-");
	smx_progress_step();
}

void smx_overflow_sweep(const struct smx_overflow_opts *o, struct smx_table *t,
			struct smx_table *sum)
{
	static struct smx_scenario scen[64];
	size_t cell = 0;
	for (size_t p = 0; p < o->sel->nops; p++)
		for (size_t d = 0; d < o->sel->ndts; d++) {
			size_t ns = smx_scenarios_for(o->sel->ops[p], o->sel->dts[d], scen, 64);
			const struct smx_impl *ims[256];
			size_t k = catalogue_entries(o, o->sel->ops[p], o->sel->dts[d], ims);
			for (size_t i = 0; i < k; i++) {
				size_t mine = cell++;
				if (mine >= o->lo && mine < o->hi) /* else another shard's cell */
					overflow_cell(o, ims[i], scen, ns, t, sum);
			}
		}
}

int smx_cmd_overflow(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"op", required_argument, 0, 'p'},
	    {"dtype", required_argument, 0, 'd'},
	    {"impl", required_argument, 0, 'i'},
	    {"no-thresholds", no_argument, 0, 'T'},
	    {"shard", required_argument, 0, 'K'},
	    {"format", required_argument, 0, 'f'},
	    {"output", required_argument, 0, 'o'},
	    {"no-fail", no_argument, 0, 'F'},
	    {"profile", required_argument, 0, 'P'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	const char *cmd = "overflow";
	struct smx_sel sel;
	smx_sel_init(&sel);
	int thresholds = 1, no_fail = 0;
	const struct smx_profile *prof = NULL;
	struct smx_shard shard = {0, 0};
	enum smx_format fmt = SMX_FMT_TABLE;
	const char *output = NULL;
	const struct smx_common co = {cmd,  help, &sel, &fmt, &output,
				      NULL, NULL, NULL, NULL, &shard};
	int c;
	while ((c = smx_getopt(argc, argv, opts, cmd)) != -1) {
		switch (c) {
		case 'T':
			thresholds = 0;
			break;
		case 'F':
			no_fail = 1;
			break;
		case 'P':
			if (!(prof = smx_profile_find(optarg)))
				smx_die("%s: --profile: unknown profile '%s' (%s)", cmd, optarg,
					smx_profile_names());
			break;
		default:
			smx_common_opt(c, &co);
		}
	}
	smx_common_end(argc, argv, &co);
	/* Ops without logit rows have no catalogue: a selection of only those
	 * is bad input, not a run that measures nothing. */
	size_t with = 0;
	char known[256] = "";
	for (size_t p = 0; p < sel.nops; p++)
		with += smx_scenario_op(sel.ops[p]) != 0;
	for (int o = 0; o < SMX_OP_COUNT; o++)
		if (smx_scenario_op((smx_op)o))
			snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
				 *known ? ", " : "", smx_op_name((smx_op)o));
	if (sel.nops && !with)
		smx_die("%s: --op: the catalogue is made of logit rows; it runs %s", cmd, known);
	/* The output opens before the work: a bad path fails at once, and an
	 * interrupted run leaves nothing (util.c removes the temporary). */
	FILE *f = smx_out_open(output);
	struct smx_tally tally;
	smx_tally_init(&tally, cmd);
	struct smx_table t, sum;
	smx_overflow_tables(&t, &sum);
	struct smx_overflow_opts oo = {
	    .sel = &sel, .thresholds = thresholds, .prof = prof, .tally = &tally};
	oo.hi = smx_overflow_cells(&oo);
	if (shard.count)
		smx_shard_range(&shard, oo.hi, &oo.lo, &oo.hi);
	smx_progress_begin(cmd, oo.hi - oo.lo, 0);
	smx_overflow_sweep(&oo, &t, &sum);
	smx_progress_end();
	char *ctx = smx_env_json(0);
	if (shard.count)
		smx_shard_write(f, &shard);
	smx_table_write(fmt == SMX_FMT_TABLE ? &sum : &t, f, fmt, ctx);
	smx_out_commit(f);
	free(ctx);
	smx_table_free(&t);
	smx_table_free(&sum);
	if (*smx_peer_missing())
		fputs(smx_peer_missing(), stderr);
	return smx_tally_exit(&tally, no_fail);
}
