#define _POSIX_C_SOURCE 200809L
/* smx check: the CI accuracy gate. A committed, human-readable baseline
 * (one measurement a line, in the spirit of glibc's libm-test-ulps) is
 * measured again; any line that got worse fails the check. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "baseline.h"
#include "cli.h"
#include "env.h"
#include "measure.h"
#include "outputs.h"
#include "progress.h"
#include "run.h"
#include "scenarios.h"
#include "sweep.h"
#include "util.h"
#include "verdict.h"
#include "variant.h"

static const char help[] =
    "usage: smx check --baseline FILE [--update] [--allow-missing] [--junit FILE]\n"
    "                 [--format table|json] [--perf] [--perf-tolerance F] [--perf-fail]\n"
    "       smx check --init --baseline FILE [--impl LIST] [--op LIST] [--dtype LIST]\n"
    "Accuracy lines:  OP DTYPE IMPL DIST N ROWS SEED max_ulp=V mean_ulp=V sum_err_ulp=V "
    "bad_rows=K\n"
    "                 (the backward ops: cond_err=V in place of sum_err_ulp)\n"
    "Edge lines:      edge OP DTYPE IMPL all_neginf=P pos_inf=P   (P: nan, zero, limit)\n"
    "Perf lines:      perf OP DTYPE IMPL N ROWS vs_memcpy=V\n"
    "Outputs lines:   outputs OP DTYPE NAME INPUT OUTPUT [--shape RxN] max_ulp=V mean_ulp=V\n"
    "                 sum_err_ulp=V bad_rows=K   (softmax, logsoftmax)\n"
    "                 OUTPUT holds outputs computed elsewhere (PyTorch, a GPU) from the\n"
    "                 logits INPUT, as 'smx accuracy --input INPUT --outputs NAME=OUTPUT'\n"
    "                 measures them; paths are relative to FILE's directory, --shape is\n"
    "                 for raw .f32 / .f64. --init does not write these: add them by hand\n"
    "                 (budgets inf, then --update measures them). A missing, unreadable\n"
    "                 or misshapen file fails the line.\n"
    "'#' starts a comment. A line fails when a value exceeds its budget; when the\n"
    "entry breaks its claim (a row beyond its bound) or gives nan / inf / zero rows\n"
    "where the reference is finite; for an edge line, when the entry's outcome on a\n"
    "catalogue row differs from its policy or its declared policy differs from the\n"
    "line's; when the line names an entry this build does not have. Lines for\n"
    "entries this CPU cannot run are skipped. Peers' breaks are findings, never\n"
    "failures. --init writes a starter baseline: the default accuracy sweep's cells\n"
    "and an edge line for every selected entry, budgets = a fresh measurement plus\n"
    "headroom: max(2v, v + 4 + 5 sqrt(n)) for max_ulp, sum_err_ulp and cond_err,\n"
    "max(2v, v + 0.5 + 2 sqrt(n)) for mean_ulp, bad_rows exact; --update re-measures\n"
    "FILE the same way.\n"
    "Exit 0: every line holds; 1: a line failed, or nothing was measured (unless\n"
    "--allow-missing, which also skips unknown entries), or with --perf-fail a perf\n"
    "line ran slower than its budget by more than the tolerance; 2: bad input.\n";

enum status { ST_PASS, ST_FAIL, ST_SKIP, ST_SLOW, ST_FIND };
static const char *const status_name[] = {"pass", "FAIL", "skipped", "slow", "finding"};

struct line {
	char *text; /* the original line (comments and blanks kept as is) */
	struct smx_bline b;
	double got[4];
	int measured;
	int fresh;		     /* written by --init: no text of the user's to keep */
	smx_edge decl_neg, decl_pos; /* edge lines: the entry's declared policy */
	enum status st;
	char why[256];
};

/* A perf budget: the measured ratio rounded up to 4 significant digits
 * (perf lines have their own tolerance). */
static double budget_of(double v)
{
	if (!(v > 0) || isinf(v))
		return v;
	double scale = pow(10, 3 - floor(log10(v)));
	return ceil(v * scale - 1e-9) / scale;
}

/* The line's implementation, or NULL with the line marked: an entry this
 * build does not have fails (skipped with --allow-missing), one this CPU
 * cannot run is skipped. */
