/* smx vet: the one command a kernel author runs.
 *
 * Every selected entry, for every op it defines, is called in the runner
 * process (runner.h) on a fixed grid of sizes, with guard pages after and
 * before its buffers, in place and unaligned; its claim is checked in
 * every cell, the edge catalogue is run against its declared policy, the
 * FP environment is checked around every call, and a short hunt
 * (cmd_hunt.c) searches for rows that break its claim. Any violation is
 * one line on standard output (entry, case, a command that replays it) and
 * exit status 1. Bitwise invariance to row position, batch size,
 * alignment and in-place use is reported as information. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "cli.h"
#include "hunt.h"
#include "measure.h"
#include "plugin.h"
#include "run.h"
#include "scenarios.h"
#include "util.h"
#include "verdict.h"
#include "variant.h"

static const char help[] =
    "usage: smx [--plugin X.so] vet [--impl LIST] [--op LIST] [--dtype LIST] [--n LIST]\n"
    "                               [--seconds S] [--quick] [--seed S]\n"
    "Vets every entry of the loaded plug-ins (or the entries --impl names,\n"
    "built-ins included) for every op it defines. Each size runs in the runner\n"
    "process with guard pages after and then before every buffer, in place and\n"
    "unaligned; the claim is checked in every cell; the edge catalogue is run\n"
    "against the declared policy; the FP environment (MXCSR, x87) is checked\n"
    "around loading and every call; a short hunt searches for claim-breaking\n"
    "rows. Sizes: n = 0..67, 127-129, 1000, 1001, 4095-4097, 65537 for softmax and\n"
    "logsoftmax; capped at 4097 for vjp, jvp and logsoftmax_vjp and at 128 for\n"
    "the Jacobian (memory and the reference's cost); xent and xent_fused (with\n"
    "generated class targets, and a catalogue and hunt of their own) from n = 1\n"
    "(a row of none has no room for its target) up to 8193 and 4097. --seconds:\n"
    "the budget per\n"
    "entry (20; 3 with --quick, which also takes fewer rows and a shorter hunt).\n"
    "Exit 1 on any violation, one line each; 0 when every verdict holds.\n";

/* The size grid: tails of every lane width, block boundaries, a long row. */
static size_t default_ns(size_t *ns)
{
	size_t k = 0;
	for (size_t n = 0; n <= 67; n++)
		ns[k++] = n;
	static const size_t more[] = {127, 128, 129, 1000, 1001, 4095, 4096, 4097, 65537};
	for (size_t i = 0; i < sizeof more / sizeof *more; i++)
		ns[k++] = more[i];
	return k;
}

static size_t op_cap(smx_op op)
{
	return smx_op_info(op)->forward ? (size_t)-1 : smx_op_info(op)->hunt_n_max;
}

#define VET_MAX_N 96
#define VET_MAX_ENTRIES 512

struct vet_opts {
	int quick;
	double budget_s;
	uint64_t seed;
	size_t ns[VET_MAX_N], nn;
	int ns_given;
};

/* What one entry has shown so far. */
struct vet_entry {
	const struct smx_impl *im;
	double start_ms, spent_ms;
	size_t violations;
	char first_claim[320]; /* the first claim line, then a count */
	size_t claim_more;
	unsigned call_failed; /* 1 << smx_run_status of the failed calls */
	size_t calls_more;    /* failed calls after the first of their kind */
	/* Invariance (information): 1 holds, 0 broken (n of the first), -1 not tried. */
	int inv_rowpos, inv_batch, inv_align, inv_inplace;
	size_t inv_at[4];
};

static struct vet_opts vo;

static void replay_line(char *buf, size_t len, const struct smx_impl *im, size_t n)
{
	char pre[1400];
	smx_plugin_argv_text(pre, sizeof pre);
	if (smx_variant_active()) {
		size_t k = strlen(pre);
		snprintf(pre + k, sizeof pre - k, " %s", smx_variant_active()->text);
	}
	if (n == (size_t)-1)
		snprintf(buf, len, "smx%s vet --impl %s --op %s --dtype %s --seed %llu", pre,
			 im->name, smx_op_name(im->op), smx_dtype_name(im->dtype),
			 (unsigned long long)vo.seed);
	else
		snprintf(buf, len, "smx%s vet --impl %s --op %s --dtype %s --n %zu --seed %llu",
			 pre, im->name, smx_op_name(im->op), smx_dtype_name(im->dtype), n,
			 (unsigned long long)vo.seed);
}

