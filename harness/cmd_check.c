#define _POSIX_C_SOURCE 200809L
/* smx check: the CI accuracy gate. A committed, human-readable baseline
 * (one measurement a line, in the spirit of glibc's libm-test-ulps) is
 * measured again; any line that got worse fails the check. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "baseline.h"
#include "cli.h"
#include "env.h"
#include "measure.h"
#include "progress.h"
#include "util.h"

static const char help[] =
    "usage: smx check --baseline FILE [--update] [--junit FILE] [--format table|json]\n"
    "                 [--perf] [--perf-tolerance F] [--perf-fail]\n"
    "Accuracy lines:  OP DTYPE IMPL DIST N ROWS SEED max_ulp=V mean_ulp=V sum_err_ulp=V "
    "bad_rows=K\n"
    "                 (the backward ops: cond_err=V in place of sum_err_ulp)\n"
    "Perf lines:      perf OP DTYPE IMPL N ROWS vs_memcpy=V\n"
    "'#' starts a comment. Exit 0: every line holds; 1: a line regressed (or, with\n"
    "--perf-fail, ran slower than its budget by more than the tolerance); 2: bad input.\n"
    "Lines for implementations this machine cannot run are reported as skipped.\n";

enum status { ST_PASS, ST_FAIL, ST_SKIP, ST_SLOW };
static const char *const status_name[] = {"pass", "FAIL", "skipped", "slow"};

struct line {
	char *text; /* the original line (comments and blanks kept as is) */
	struct smx_bline b;
	double got[4];
	enum status st;
	char why[256];
};

/* Round up to 4 significant digits, so a value re-measured bit for bit is
 * within its own budget. */
static double budget_of(double v)
{
	if (!(v > 0) || isinf(v))
		return v;
	double scale = pow(10, 3 - floor(log10(v)));
	return ceil(v * scale - 1e-9) / scale;
}

/* The line's implementation, or NULL with the line marked skipped. */
static const struct smx_impl *line_impl(struct line *l)
{
	const struct smx_impl *im = smx_registry_find(l->b.op, l->b.dt, l->b.impl);
	if (im && smx_impl_runnable(im))
		return im;
	l->st = ST_SKIP;
	snprintf(l->why, sizeof l->why, "%s", im ? "this CPU cannot run it" : "not in this build");
	return NULL;
}

static void measure_accuracy(struct line *l)
{
	const struct smx_impl *im = line_impl(l);
	if (!im)
		return;
	struct smx_case c;
	smx_case_generate(&c, l->b.op, l->b.dt, &l->b.dist, l->b.seed,
			  smx_op_rows(l->b.op, l->b.rows, l->b.n), l->b.n);
	struct smx_metrics m;
	smx_metrics_init(&m);
	smx_measure(im, &c, &m, NULL);
	smx_case_free(&c);
	l->got[0] = m.max_ulp;
	l->got[1] = smx_metrics_mean_ulp(&m);
	l->got[2] = smx_op_forward(l->b.op) ? m.sum_err : m.cond_err;
	l->got[3] = (double)(m.nan_rows + m.inf_rows + m.zero_rows);
	if (isnan(l->got[1]))
		l->got[1] = 0;
	l->st = ST_PASS;
	size_t k = 0;
	for (int i = 0; i < 4; i++)
		if (!(l->got[i] <= l->b.budget[i])) {
			l->st = ST_FAIL;
			k += (size_t)snprintf(l->why + k, sizeof l->why - k, "%s%s %g > %g",
					      k ? ", " : "", smx_bline_key(l->b.op, i), l->got[i],
					      l->b.budget[i]);
			if (k >= sizeof l->why)
				break;
		}
}

static void measure_perf(struct line *l, double tol, int fail)
{
	const struct smx_impl *im = line_impl(l);
	if (!im)
		return;
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
	smx_bench_run(&b, 2, subj, ims, st);
	smx_bench_free(&b);
	l->got[0] = st[1].median / st[0].median;
	l->st = ST_PASS;
	if (l->got[0] > l->b.budget[0] * (1 + tol)) {
		l->st = fail ? ST_FAIL : ST_SLOW;
		snprintf(l->why, sizeof l->why, "vs_memcpy %.3g > %.3g + %g%%", l->got[0],
			 l->b.budget[0], 100 * tol);
	}
}