static const struct smx_impl *line_impl(struct line *l, int allow_missing)
{
	const struct smx_impl *im = smx_registry_find(l->b.op, l->b.dt, l->b.impl);
	if (im && smx_impl_runnable(im))
		return im;
	l->st = im || allow_missing ? ST_SKIP : ST_FAIL;
	snprintf(l->why, sizeof l->why, "%s",
		 im ? "this CPU cannot run it"
		    : "not in this build (a typo, a rename, or a missing --plugin?)");
	return NULL;
}

/* A break of a peer is a finding; of a built-in or plug-in, a failure. */
static void mark_broken(struct line *l, const struct smx_impl *im)
{
	l->st = im->origin == SMX_ORIGIN_PEER ? ST_FIND : ST_FAIL;
}

/* The verdict on an accuracy or outputs line's metrics (l->got set). */
static void judge_metrics(struct line *l, const struct smx_impl *im, const struct smx_metrics *m,
			  int update)
{
	l->st = ST_PASS;
	char why[200];
	if (smx_verdict_metrics(im, m, why, sizeof why)) {
		mark_broken(l, im);
		snprintf(l->why, sizeof l->why, "%s", why);
	} else if (!update && smx_line_over_budget(&l->b, l->got, l->why, sizeof l->why)) {
		mark_broken(l, im);
	}
}

static void measure_accuracy(struct line *l, const struct smx_impl *im, struct smx_cell_cache *cc,
			     int update)
{
	struct smx_metrics m;
	smx_line_measure(&l->b, im, cc, l->got, &m);
	judge_metrics(l, im, &m, update);
}

/* An outputs line: OUTPUT, computed elsewhere from INPUT, against the
 * reference, judged as an entry with no claim. Any file that cannot be
 * measured fails the line: the gate fails closed. */
static void measure_outputs(struct line *l, const char *dir, int update)
{
	char in[1600], out[1600], err[sizeof l->why] = ""; /* dir (< 1024) and a path (< 512) */
	snprintf(in, sizeof in, "%s%s", *l->b.input == '/' ? "" : dir, l->b.input);
	snprintf(out, sizeof out, "%s%s", *l->b.output == '/' ? "" : dir, l->b.output);
	const char *shape = *l->b.shape ? l->b.shape : NULL;
	struct smx_rows xs, ys;
	l->st = ST_FAIL;
	if (smx_outputs_load(in, l->b.dt, shape, &xs, err, sizeof err)) {
		snprintf(l->why, sizeof l->why, "%s", err);
		return;
	}
	size_t n = smx_rows_width(&xs), total = n == (size_t)-1 ? 0 : xs.count * n;
	if (!total || smx_outputs_load(out, l->b.dt, shape, &ys, err, sizeof err)) {
		snprintf(l->why, sizeof l->why, "%s",
			 total ? err : "input rows of different lengths");
		smx_rows_free(&xs);
		return;
	}
	l->b.n = n;
	l->b.rows = xs.count;
	struct smx_case c;
	smx_case_adopt(&c, l->b.op, &xs);
	struct smx_metrics m;
	smx_metrics_init(&m);
	int bad = smx_outputs_fold(&c, &ys, out, &m, err, sizeof err);
	smx_case_free(&c);
	smx_rows_free(&ys);
	if (bad) {
		snprintf(l->why, sizeof l->why, "%s", err);
		return;
	}
	l->measured = 1;
	smx_line_values(l->b.op, &m, l->got);
	struct smx_impl e = smx_outputs_entry(l->b.impl, l->b.op, l->b.dt);
	judge_metrics(l, &e, &m, update);
}

/* An edge line: the catalogue for the entry, each outcome against its
 * declared policy, and that policy against the line's. */