static void violation(struct vet_entry *e, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void violation(struct vet_entry *e, size_t n, const char *fmt, ...)
{
	char what[512], replay[1800];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	replay_line(replay, sizeof replay, e->im, n);
	fprintf(smx_stdout(), "FAIL %s %s %s (%s): %s; replay: %s\n", smx_op_name(e->im->op),
		smx_dtype_name(e->im->dtype), e->im->name, smx_origin_name(e->im->origin), what,
		replay);
	e->violations++;
}

/* A failed call (crash, exit, timeout, FP environment) is a violation,
 * printed the first time each kind happens (later ones counted); returns 1
 * when the outputs are usable. */
static int call_ok(struct vet_entry *e, size_t n, const char *where, const struct smx_run_result *r)
{
	if (r->status == SMX_RUN_OK)
		return 1;
	if (e->call_failed & 1u << r->status)
		e->calls_more++;
	else
		violation(e, n, "n=%zu %s: %s", n, where, smx_run_describe(r));
	e->call_failed |= 1u << r->status;
	return r->status == SMX_RUN_FPENV;
}

/* Run the case under one placement; y gets the outputs as doubles.
 * Returns 1 when the call returned. */
static int run_placed(struct vet_entry *e, const struct smx_case *c, size_t rows, size_t first,
		      const struct smx_run_opts *ro, const char *where, double *y)
{
	const struct smx_impl *im = e->im;
	size_t n = c->n, es = smx_dtype_size(c->dt), total = rows * n;
	size_t olen = smx_op_out_len(c->op, n), outs = rows * olen;
	void *a = smx_alloc(total ? total : 1, es),
	     *out = smx_alloc(outs ? outs : 1, smx_dtype_size(smx_impl_out(im)));
	void *b = NULL;
	smx_to_dtype(c->dt, c->in + first * n, a, total);
	if (c->g) {
		b = smx_alloc(total ? total : 1, es);
		smx_to_dtype(c->dt, c->g + first * n, b, total);
	}
	struct smx_run_result r;
	struct smx_run_opts at = *ro;
	at.row0 = first;
	if (smx_run_isolated(im, a, b, out, rows, n, &at, &r) < 0)
		smx_die("vet: %s: placement '%s' refused by the runner", im->name, where);
	int ok = call_ok(e, n, where, &r);
	if (ok)
		smx_from_dtype(smx_impl_out(im), out, y, outs);
	free(a);
	free(b);
	free(out);
	return ok;
}

/* The claim in one cell, judged as accuracy judges it (verdict.c): no
 * NaN, infinity or zero row where the reference is finite, every
 * component within the declared bound. */
static void check_claim(struct vet_entry *e, const struct smx_case *c, const double *y,
			const char *where)
{
	struct smx_metrics m;
	smx_metrics_init(&m);
	smx_case_fold(e->im, c, y, &m);
	char why[200];
	if (!smx_verdict_metrics(e->im, &m, why, sizeof why))
		return;
	if (e->first_claim[0]) {
		e->claim_more++;
		return;
	}
	snprintf(e->first_claim, sizeof e->first_claim, "n=%zu %s: %s", c->n, where, why);
	violation(e, c->n, "%s", e->first_claim);
}

static int same_bits(smx_dtype dt, const double *a, const double *b, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (isnan(a[i]) && isnan(b[i]))
			continue;
		if (memcmp(&a[i], &b[i], sizeof a[i]) != 0)
			return 0;
	}
	(void)dt;
	return 1;
}

static void note_inv(int *flag, size_t *at, size_t n, int same)
{
	if (*flag == 0)
		return;
	*flag = same;
	if (!same)
		*at = n;
}