static void write_baseline(FILE *f, const struct line *ls, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		const struct line *l = &ls[i];
		if (l->b.kind == 0 || l->st == ST_SKIP) {
			fputs(l->text, f);
			continue;
		}
		double v[4];
		for (int j = 0; j < (l->b.kind == 2 ? 1 : 4); j++)
			v[j] = budget_of(l->got[j]);
		char *text = smx_bline_rewrite(l->text, &l->b, v);
		fputs(text, f);
		free(text);
	}
}

static void case_name(const struct line *l, char *buf, size_t len)
{
	if (l->b.kind == 2)
		snprintf(buf, len, "perf %s %s %s n=%zu rows=%zu", smx_op_name(l->b.op),
			 smx_dtype_name(l->b.dt), l->b.impl, l->b.n, l->b.rows);
	else
		snprintf(buf, len, "%s %s %s %s n=%zu rows=%zu seed=%llu", smx_op_name(l->b.op),
			 smx_dtype_name(l->b.dt), l->b.impl, l->b.dist.spec, l->b.n, l->b.rows,
			 (unsigned long long)l->b.seed);
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
		char name[256];
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
		} else if (l->st == ST_SLOW) {
			fputs("<system-out>", f);
			smx_xml_str(f, l->why);
			fputs("</system-out>", f);
		}
		fputs("</testcase>\n", f);
	}
	fputs("</testsuite></testsuites>\n", f);
	smx_out_commit(f);
}