static void measure_edge(struct line *l, const struct smx_impl *im)
{
	static struct smx_scenario scen[64];
	size_t ns = smx_scenarios(im->dtype, scen, 64), k = 0, nmis = 0;
	char mis[200] = "";
	for (size_t j = 0; j < ns; j++) {
		double u;
		int any;
		enum smx_outcome got = smx_scenario_run(im, &scen[j], &u);
		enum smx_outcome want = smx_scenario_expect(im, &scen[j], &any);
		if (smx_policy_holds(got, want, any))
			continue;
		nmis++;
		if (k < sizeof mis)
			k += (size_t)snprintf(mis + k, sizeof mis - k, "%s%s=%s (declared %s)",
					      k ? ", " : "", scen[j].name, smx_outcome_name(got),
					      smx_outcome_name(want));
	}
	l->got[0] = (double)nmis;
	l->st = ST_PASS;
	if (nmis) {
		mark_broken(l, im);
		snprintf(l->why, sizeof l->why, "policy mismatch on %zu rows: %s", nmis, mis);
	} else if (im->policy.all_neginf != l->b.all_neginf || im->policy.pos_inf != l->b.pos_inf) {
		mark_broken(l, im);
		snprintf(l->why, sizeof l->why,
			 "declared policy all_neginf=%s pos_inf=%s, the baseline says %s %s",
			 smx_edge_name(im->policy.all_neginf), smx_edge_name(im->policy.pos_inf),
			 smx_edge_name(l->b.all_neginf), smx_edge_name(l->b.pos_inf));
	}
}

static void measure_perf(struct line *l, const struct smx_impl *im, double tol, int fail)
{
	struct smx_dist d;
	smx_dist_parse("uniform:-10,10", &d);
	double *vals = smx_alloc(l->b.rows * l->b.n, sizeof *vals);
	smx_dist_fill(&d, l->b.dt, 1, l->b.rows, l->b.n, vals);
	struct smx_bench b;
	smx_bench_init(&b, l->b.op, l->b.dt, vals, NULL, l->b.rows, l->b.n, SMX_CACHE_HOT, 5, 9);
	free(vals);
	const enum smx_subject subj[2] = {SMX_SUBJ_MEMCPY, SMX_SUBJ_IMPL};
	const struct smx_impl *ims[2] = {NULL, im};
	struct smx_stats st[2];
	smx_run_bench(&b, 2, subj, ims, st);
	smx_bench_free(&b);
	l->got[0] = st[1].median / st[0].median;
	l->st = ST_PASS;
	if (l->got[0] > l->b.budget[0] * (1 + tol)) {
		l->st = fail ? ST_FAIL : ST_SLOW;
		snprintf(l->why, sizeof l->why, "vs_memcpy %.3g > %.3g + %g%%", l->got[0],
			 l->b.budget[0], 100 * tol);
	}
}

/* A line --init made, or an edge line whose entry now declares another
 * policy: written from its fields. */
static void write_fresh(FILE *f, const struct line *l)
{
	if (l->b.kind == 3) {
		fprintf(f, "edge %s %s %s all_neginf=%s pos_inf=%s\n", smx_op_name(l->b.op),
			smx_dtype_name(l->b.dt), l->b.impl, smx_edge_name(l->decl_neg),
			smx_edge_name(l->decl_pos));
		return;
	}
	fprintf(f, "%s %s %s %s %zu %zu %llu", smx_op_name(l->b.op), smx_dtype_name(l->b.dt),
		l->b.impl, l->b.dist.spec, l->b.n, l->b.rows, (unsigned long long)l->b.seed);
	for (int j = 0; j < 4; j++) {
		double v = smx_budget(j, l->got[j], l->b.n);
		if (isinf(v))
			fprintf(f, " %s=inf", smx_bline_key(l->b.op, j));
		else
			fprintf(f, " %s=%.4g", smx_bline_key(l->b.op, j), v);
	}
	if (l->b.variant[0])
		fprintf(f, " variant=%s", l->b.variant);
	fputc('\n', f);
}

/* Measured lines get fresh budgets (smx_budget's headroom, perf rounded
 * up) written into their own text: spacing, an end-of-line comment and
 * the line ending are kept (smx_bline_rewrite). Comments and lines not
 * measured are kept as they are. */