/* One size: four placements, then one row alone and the batch split. */
static void vet_cell(struct vet_entry *e, const struct smx_case *c)
{
	size_t n = c->n, olen = smx_op_out_len(c->op, n), outs = c->rows * olen;
	size_t es = smx_dtype_size(c->dt);
	double *y0 = smx_alloc(outs ? outs : 1, sizeof *y0),
	       *y1 = smx_alloc(outs ? outs : 1, sizeof *y1);
	const struct smx_run_opts after = {.guard = SMX_GUARD_AFTER},
				  before = {.guard = SMX_GUARD_BEFORE},
				  unal = {.guard = SMX_GUARD_AFTER, .misalign = es};
	if (!run_placed(e, c, c->rows, 0, &after, "guard after", y0))
		goto done;
	check_claim(e, c, y0, "guard after");
	if (run_placed(e, c, c->rows, 0, &before, "guard before", y1)) {
		check_claim(e, c, y1, "guard before");
		note_inv(&e->inv_align, &e->inv_at[2], n, same_bits(c->dt, y0, y1, outs));
	}
	if (run_placed(e, c, c->rows, 0, &unal, "unaligned", y1)) {
		check_claim(e, c, y1, "unaligned");
		note_inv(&e->inv_align, &e->inv_at[2], n, same_bits(c->dt, y0, y1, outs));
	}
	if (smx_op_info(c->op)->in_place)
		for (int which = 1; which <= smx_op_arity(c->op); which++) {
			const struct smx_run_opts inpl = {.guard = SMX_GUARD_AFTER,
							  .in_place = which};
			const char *where = which == 1 ? "in place (out == first input)"
						       : "in place (out == second input)";
			if (run_placed(e, c, c->rows, 0, &inpl, where, y1)) {
				check_claim(e, c, y1, where);
				note_inv(&e->inv_inplace, &e->inv_at[3], n,
					 same_bits(c->dt, y0, y1, outs));
			}
		}
	/* The last row alone (row position), and the rows as two calls (batch
	 * size): the bits should not depend on either. */
	if (c->rows >= 2) {
		size_t last = c->rows - 1, half = c->rows / 2;
		if (run_placed(e, c, 1, last, &after, "last row alone", y1))
			note_inv(&e->inv_rowpos, &e->inv_at[0], n,
				 same_bits(c->dt, y0 + last * olen, y1, olen));
		if (run_placed(e, c, half, 0, &after, "first half of the rows", y1) &&
		    run_placed(e, c, c->rows - half, half, &after, "second half of the rows",
			       y1 + half * olen))
			note_inv(&e->inv_batch, &e->inv_at[1], n, same_bits(c->dt, y0, y1, outs));
	}
done:
	free(y0);
	free(y1);
}

/* The edge catalogue (forward and cross-entropy ops), classified against
 * the declared policy in the runner. */
static void vet_edges(struct vet_entry *e)
{
	const struct smx_impl *im = e->im;
	/* The catalogue's rows and policies speak of the plain softmax (and
	 * of cross-entropy rows with their targets). */
	if (!smx_scenario_op(im->op) || smx_variant_on(im->op))
		return;
	static struct smx_scenario scen[128];
	size_t k = smx_scenarios_for(im->op, im->dtype, scen, 128);
	for (size_t j = 0; j < k; j++) {
		struct smx_run_result r;
		double u;
		int any;
		enum smx_outcome want = smx_scenario_expect(im, &scen[j], &any);
		enum smx_outcome got = smx_scenario_run_in(im, &scen[j], &u, &r);
		if (!call_ok(e, scen[j].n, scen[j].name, &r))
			continue;
		if (!smx_policy_holds(got, want, any))
			violation(e, (size_t)-1,
				  "edge row '%s' (n=%zu): %s, but the declared policy says %s",
				  scen[j].name, scen[j].n, smx_outcome_name(got),
				  smx_outcome_name(want));
	}
}

static double elapsed_s(const struct vet_entry *e)
{
	return (smx_now_ms() - e->start_ms) / 1e3;
}

/* A short hunt with what is left of the entry's budget: it prints each
 * finding with its replay line. */