int smx_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"baseline", required_argument, 0, 'b'},
	    {"update", no_argument, 0, 'u'},
	    {"junit", required_argument, 0, 'j'},
	    {"format", required_argument, 0, 'f'},
	    {"perf", no_argument, 0, 'p'},
	    {"perf-tolerance", required_argument, 0, 't'},
	    {"perf-fail", no_argument, 0, 'F'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	const char *baseline = NULL, *junit = NULL;
	int update = 0, perf = 0, perf_fail = 0;
	double tol = 0.25;
	enum smx_format fmt = SMX_FMT_TABLE;
	int c;
	while ((c = smx_getopt(argc, argv, opts, "check")) != -1) {
		switch (c) {
		case 'b':
			baseline = optarg;
			break;
		case 'u':
			update = 1;
			break;
		case 'j':
			junit = optarg;
			break;
		case 'f':
			fmt = smx_arg_format("check", optarg);
			if (fmt == SMX_FMT_CSV)
				smx_die("check: --format: csv is not offered (table, json)");
			break;
		case 'p':
			perf = 1;
			break;
		case 't':
			if (smx_parse_double(optarg, &tol) || tol < 0 || tol > 10)
				smx_die(
				    "check: --perf-tolerance: '%s' is not a fraction from 0 to 10",
				    optarg);
			break;
		case 'F':
			perf = perf_fail = 1;
			break;
		case 'h':
			smx_help(help);
		}
	}
	if (optind < argc)
		smx_die("check: unexpected argument '%s'", argv[optind]);
	if (!baseline)
		smx_die("check: --baseline FILE is required");
	FILE *in = fopen(baseline, "r");
	if (!in)
		smx_die("check: %s: %s", baseline, strerror(errno));
	struct line *ls = NULL;
	size_t k = 0, cap = 0;
	char *text = NULL;
	size_t tcap = 0;
	ssize_t len;
	int rerr = 0;
	while ((errno = 0, len = getline(&text, &tcap, in)) >= 0 || !(rerr = errno, 1)) {
		if (k == cap) {
			cap = cap ? 2 * cap : 64;
			ls = smx_realloc(ls, cap, sizeof *ls);
		}
		memset(&ls[k], 0, sizeof ls[k]);
		if (memchr(text, 0, (size_t)len))
			smx_die("check: %s:%zu: NUL byte", baseline, k + 1);
		ls[k].text = smx_alloc((size_t)len + 2, 1);
		memcpy(ls[k].text, text, (size_t)len + 1);
		if (len == 0 || text[len - 1] != '\n')
			strcat(ls[k].text, "\n");
		char err[300];
		if (smx_bline_parse(ls[k].text, &ls[k].b, err, sizeof err))
			smx_die("check: %s:%zu: %s", baseline, k + 1, err);
		k++;
	}
	free(text);
	if (ferror(in) && !rerr)
		rerr = EIO;
	fclose(in);
	if (rerr)
		smx_die("check: %s: read error: %s", baseline, strerror(rerr));
	size_t ntests = 0;
	for (size_t i = 0; i < k; i++)
		ntests += ls[i].b.kind != 0;
	if (ntests == 0)
		smx_die("check: %s: no baseline lines", baseline);

	size_t nfail = 0, nskip = 0, nslow = 0;
	smx_progress_begin("check", ntests, 0);
	for (size_t i = 0; i < k; i++) {
		struct line *l = &ls[i];
		if (l->b.kind == 1 || l->b.kind == 2)
			smx_progress_cell(0, "%s %s %s n=%zu", smx_op_name(l->b.op),
					  smx_dtype_name(l->b.dt), l->b.impl, l->b.n);
		if (l->b.kind == 1) {
			measure_accuracy(l);
		} else if (l->b.kind == 2) {
			if (!perf && !update) {
				l->st = ST_SKIP;
				snprintf(l->why, sizeof l->why, "perf lines need --perf");
			} else {
				measure_perf(l, tol, perf_fail);
			}
		} else {
			continue;
		}
		nfail += l->st == ST_FAIL;
		nskip += l->st == ST_SKIP;
		nslow += l->st == ST_SLOW;
		smx_progress_step();
	}
	smx_progress_end();

	/* smx_stdout: a plug-in's prints never mix with the summary. */
	FILE *o = smx_stdout();
	if (update) {
		FILE *f = smx_out_open(baseline);
		write_baseline(f, ls, k);
		smx_out_commit(f);
		fprintf(o, "smx check: %s rewritten: %zu lines measured, %zu skipped\n", baseline,
			ntests - nskip, nskip);
		nfail = 0;
	} else if (fmt == SMX_FMT_JSON) {
		char *ctx = smx_env_json(0);
		fprintf(o,
			"{\n  \"context\": %s,\n  \"summary\": {\"lines\": %zu, \"failed\": %zu, "
			"\"skipped\": "
			"%zu, \"slow\": %zu},\n  \"lines\": [",
			ctx ? ctx : "{}", ntests, nfail, nskip, nslow);
		free(ctx);
		int first = 1;
		for (size_t i = 0; i < k; i++) {
			if (!ls[i].b.kind)
				continue;
			char name[256];
			case_name(&ls[i], name, sizeof name);
			fprintf(o, "%s\n    {\"name\": ", first ? "" : ",");
			first = 0;
			smx_json_str(o, name);
			fprintf(o, ", \"status\": \"%s\", \"why\": ", status_name[ls[i].st]);
			smx_json_str(o, ls[i].why);
			fprintf(o, ", \"budget\": ");
			smx_json_num(o, ls[i].b.budget[0]);
			fprintf(o, ", \"measured\": ");
			smx_json_num(o, ls[i].st == ST_SKIP ? NAN : ls[i].got[0]);
			fputc('}', o);
		}
		fputs("\n  ]\n}\n", o);
	} else {
		for (size_t i = 0; i < k; i++)
			if (ls[i].b.kind && ls[i].st != ST_PASS) {
				char name[256];
				case_name(&ls[i], name, sizeof name);
				fprintf(o, "%-8s %s: %s\n", status_name[ls[i].st], name, ls[i].why);
			}
		fprintf(o, "smx check: %zu lines: %zu passed, %zu failed, %zu skipped%s\n", ntests,
			ntests - nfail - nskip - nslow, nfail, nskip,
			nslow ? " (some perf lines slower than their budget: informational)" : "");
	}
	if (junit)
		write_junit(junit, ls, k, nfail, nskip, ntests);
	for (size_t i = 0; i < k; i++)
		free(ls[i].text);
	free(ls);
	smx_out_commit(o);
	return nfail ? 1 : 0;
}