static void write_baseline(FILE *f, const struct line *ls, size_t k, const char *name)
{
	for (size_t i = 0; i < k; i++) {
		const struct line *l = &ls[i];
		if (l->b.kind == 0 || !l->measured) {
			fputs(l->text, f);
			continue;
		}
		if (l->fresh || (l->b.kind == 3 &&
				 (l->decl_neg != l->b.all_neginf || l->decl_pos != l->b.pos_inf))) {
			write_fresh(f, l);
			continue;
		}
		double v[4] = {0, 0, 0, 0};
		for (int j = 0; j < 4; j++)
			v[j] = l->b.kind == 2 ? budget_of(l->got[j])
					      : smx_budget(j, l->got[j], l->b.n);
		char *text = smx_bline_rewrite(l->text, &l->b, v);
		if (!text)
			smx_die(
			    "check: %s:%zu: with its new budgets the line would be longer than %d "
			    "characters (shorten its comment)",
			    name, i + 1, SMX_BLINE_MAX);
		fputs(text, f);
		free(text);
	}
}

static void case_name(const struct line *l, char *buf, size_t len)
{
	if (l->b.kind == 2)
		snprintf(buf, len, "perf %s %s %s n=%zu rows=%zu", smx_op_name(l->b.op),
			 smx_dtype_name(l->b.dt), l->b.impl, l->b.n, l->b.rows);
	else if (l->b.kind == 3)
		snprintf(buf, len, "edge %s %s %s", smx_op_name(l->b.op), smx_dtype_name(l->b.dt),
			 l->b.impl);
	else if (l->b.kind == 4)
		snprintf(buf, len, "outputs %s %s %s %.120s", smx_op_name(l->b.op),
			 smx_dtype_name(l->b.dt), l->b.impl, l->b.output);
	else
		snprintf(buf, len, "%s %s %s %s n=%zu rows=%zu seed=%llu%s%s", smx_op_name(l->b.op),
			 smx_dtype_name(l->b.dt), l->b.impl, l->b.dist.spec, l->b.n, l->b.rows,
			 (unsigned long long)l->b.seed, l->b.variant[0] ? " variant=" : "",
			 l->b.variant);
}

static void write_junit(const char *path, const struct line *ls, size_t k, size_t nfail,
			size_t nskip, size_t ntests)
{
	FILE *f = smx_out_open(path);
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites><testsuite name=\"smx check\" tests=\"%zu\" failures=\"%zu\" "
		"skipped=\"%zu\">\n",
		ntests, nfail, nskip);
	for (size_t i = 0; i < k; i++) {
		const struct line *l = &ls[i];
		if (!l->b.kind)
			continue;
		char name[640];
		case_name(l, name, sizeof name);
		fputs("  <testcase classname=\"smx.check\" name=\"", f);
		smx_xml_str(f, name);
		fputs("\">", f);
		if (l->st == ST_FAIL) {
			fputs("<failure message=\"", f);
			smx_xml_str(f, l->why);
			fputs("\"/>", f);
		} else if (l->st == ST_SKIP) {
			fputs("<skipped message=\"", f);
			smx_xml_str(f, l->why);
			fputs("\"/>", f);
		} else if (l->st == ST_SLOW || l->st == ST_FIND) {
			fputs("<system-out>", f);
			smx_xml_str(f, l->why);
			fputs("</system-out>", f);
		}
		fputs("</testcase>\n", f);
	}
	fputs("</testsuite></testsuites>\n", f);
	smx_out_commit(f);
}

struct lines {
	struct line *v;
	size_t k, cap;
};

static struct line *push(struct lines *ls, const char *text, size_t len)
{
	if (ls->k == ls->cap) {
		ls->cap = ls->cap ? 2 * ls->cap : 64;
		ls->v = smx_realloc(ls->v, ls->cap, sizeof *ls->v);
	}
	struct line *l = &ls->v[ls->k++];
	memset(l, 0, sizeof *l);
	l->text = smx_alloc(len + 2, 1);
	memcpy(l->text, text, len + 1);
	if (len == 0 || text[len - 1] != '\n')
		strcat(l->text, "\n");
	return l;
}

/* Every line, kept as written; a read error (out of memory included) is
 * not taken for the end of the file. */