static void vet_hunt(struct vet_entry *e)
{
	/* A search calls the entry thousands of times: not one that crashes,
	 * hangs or changes the FP environment (already named). */
	if (e->call_failed)
		return;
	double left = vo.budget_s - elapsed_s(e);
	double secs = vo.quick ? 0.5 : 4;
	if (left < 2 * secs)
		secs = left / 2 > 0.25 ? left / 2 : 0.25;
	int found = smx_hunt_entry(e->im, secs, vo.seed);
	e->violations += (size_t)found;
}

static const char *inv_word(int v)
{
	return v < 0 ? "not tried" : v ? "yes" : "NO";
}

static void vet_info(const struct vet_entry *e)
{
	char at[4][40];
	const int *f[4] = {&e->inv_rowpos, &e->inv_batch, &e->inv_align, &e->inv_inplace};
	for (int i = 0; i < 4; i++) {
		at[i][0] = 0;
		if (*f[i] == 0)
			snprintf(at[i], sizeof at[i], " (n=%zu)", e->inv_at[i]);
	}
	fprintf(smx_stdout(),
		"info %s %s %s: bitwise invariant to row position: %s%s; batch size: %s%s; "
		"alignment: %s%s; in-place use: %s%s\n",
		smx_op_name(e->im->op), smx_dtype_name(e->im->dtype), e->im->name,
		inv_word(e->inv_rowpos), at[0], inv_word(e->inv_batch), at[1],
		inv_word(e->inv_align), at[2], inv_word(e->inv_inplace), at[3]);
}

/* Rows per cell. A few short sizes take 67 rows, past the row blocks of
 * 2 to 64 and an OpenMP split, so that a kernel wrong only from some row
 * on (a stale per-row value, a row-block tail) breaks its claim there. */
static size_t rows_for(smx_op op, size_t n)
{
	if (smx_op_info(op)->out == SMX_LEN_NN || n > 4097)
		return 2;
	if (n <= 67 && n % 8 == 1)
		return 67;
	return vo.quick || n > 1001 ? 2 : 4;
}

/* Every size of (op, dt) for the entries of that group: each case (its
 * rows and reference) is made once and served to every entry. */
static void vet_group(struct vet_entry *es, size_t count, smx_op op, smx_dtype dt)
{
	size_t cap = op_cap(op);
	for (size_t i = 0; i < vo.nn; i++) {
		size_t n = vo.ns[i];
		/* A row of no logits has no room for its class target (op.h). */
		if (n > cap || (n == 0 && smx_op_info(op)->in[1] == SMX_ARG_TARGETS))
			continue;
		struct smx_dist d;
		smx_dist_parse(smx_dist_defaults[i % smx_dist_ndefaults], &d);
		struct smx_case c;
		smx_case_generate(&c, op, dt, &d, vo.seed, rows_for(op, n), n);
		for (size_t k = 0; k < count; k++) {
			double t0 = smx_now_ms();
			vet_cell(&es[k], &c);
			es[k].spent_ms += smx_now_ms() - t0;
		}
		smx_case_free(&c);
	}
}

static void vet_finish(struct vet_entry *e)
{
	e->start_ms = smx_now_ms() - e->spent_ms;
	vet_edges(e);
	vet_hunt(e);
	if (e->claim_more)
		fprintf(smx_stdout(), "FAIL %s %s %s: the claim is broken in %zu more cells\n",
			smx_op_name(e->im->op), smx_dtype_name(e->im->dtype), e->im->name,
			e->claim_more);
	if (e->calls_more)
		fprintf(smx_stdout(), "FAIL %s %s %s: %zu more calls failed the same way\n",
			smx_op_name(e->im->op), smx_dtype_name(e->im->dtype), e->im->name,
			e->calls_more);
	vet_info(e);
}

/* The entries to vet: those --impl names (built-ins too), else every
 * plug-in entry. */