static void read_lines(const char *baseline, struct lines *ls)
{
	FILE *in = fopen(baseline, "r");
	if (!in)
		smx_die("check: %s: %s", baseline, strerror(errno));
	char *text = NULL;
	size_t tcap = 0;
	ssize_t len;
	int rerr = 0;
	while ((errno = 0, len = getline(&text, &tcap, in)) >= 0 || !(rerr = errno, 1)) {
		if (memchr(text, 0, (size_t)len))
			smx_die("check: %s:%zu: NUL byte", baseline, ls->k + 1);
		struct line *l = push(ls, text, (size_t)len);
		char err[300];
		if (smx_bline_parse(l->text, &l->b, err, sizeof err))
			smx_die("check: %s:%zu: %s", baseline, ls->k, err);
	}
	free(text);
	if (ferror(in) && !rerr)
		rerr = EIO;
	fclose(in);
	if (rerr)
		smx_die("check: %s: read error: %s", baseline, strerror(rerr));
}

static const char init_header[] =
    "# smx baseline: budgets that 'smx check --baseline FILE' holds every build to.\n"
    "# Written by 'smx check --init'; re-measure with 'smx check --baseline FILE --update'.\n"
    "# Budgets are a fresh measurement v plus headroom: max(2v, v + 4 + 5 sqrt(n)) for\n"
    "# max_ulp, sum_err_ulp and cond_err, max(2v, v + 0.5 + 2 sqrt(n)) for mean_ulp,\n"
    "# bad_rows exact (README, 'smx check').\n"
    "# OP DTYPE IMPL DIST N ROWS SEED max_ulp= mean_ulp= sum_err_ulp=|cond_err= bad_rows=\n"
    "# edge OP DTYPE IMPL all_neginf= pos_inf=\n";

/* The starter baseline's lines: the default accuracy sweep's cells for the
 * selected entries, grouped by cell, then an edge line per forward entry. */
static void init_lines(struct smx_sel *sel, struct lines *ls)
{
	push(ls, init_header, strlen(init_header));
	for (int pass = 0; pass < 2; pass++)
		for (size_t o = 0; o < sel->nops; o++)
			for (size_t d = 0; d < sel->ndts; d++) {
				const struct smx_impl *ims[256];
				size_t k = smx_sel_entries(sel, sel->ops[o], sel->dts[d], ims, 256);
				for (size_t di = 0; pass == 0 && di < smx_dist_ndefaults; di++)
					for (size_t ni = 0; ni < smx_sweep_nn; ni++) {
						size_t n = smx_sweep_ns[ni];
						if (!smx_sweep_covers(sel->ops[o], n))
							continue;
						for (size_t i = 0; i < k; i++) {
							struct line *l = push(ls, "", 0);
							l->fresh = 1;
							l->b.kind = 1;
							l->b.op = sel->ops[o];
							l->b.dt = sel->dts[d];
							snprintf(l->b.impl, sizeof l->b.impl, "%s",
								 ims[i]->name);
							smx_dist_parse(smx_dist_defaults[di],
								       &l->b.dist);
							l->b.n = n;
							l->b.rows =
							    smx_sweep_cell_rows(sel->ops[o], n);
							l->b.seed = 1;
							smx_variant_spec(smx_variant_active(),
									 l->b.variant,
									 sizeof l->b.variant);
						}
					}
				for (size_t i = 0; pass == 1 && smx_op_forward(sel->ops[o]) &&
						   !smx_variant_active() && i < k;
				     i++) {
					struct line *l = push(ls, "", 0);
					l->fresh = 1;
					l->b.kind = 3;
					l->b.op = sel->ops[o];
					l->b.dt = sel->dts[d];
					snprintf(l->b.impl, sizeof l->b.impl, "%s", ims[i]->name);
					l->b.all_neginf = ims[i]->policy.all_neginf;
					l->b.pos_inf = ims[i]->policy.pos_inf;
				}
			}
}

struct counts {
	size_t tests, fail, skip, slow, find;
};

static void run_lines(struct lines *ls, int perf, int perf_fail, double tol, int update,
		      int allow_missing, const char *dir, struct counts *n)
{
	struct smx_cell_cache cc = {0};
	for (size_t i = 0; i < ls->k; i++)
		n->tests += ls->v[i].b.kind != 0;
	smx_progress_begin("check", n->tests, 0);
	for (size_t i = 0; i < ls->k; i++) {
		struct line *l = &ls->v[i];
		if (l->b.kind == 0)
			continue;
		smx_progress_cell(0, "%s %s %s n=%zu", smx_op_name(l->b.op),
				  smx_dtype_name(l->b.dt), l->b.impl, l->b.n);
		const struct smx_impl *im = NULL;
		if (l->b.kind != 1) /* a variant is an accuracy line's alone */
			smx_variant_use_spec("");
		if (l->b.kind == 2 && !perf && !update) {
			l->st = ST_SKIP;
			snprintf(l->why, sizeof l->why, "perf lines need --perf");
		} else if (l->b.kind == 4) {
			measure_outputs(l, dir, update);
		} else if ((im = line_impl(l, allow_missing))) {
			l->measured = 1;
			if (l->b.kind == 1)
				measure_accuracy(l, im, &cc, update);
			else if (l->b.kind == 2)
				measure_perf(l, im, tol, perf_fail);
			else
				measure_edge(l, im);
			l->decl_neg = im->policy.all_neginf;
			l->decl_pos = im->policy.pos_inf;
		}
		n->fail += l->st == ST_FAIL;
		n->skip += l->st == ST_SKIP;
		n->slow += l->st == ST_SLOW;
		n->find += l->st == ST_FIND;
		smx_progress_step();
	}
	smx_progress_end();
	smx_cell_cache_free(&cc);
}

static void print_json(const struct lines *ls, const struct counts *n)
{
	/* smx_stdout: a plug-in's prints never mix with the output. */
	FILE *o = smx_stdout();
	char *ctx = smx_env_json(0);
	fprintf(o,
		"{\n  \"context\": %s,\n  \"summary\": {\"lines\": %zu, \"failed\": %zu, "
		"\"skipped\": %zu, \"slow\": %zu, \"findings\": %zu},\n  \"lines\": [",
		ctx ? ctx : "{}", n->tests, n->fail, n->skip, n->slow, n->find);
	free(ctx);
	int first = 1;
	for (size_t i = 0; i < ls->k; i++) {
		const struct line *l = &ls->v[i];
		if (!l->b.kind)
			continue;
		char name[640];
		case_name(l, name, sizeof name);
		fprintf(o, "%s\n    {\"name\": ", first ? "" : ",");
		first = 0;
		smx_json_str(o, name);
		fprintf(o, ", \"status\": \"%s\", \"why\": ", status_name[l->st]);
		smx_json_str(o, l->why);
		fprintf(o, ", \"budget\": ");
		smx_json_num(o, l->b.kind == 3 ? 0 : l->b.budget[0]);
		fprintf(o, ", \"measured\": ");
		smx_json_num(o, l->measured ? l->got[0] : NAN);
		fputc('}', o);
	}
	fputs("\n  ]\n}\n", o);
}

struct check_opts {
	const char *baseline, *junit;
	int update, init, allow_missing, perf, perf_fail;
	double tol;
	enum smx_format fmt;
	struct smx_sel sel; /* --init's entries */
};