static size_t pick(const struct smx_sel *sel, struct vet_entry *es)
{
	size_t k = 0;
	for (size_t o = 0; o < sel->nops; o++)
		for (size_t d = 0; d < sel->ndts; d++) {
			const struct smx_impl *ims[VET_MAX_ENTRIES];
			size_t m =
			    smx_sel_entries(sel, sel->ops[o], sel->dts[d], ims, VET_MAX_ENTRIES);
			for (size_t i = 0; i < m && k < VET_MAX_ENTRIES; i++) {
				if (sel->nnames == 0 && ims[i]->origin != SMX_ORIGIN_PLUGIN)
					continue;
				es[k] = (struct vet_entry){
				    .im = ims[i],
				    .inv_rowpos = 1,
				    .inv_batch = 1,
				    .inv_align = 1,
				    .inv_inplace = smx_op_info(ims[i]->op)->in_place ? 1 : -1};
				k++;
			}
		}
	return k;
}

static void parse(int argc, char **argv, struct smx_sel *sel)
{
	static const struct option opts[] = {
	    {"impl", required_argument, 0, 'i'},
	    {"op", required_argument, 0, 'p'},
	    {"dtype", required_argument, 0, 'd'},
	    {"n", required_argument, 0, 'n'},
	    {"seed", required_argument, 0, 's'},
	    {"seconds", required_argument, 0, 'S'},
	    {"quick", no_argument, 0, 'q'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	const char *cmd = "vet";
	smx_sel_init(sel);
	smx_sel_ops(sel, (char[]){"all"});
	vo = (struct vet_opts){.seed = 1, .budget_s = -1};
	vo.nn = default_ns(vo.ns);
	const struct smx_common co = {.cmd = cmd, .help = help, .sel = sel, .seed = &vo.seed};
	int c;
	while ((c = smx_getopt(argc, argv, opts, cmd)) != -1) {
		switch (c) {
		case 'n':
			vo.nn = smx_arg_sizes(cmd, "--n", optarg, vo.ns, VET_MAX_N, 0, 1 << 24);
			vo.ns_given = 1;
			break;
		case 'S':
			if (smx_parse_double(optarg, &vo.budget_s) || !(vo.budget_s > 0) ||
			    vo.budget_s > 3600)
				smx_die(
				    "vet: --seconds: '%s' is not a number of seconds in (0, 3600]",
				    optarg);
			break;
		case 'q':
			vo.quick = 1;
			break;
		default:
			if (!smx_common_opt(c, &co))
				smx_die("vet: unexpected option");
		}
	}
	smx_common_end(argc, argv, &co);
	if (vo.budget_s < 0)
		vo.budget_s = vo.quick ? 3 : 20;
}

int smx_cmd_vet(int argc, char **argv)
{
	struct smx_sel sel;
	parse(argc, argv, &sel);
	if (smx_variant_active() && smx_variant_active()->flags & SMX_VARIANT_MASK)
		smx_die("vet: --mask FILE fixes n, which vet varies (causal:K works)");
	static struct vet_entry es[VET_MAX_ENTRIES];
	size_t count = pick(&sel, es);
	if (count == 0)
		smx_die("vet: nothing to vet: load a plug-in with --plugin or name entries with "
			"--impl");
	/* Group the entries by (op, dtype) so each case is made once. */
	for (size_t o = 0; o < sel.nops; o++)
		for (size_t d = 0; d < sel.ndts; d++) {
			size_t lo = 0;
			while (lo < count &&
			       (es[lo].im->op != sel.ops[o] || es[lo].im->dtype != sel.dts[d]))
				lo++;
			size_t hi = lo;
			while (hi < count && es[hi].im->op == sel.ops[o] &&
			       es[hi].im->dtype == sel.dts[d])
				hi++;
			if (hi > lo)
				vet_group(es + lo, hi - lo, sel.ops[o], sel.dts[d]);
		}
	size_t bad = 0, total = 0;
	for (size_t k = 0; k < count; k++) {
		vet_finish(&es[k]);
		/* Peers never fail a command: their breaks are findings. */
		bad += es[k].violations > 0 && es[k].im->origin != SMX_ORIGIN_PEER;
		total += es[k].violations;
	}
	if (fflush(smx_stdout()) != 0)
		smx_die("vet: standard output: write failed");
	fprintf(stderr, "smx vet: %zu entries, %zu with violations (%zu violations)\n", count, bad,
		total);
	return bad ? 1 : 0;
}