static void parse_opts(int argc, char **argv, struct check_opts *o)
{
	static const struct option opts[] = {
	    {"baseline", required_argument, 0, 'b'},
	    {"update", no_argument, 0, 'u'},
	    {"init", no_argument, 0, 'I'},
	    {"allow-missing", no_argument, 0, 'A'},
	    {"impl", required_argument, 0, 'i'},
	    {"op", required_argument, 0, 'o'},
	    {"dtype", required_argument, 0, 'd'},
	    {"junit", required_argument, 0, 'j'},
	    {"format", required_argument, 0, 'f'},
	    {"perf", no_argument, 0, 'p'},
	    {"perf-tolerance", required_argument, 0, 't'},
	    {"perf-fail", no_argument, 0, 'F'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	*o = (struct check_opts){.tol = 0.25, .fmt = SMX_FMT_TABLE};
	smx_sel_init(&o->sel);
	int c, narrowed = 0, ops_given = 0;
	while ((c = smx_getopt(argc, argv, opts, "check")) != -1) {
		switch (c) {
		case 'b':
			o->baseline = optarg;
			break;
		case 'u':
			o->update = 1;
			break;
		case 'I':
			o->init = 1;
			break;
		case 'A':
			o->allow_missing = 1;
			break;
		case 'i':
			narrowed = 1;
			smx_sel_impls(&o->sel, optarg);
			break;
		case 'o':
			narrowed = ops_given = 1;
			smx_sel_ops(&o->sel, optarg);
			break;
		case 'd':
			narrowed = 1;
			smx_sel_dtypes(&o->sel, optarg);
			break;
		case 'j':
			o->junit = optarg;
			break;
		case 'f':
			o->fmt = smx_arg_format("check", optarg);
			if (o->fmt == SMX_FMT_CSV)
				smx_die("check: --format: csv is not offered (table, json)");
			break;
		case 'p':
			o->perf = 1;
			break;
		case 't':
			if (smx_parse_double(optarg, &o->tol) || o->tol < 0 || o->tol > 10)
				smx_die(
				    "check: --perf-tolerance: '%s' is not a fraction from 0 to 10",
				    optarg);
			break;
		case 'F':
			o->perf = o->perf_fail = 1;
			break;
		case 'h':
			smx_help(help);
		}
	}
	if (optind < argc)
		smx_die("check: unexpected argument '%s'", argv[optind]);
	if (!o->baseline)
		smx_die("check: --baseline FILE is required");
	if (o->init && o->update)
		smx_die("check: --init and --update exclude each other");
	if (!o->init && narrowed)
		smx_die("check: --impl, --op and --dtype go with --init");
	if (!o->init && smx_variant_active())
		smx_die("check: the variant options go with --init (each line carries its own "
			"variant=)");
	if (o->init) {
		smx_sel_check(&o->sel);
		if (!ops_given)
			smx_sweep_plugin_ops(&o->sel);
	}
}

int smx_cmd_check(int argc, char **argv)
{
	struct check_opts o;
	parse_opts(argc, argv, &o);
	const char *baseline = o.baseline;
	int update = o.update, init = o.init;
	struct lines ls = {0};
	if (init) {
		if (access(baseline, F_OK) == 0)
			smx_die("check: --init: %s exists (--update re-measures it)", baseline);
		init_lines(&o.sel, &ls);
		update = 1;
	} else {
		read_lines(baseline, &ls);
	}
	struct counts n = {0};
	for (size_t i = 0; i < ls.k; i++)
		n.tests += ls.v[i].b.kind != 0;
	if (n.tests == 0)
		smx_die("check: %s: no baseline lines", baseline);
	n.tests = 0;
	/* Written before the work, so a bad path fails at once. */
	FILE *out = update ? smx_out_open(baseline) : NULL;
	/* Outputs lines' paths are relative to the baseline's directory. */
	char dir[1024] = "";
	const char *slash = strrchr(baseline, '/');
	if (slash && (size_t)(slash - baseline) + 1 < sizeof dir)
		memcpy(dir, baseline, (size_t)(slash - baseline) + 1);
	run_lines(&ls, o.perf, o.perf_fail, o.tol, update, o.allow_missing, dir, &n);

	size_t measured = 0;
	for (size_t i = 0; i < ls.k; i++)
		measured += ls.v[i].measured;
	if (update) {
		write_baseline(out, ls.v, ls.k, baseline);
		smx_out_commit(out);
	}
	if (o.fmt == SMX_FMT_JSON)
		print_json(&ls, &n);
	else
		for (size_t i = 0; i < ls.k; i++)
			if (ls.v[i].b.kind && ls.v[i].st != ST_PASS) {
				char name[640];
				case_name(&ls.v[i], name, sizeof name);
				fprintf(smx_stdout(), "%-8s %s: %s\n", status_name[ls.v[i].st],
					name, ls.v[i].why);
			}
	if (o.junit)
		write_junit(o.junit, ls.v, ls.k, n.fail, n.skip, n.tests);
	int nothing = measured == 0 && !o.allow_missing;
	fprintf(stderr, "smx check: %s%s: %zu lines: %zu passed, %zu failed, %zu skipped%s%s%s\n",
		baseline, update ? (init ? " written" : " rewritten") : "", n.tests,
		n.tests - n.fail - n.skip - n.slow - n.find, n.fail, n.skip,
		n.find ? ", peer findings" : "",
		n.slow ? " (some perf lines slower than their budget: informational)" : "",
		nothing ? "; FAIL: nothing was measured" : "");
	for (size_t i = 0; i < ls.k; i++)
		free(ls.v[i].text);
	free(ls.v);
	smx_out_commit(smx_stdout());
	return n.fail || nothing ? 1 : 0;
}
