/* smx report: the default sweep, written as a report directory: index.html
 * and report.md with tables and gnuplot figures, the raw CSV, env.json.
 * The directory is built under a hidden temporary name and renamed when
 * complete, so it appears whole or not at all. */
#define _GNU_SOURCE
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"
#include "env.h"
#include "measure.h"
#include "peers.h"
#include "plugin.h"
#include "report.h"
#include "scenarios.h"
#include "util.h"

#ifndef SMX_SOURCE_DIR
#define SMX_SOURCE_DIR "."
#endif

static const char help[] =
    "usage: smx report [--out DIR] [--quick|--full] [--impl LIST] [--seed S]\n"
    "Runs the default sweep (accuracy against the MPFR reference, edge behaviour,\n"
    "throughput next to memcpy) and writes DIR/<date>-<host>/ (DIR defaults to\n"
    "reports) with index.html, report.md, figures (SVG and PNG), the raw CSV and\n"
    "env.json; DIR/latest points at it. Prints the path of index.html.\n"
    "--quick: a smaller sweep (seconds); --full: the thorough one (n to 16M).\n"
    "Implementations: scalar, the widest vector ISA this CPU has, and peers.\n";

enum mode { QUICK, DEFAULT, FULL };

struct rep {
	char dir[4096]; /* the temporary directory being filled */
	const char *scripts;
	enum mode mode;
	struct smx_sel sel;
	uint64_t seed;
	FILE *gplog;
};

static FILE *open_in(struct rep *r, const char *name)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/%s", r->dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		smx_die("report: %s: %s", path, strerror(errno));
	return f;
}

static void close_in(FILE *f, const char *name)
{
	if (ferror(f) | fclose(f))
		smx_die("report: %s: write error", name);
}

/* Render scripts/gnuplot/<script>.gp in the report directory. */
static void gnuplot(struct rep *r, const char *script, const char *vars)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd,
		 "cd '%s' && gnuplot -e \"dir='%s/gnuplot'; %s\" '%s/gnuplot/%s.gp' 2>>gnuplot.log",
		 r->dir, r->scripts, vars, r->scripts, script);
	int st = system(cmd);
	if (st != 0)
		smx_die("report: gnuplot failed on %s.gp (see %s/gnuplot.log)", script, r->dir);
}

/* Entries shown by default: scalar, the widest vector ISA, peers. */
static int shown(const struct rep *r, const struct smx_impl *im)
{
	if (r->sel.nnames || r->sel.best)
		return 1;
	const char *wide = smx_cpu_features() & SMX_CPU_AVX512 ? "avx512" : "avx2";
	return !strcmp(im->isa, "scalar") || !strcmp(im->isa, "peer") || !strcmp(im->isa, wide) ||
	       im->origin == SMX_ORIGIN_PLUGIN;
}

static size_t entries(struct rep *r, smx_op op, smx_dtype dt, const struct smx_impl **out)
{
	const struct smx_impl *all[256];
	size_t k = smx_sel_entries(&r->sel, op, dt, all, 256), m = 0;
	for (size_t i = 0; i < k; i++)
		if (shown(r, all[i]))
			out[m++] = all[i];
	return m;
}

/* ---- accuracy against n (figure 1) and the accuracy table ---- */

struct acc_best {
	char name[64];
	double err;
};

static void note_best(struct acc_best *b, const char *name, double err)
{
	if (!b->name[0] || err < b->err) {
		snprintf(b->name, sizeof b->name, "%s", name);
		b->err = err;
	}
}

static void accuracy_vs_n(struct rep *r, smx_dtype dt, FILE *csv, struct acc_best *small,
			  struct acc_best *large, struct smx_table *tab)
{
	static const size_t quick[] = {1, 4, 16, 64, 256, 1024};
	static const size_t normal[] = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536};
	static const size_t full[] = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576};
	const size_t *ns = r->mode == QUICK ? quick : r->mode == FULL ? full : normal;
	size_t nn = r->mode == QUICK ? 6 : r->mode == FULL ? 11 : 9;
	size_t budget = r->mode == QUICK ? 4096 : r->mode == FULL ? 1 << 20 : 1 << 17;
	const struct smx_impl *ims[256];
	size_t k = entries(r, SMX_OP_SOFTMAX, dt, ims);
	double(*res)[3] = smx_calloc(k * nn, sizeof *res);
	struct smx_dist d;
	smx_dist_parse("normal:3", &d);
	for (size_t j = 0; j < nn; j++) {
		size_t rows = budget / ns[j] ? budget / ns[j] : 1;
		struct smx_case c;
		smx_case_generate(&c, SMX_OP_SOFTMAX, dt, &d, r->seed, rows, ns[j]);
		for (size_t i = 0; i < k; i++) {
			struct smx_metrics m;
			smx_metrics_init(&m);
			smx_measure(ims[i], &c, &m, NULL);
			res[i * nn + j][0] = (double)ns[j];
			res[i * nn + j][1] = m.max_ulp;
			res[i * nn + j][2] = smx_metrics_mean_ulp(&m);
			fprintf(csv,
				"%s,softmax,%s,normal:3,%zu,%zu,%llu,%.17g,%.17g,%.17g,%.17g,%zu\n",
				ims[i]->name, smx_dtype_name(dt), ns[j], rows,
				(unsigned long long)r->seed, m.max_ulp, smx_metrics_mean_ulp(&m),
				m.max_rel, m.sum_err, m.nan_rows + m.inf_rows + m.zero_rows);
		}
		smx_case_free(&c);
	}
	char name[64];
	snprintf(name, sizeof name, "fig1_error_vs_n_%s.dat", smx_dtype_name(dt));
	FILE *f = open_in(r, name);
	for (size_t i = 0; i < k; i++) {
		fprintf(f, "\"%s\"\n", ims[i]->name);
		double worst = 0, mean = 0, worst_small = 0, worst_large = 0;
		for (size_t j = 0; j < nn; j++) {
			if (ns[j] <= 64)
				worst_small = fmax(worst_small, res[i * nn + j][1]);
			if (ns[j] >= 1024)
				worst_large = fmax(worst_large, res[i * nn + j][1]);
			/* Log axes: an exact 0 is drawn at 1e-3 ulp. */
			fprintf(f, "%g %g %g\n", res[i * nn + j][0], fmax(res[i * nn + j][1], 1e-3),
				fmax(res[i * nn + j][2], 1e-3));
			worst = fmax(worst, res[i * nn + j][1]);
			mean = fmax(mean, res[i * nn + j][2]);
		}
		fputs("\n\n", f);
		/* The most accurate entry of a regime has the smallest worst case. */
		note_best(small, ims[i]->name, worst_small);
		note_best(large, ims[i]->name, worst_large);
		smx_table_add(tab, smx_dtype_name(dt), ims[i]->name, worst, mean,
			      res[i * nn + nn - 1][1],
			      isfinite(ims[i]->bound.c0) ? "yes" : "no claim");
	}
	close_in(f, name);
	char vars[600];
	snprintf(vars, sizeof vars,
		 "data='%s'; out='fig1_error_vs_n_%s'; title_text='softmax %s: max (solid) and "
		 "mean (dashed) "
		 "ulp error vs n, normal(0, 3) rows'",
		 name, smx_dtype_name(dt), smx_dtype_name(dt));
	gnuplot(r, "error_vs_n", vars);
	free(res);
}

/* ---- error against the input scale, with the BHH bound (figure 2) ---- */

static void error_vs_scale(struct rep *r, FILE *csv)
{
	const size_t n = 256, rows = r->mode == QUICK ? 4 : 16;
	const struct smx_impl *ims[256];
	size_t k = entries(r, SMX_OP_SOFTMAX, SMX_F32, ims);
	const double scales[] = {0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 512, 4096};
	const size_t ns = sizeof scales / sizeof *scales;
	double *res = smx_alloc(k * ns, sizeof *res);
	for (size_t j = 0; j < ns; j++) {
		char spec[32];
		snprintf(spec, sizeof spec, "scaled:%g", scales[j]);
		struct smx_dist d;
		smx_dist_parse(spec, &d);
		struct smx_case c;
		smx_case_generate(&c, SMX_OP_SOFTMAX, SMX_F32, &d, r->seed, rows, n);
		for (size_t i = 0; i < k; i++) {
			struct smx_metrics m;
			smx_metrics_init(&m);
			smx_measure(ims[i], &c, &m, NULL);
			double v = m.max_rel_normal / 0x1p-24;
			res[i * ns + j] = m.nan_rows + m.inf_rows + m.zero_rows ? NAN : v;
			fprintf(csv, "%s,softmax,f32,%s,%zu,%zu,%.17g,%.17g,%zu\n", ims[i]->name,
				spec, n, rows, v, m.bound_ratio,
				m.nan_rows + m.inf_rows + m.zero_rows);
		}
		smx_case_free(&c);
	}
	FILE *f = open_in(r, "fig2_error_vs_scale.dat");
	for (size_t i = 0; i < k; i++) {
		fprintf(f, "\"%s\"\n", ims[i]->name);
		for (size_t j = 0; j < ns; j++)
			if (isfinite(res[i * ns + j]))
				fprintf(f, "%g %g\n", scales[j], fmax(res[i * ns + j], 1e-2));
		fputs("\n\n", f);
	}
	close_in(f, "fig2_error_vs_scale.dat");
	gnuplot(
	    r, "error_vs_scale",
	    "data='fig2_error_vs_scale.dat'; out='fig2_error_vs_scale'; nlen=256; "
	    "title_text='softmax f32, "
	    "n = 256: max relative error (normal outputs) / u vs input scale; a gap is a row that "
	    "overflowed'");
	free(res);
}

/* ---- the error distribution (figure 3) ---- */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void error_cdf(struct rep *r)
{
	const size_t n = 1024, rows = r->mode == QUICK ? 4 : 32;
	const struct smx_impl *ims[256];
	size_t k = entries(r, SMX_OP_SOFTMAX, SMX_F32, ims);
	struct smx_dist d;
	smx_dist_parse("normal:3", &d);
	struct smx_case c;
	smx_case_generate(&c, SMX_OP_SOFTMAX, SMX_F32, &d, r->seed, rows, n);
	double *errs = smx_alloc(rows * n, sizeof *errs);
	FILE *f = open_in(r, "fig3_error_cdf.dat");
	for (size_t i = 0; i < k; i++) {
		struct smx_metrics m;
		smx_metrics_init(&m);
		smx_measure(ims[i], &c, &m, errs);
		qsort(errs, rows * n, sizeof *errs, cmp_d);
		fprintf(f, "\"%s\"\n", ims[i]->name);
		for (size_t q = 0; q <= 200; q++) {
			size_t at = q * (rows * n - 1) / 200;
			fprintf(f, "%g %g\n", fmax(errs[at], 1e-4),
				(double)(at + 1) / (double)(rows * n));
		}
		fputs("\n\n", f);
	}
	close_in(f, "fig3_error_cdf.dat");
	free(errs);
	smx_case_free(&c);
	gnuplot(
	    r, "error_cdf",
	    "data='fig3_error_cdf.dat'; out='fig3_error_cdf'; title_text='softmax f32, n = 1024, "
	    "normal(0, 3) rows: distribution of the per-component ulp error'");
}

/* ---- the behaviour matrix (figure 4) ---- */

static size_t behaviour(struct rep *r, FILE *csv, struct smx_table *breaks)
{
	static struct smx_scenario scen[64];
	size_t ns = smx_scenarios(SMX_F32, scen, 64), nmis = 0;
	const struct smx_impl *ims[256];
	size_t k = entries(r, SMX_OP_SOFTMAX, SMX_F32, ims);
	FILE *m = open_in(r, "fig4_behaviour.dat"), *t = open_in(r, "fig4_tics.gp"),
	     *x = open_in(r, "fig4_marks.dat");
	fputs("set xtics (", t);
	for (size_t j = 0; j < ns; j++)
		fprintf(t, "%s\"%s\" %zu", j ? ", " : "", scen[j].name, j);
	fputs(")\nset ytics (", t);
	for (size_t i = 0; i < k; i++)
		fprintf(t, "%s\"%s\" %zu", i ? ", " : "", ims[i]->name, i);
	fputs(")\n", t);
	fputs("# x y of each mismatch between outcome and declared policy\n", x);
	for (size_t i = 0; i < k; i++) {
		char bad[1024] = "", mis[512] = "";
		size_t lb = 0, lm = 0;
		for (size_t j = 0; j < ns; j++) {
			double u;
			int any;
			enum smx_outcome got = smx_scenario_run(ims[i], &scen[j], &u);
			enum smx_outcome want = smx_scenario_expect(ims[i], &scen[j], &any);
			int match = any || got == want;
			fprintf(m, "%d ", (int)got);
			if (!match) {
				fprintf(x, "%zu %zu\n", j, i);
				nmis++;
				if (lm < sizeof mis)
					lm += (size_t)snprintf(mis + lm, sizeof mis - lm, "%s%s",
							       lm ? ", " : "", scen[j].name);
			}
			if (got != SMX_OUT_OK && scen[j].kind == SMX_SCEN_FINITE && lb < sizeof bad)
				lb += (size_t)snprintf(bad + lb, sizeof bad - lb, "%s%s=%s",
						       lb ? ", " : "", scen[j].name,
						       smx_outcome_name(got));
			fprintf(csv, "%s,softmax,f32,%s,%zu,%s,%.17g,%s,%s\n", ims[i]->name,
				scen[j].name, scen[j].n, smx_outcome_name(got), u,
				any ? "any" : smx_outcome_name(want), match ? "yes" : "no");
		}
		fputc('\n', m);
		enum smx_outcome b;
		double ts = smx_threshold_scale(ims[i], &b);
		char tsx[64];
		if (ts > 0)
			snprintf(tsx, sizeof tsx, "%.4g (%s)", ts, smx_outcome_name(b));
		else
			snprintf(tsx, sizeof tsx, "never");
		smx_table_add(breaks, ims[i]->name, smx_origin_name(ims[i]->origin), lb ? bad : "-",
			      lm ? mis : "-", tsx);
	}
	close_in(m, "fig4_behaviour.dat");
	close_in(t, "fig4_tics.gp");
	close_in(x, "fig4_marks.dat");
	char vars[600];
	snprintf(
	    vars, sizeof vars,
	    "data='fig4_behaviour.dat'; tics='fig4_tics.gp'; marks='fig4_marks.dat'; rows=%zu; "
	    "cols=%zu; "
	    "out='fig4_behaviour'; title_text='softmax f32: outcome per scenario (x: differs from "
	    "the declared policy)'",
	    k, ns);
	gnuplot(r, "behaviour", vars);
	return nmis;
}

/* ---- throughput against n (figure 5) ---- */

struct fast {
	size_t n;
	char name[64];
	double ns, vs_memcpy;
};

static size_t throughput(struct rep *r, FILE *csv, struct fast *best)
{
	static const size_t quick[] = {16, 1024, 65536};
	static const size_t normal[] = {16, 256, 4096, 65536, 1 << 20, 1 << 24};
	static const size_t full[] = {16,    64,     256,     1024,    4096,   16384,
				      65536, 262144, 1 << 20, 1 << 22, 1 << 24};
	const size_t *ns = r->mode == QUICK ? quick : r->mode == FULL ? full : normal;
	size_t nn = r->mode == QUICK ? 3 : r->mode == FULL ? 11 : 6;
	const struct smx_impl *ims[256];
	size_t k = entries(r, SMX_OP_SOFTMAX, SMX_F32, ims);
	double *res = smx_alloc((k + 1) * nn, sizeof *res);
	struct smx_dist d;
	smx_dist_parse("uniform:-10,10", &d);
	for (size_t j = 0; j < nn; j++) {
		size_t n = ns[j], rows = n >= 16384 ? 1 : 16384 / n;
		double *vals = smx_alloc(rows * n, sizeof *vals);
		smx_dist_fill(&d, SMX_F32, r->seed, rows, n, vals);
		struct smx_bench b;
		smx_bench_init(&b, SMX_OP_SOFTMAX, SMX_F32, vals, NULL, rows, n, SMX_CACHE_HOT,
			       r->mode == QUICK ? 1 : 5, r->mode == QUICK ? 5 : 9);
		free(vals);
		enum smx_subject subj[257] = {SMX_SUBJ_MEMCPY};
		const struct smx_impl *who[257] = {NULL};
		for (size_t i = 0; i < k; i++) {
			subj[i + 1] = SMX_SUBJ_IMPL;
			who[i + 1] = ims[i];
		}
		struct smx_stats st[257];
		smx_bench_run(&b, k + 1, subj, who, st);
		smx_bench_free(&b);
		best[j] = (struct fast){.n = n, .ns = INFINITY};
		for (size_t i = 0; i <= k; i++) {
			double per = st[i].median / (double)(rows * n);
			res[i * nn + j] = per;
			fprintf(csv, "%s,softmax,f32,%zu,%zu,hot,%.6g,%.6g,%.6g,%.6g,%.6g\n",
				i ? ims[i - 1]->name : "memcpy/ceiling", n, rows, st[i].median,
				st[i].q1, st[i].q3, per, st[i].median / st[0].median);
			if (i && per < best[j].ns) {
				best[j].ns = per;
				best[j].vs_memcpy = st[i].median / st[0].median;
				snprintf(best[j].name, sizeof best[j].name, "%s", ims[i - 1]->name);
			}
		}
		smx_progress("report", j + 1, nn);
	}
	FILE *f = open_in(r, "fig5_throughput.dat");
	for (size_t i = 0; i <= k; i++) {
		fprintf(f, "\"%s\"\n", i ? ims[i - 1]->name : "memcpy ceiling");
		for (size_t j = 0; j < nn; j++)
			fprintf(f, "%zu %g\n", ns[j], res[i * nn + j]);
		fputs("\n\n", f);
	}
	close_in(f, "fig5_throughput.dat");
	char vars[800];
	size_t l1 = smx_env_cache(1), l2 = smx_env_cache(2), l3 = smx_env_cache(3);
	snprintf(vars, sizeof vars,
		 "data='fig5_throughput.dat'; out='fig5_throughput'; l1=%zu; l2=%zu; l3=%zu; "
		 "title_text='softmax f32, hot cache, one thread: time per element vs n (cache "
		 "lines: x and y "
		 "together fill the cache)'",
		 l1 ? l1 / 8 : 4096, l2 ? l2 / 8 : 131072, l3 ? l3 / 8 : 4194304);
	gnuplot(r, "throughput", vars);
	free(res);
	return nn;
}

/* ---- the Jacobian against the VJP (figure 6) ---- */

static void jacobian_cost(struct rep *r, FILE *csv, struct smx_table *tab)
{
	static const size_t quick[] = {16, 64, 256, 1024};
	static const size_t normal[] = {16, 64, 256, 1024, 4096};
	static const size_t full[] = {16, 64, 256, 1024, 4096, 16384};
	const size_t *ns = r->mode == QUICK ? quick : r->mode == FULL ? full : normal;
	size_t nn = r->mode == QUICK ? 4 : r->mode == FULL ? 6 : 5;
	/* The ways to get J^T g, and J itself. */
	const struct {
		smx_op op;
		const char *algo, *label;
	} ways[] = {
	    {SMX_OP_VJP, "fused", "vjp without J, O(n)"},
	    {SMX_OP_VJP, "naive", "vjp through J, O(n^2)"},
	    {SMX_OP_JACOBIAN, "streamed", "J alone"},
	};
	const size_t nw = sizeof ways / sizeof *ways;
	const struct smx_impl *ims[8];
	for (size_t w = 0; w < nw; w++) {
		ims[w] = NULL;
		const char *isas[] = {smx_cpu_features() & SMX_CPU_AVX512 ? "avx512" : "avx2",
				      "scalar"};
		for (int k = 0; k < 2 && !ims[w]; k++) {
			char name[64];
			snprintf(name, sizeof name, "%s/%s", ways[w].algo, isas[k]);
			ims[w] = smx_registry_find(ways[w].op, SMX_F32, name);
			if (ims[w] && !smx_impl_runnable(ims[w]))
				ims[w] = NULL;
		}
	}
	double *t = smx_calloc(nw * nn, sizeof *t);
	struct smx_dist d;
	smx_dist_parse("normal:3", &d);
	for (size_t j = 0; j < nn; j++) {
		size_t n = ns[j];
		double *x = smx_alloc(n, sizeof *x), *g = smx_alloc(n, sizeof *g);
		smx_dist_fill(&d, SMX_F32, r->seed, 1, n, x);
		double m = -INFINITY, sum = 0;
		for (size_t i = 0; i < n; i++)
			m = fmax(m, x[i]);
		for (size_t i = 0; i < n; i++)
			sum += exp(x[i] - m);
		for (size_t i = 0; i < n; i++) {
			x[i] = exp(x[i] - m) / sum;
			g[i] = sin((double)i);
		}
		for (size_t w = 0; w < nw; w++) {
			if (!ims[w])
				continue;
			struct smx_bench b;
			smx_bench_init(&b, ways[w].op, SMX_F32, x, g, 1, n, SMX_CACHE_HOT,
				       r->mode == QUICK ? 1 : 3, r->mode == QUICK ? 3 : 5);
			enum smx_subject subj[1] = {SMX_SUBJ_IMPL};
			const struct smx_impl *who[1] = {ims[w]};
			struct smx_stats st;
			smx_bench_run(&b, 1, subj, who, &st);
			smx_bench_free(&b);
			t[w * nn + j] = st.median;
			fprintf(csv, "%s,%s,f32,%zu,%.6g,%.6g,%.6g,%zu\n", ims[w]->name,
				smx_op_name(ways[w].op), n, st.median, st.q1, st.q3,
				n * n * sizeof(float));
		}
		free(x);
		free(g);
	}
	FILE *f = open_in(r, "fig6_jacobian_vs_vjp.dat");
	for (size_t w = 0; w < nw; w++) {
		if (!ims[w])
			continue;
		fprintf(f, "\"%s (%s)\"\n", ways[w].label, ims[w]->name);
		for (size_t j = 0; j < nn; j++)
			fprintf(f, "%zu %g %zu\n", ns[j], t[w * nn + j],
				ns[j] * ns[j] * sizeof(float));
		fputs("\n\n", f);
	}
	close_in(f, "fig6_jacobian_vs_vjp.dat");
	for (size_t j = 0; j < nn; j++)
		smx_table_add(tab, (long long)ns[j], t[0 * nn + j], t[1 * nn + j], t[2 * nn + j],
			      t[0 * nn + j] > 0 ? t[1 * nn + j] / t[0 * nn + j] : NAN,
			      (double)(ns[j] * ns[j] * sizeof(float)) / (1 << 20));
	gnuplot(r, "jacobian_cost",
		"data='fig6_jacobian_vs_vjp.dat'; out='fig6_jacobian_vs_vjp'; title_text='f32, one "
		"row, hot "
		"cache: J^T g without J, through J, and J alone'");
	free(t);
}

/* ---- the next-token example (figure 7) ---- */

/* Candidate next tokens after "the cat sat on a", with illustrative logits
 * (made up for the example, shaped like a language model's). */
static const struct {
	const char *token;
	float logit;
} tokens[] = {
    {"mat", 9.25f},	{"chair", 7.5f},      {"rug", 7.0f},	  {"bed", 6.75f},
    {"sofa", 6.25f},	{"floor", 6.0f},      {"box", 5.5f},	  {"table", 5.0f},
    {"cushion", 4.75f}, {"windowsill", 4.5f}, {"keyboard", 4.0f}, {"roof", 3.25f},
    {"fence", 2.5f},	{"hat", 1.5f},	      {"dog", -1.0f},	  {"the", -4.0f},
};
#define NTOK (sizeof tokens / sizeof *tokens)

static void next_token(struct rep *r, struct smx_doc *doc)
{
	double *x = smx_alloc(NTOK, sizeof *x);
	for (size_t i = 0; i < NTOK; i++)
		x[i] = tokens[i].logit;
	struct smx_case c;
	smx_case_adopt(&c, SMX_OP_SOFTMAX, SMX_F32, x, 1, NTOK);
	FILE *f = open_in(r, "fig7_next_token.dat");
	static const struct smx_column tc[] = {{"token", SMX_STR, 1},
					       {"logit", SMX_NUM, 1},
					       {"probability (exact, rounded)", SMX_NUM, 1}};
	struct smx_table t;
	smx_table_init(&t, tc, 3);
	for (size_t i = 0; i < NTOK; i++) {
		double p = smx_ref_value(&c.ref[i]);
		fprintf(f, "%zu \"%s\" %g %.9g\n", i, tokens[i].token, (double)tokens[i].logit, p);
		smx_table_add(&t, tokens[i].token, (double)tokens[i].logit, c.ref[i].cr);
	}
	close_in(f, "fig7_next_token.dat");
	gnuplot(r, "next_token",
		"data='fig7_next_token.dat'; out='fig7_next_token'; title_text='after ''the cat "
		"sat on a'': "
		"logits (bars) and softmax probabilities (line)'");
	smx_doc_h2(doc, "next-token",
		   "A worked example: the next token after \"the cat sat on a\"");
	smx_doc_p(
	    doc,
	    "Sixteen candidate tokens with illustrative logits (chosen for the example, not "
	    "taken from a model). The logit gap of 1.75 between \"mat\" and \"chair\" becomes a "
	    "probability ratio of e^1.75 = 5.75: softmax sharpens the winner. Probabilities below "
	    "are "
	    "the reference's, correctly rounded to f32.");
	smx_doc_fig(doc, "fig7_next_token",
		    "Logits and softmax probabilities of the candidate tokens.");
	smx_doc_table(doc, &t);
	smx_table_free(&t);
	static const struct smx_column ec[] = {{"impl", SMX_STR, 1},
					       {"max ulp on this row", SMX_NUM, 1},
					       {"probability of \"mat\"", SMX_NUM, 1}};
	smx_table_init(&t, ec, 3);
	const struct smx_impl *ims[256];
	size_t k = entries(r, SMX_OP_SOFTMAX, SMX_F32, ims);
	double y[NTOK];
	for (size_t i = 0; i < k; i++) {
		float in[NTOK], out[NTOK];
		for (size_t j = 0; j < NTOK; j++)
			in[j] = tokens[j].logit;
		smx_run_guarded(ims[i], in, NULL, out, 1, NTOK);
		double worst = 0;
		for (size_t j = 0; j < NTOK; j++) {
			y[j] = out[j];
			worst = fmax(worst, smx_ulp_error(&c.ref[j], y[j]));
		}
		smx_table_add(&t, ims[i]->name, worst, y[0]);
	}
	smx_doc_p(doc, "Each implementation on the same row, f32:");
	smx_doc_table(doc, &t);
	smx_table_free(&t);
	smx_case_free(&c);
}

/* ---- the report ---- */

static void report_name(char *buf, size_t len)
{
	char host[128] = "host", date[64];
	gethostname(host, sizeof host - 1);
	for (char *p = host; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			*p = '-';
	time_t now = time(NULL);
	strftime(date, sizeof date, "%Y%m%d-%H%M%S", localtime(&now));
	snprintf(buf, len, "%s-%s", date, host);
}

int smx_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"out", required_argument, 0, 'o'},
	    {"quick", no_argument, 0, 'q'},
	    {"full", no_argument, 0, 'F'},
	    {"impl", required_argument, 0, 'i'},
	    {"seed", required_argument, 0, 's'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	struct rep r = {.mode = DEFAULT, .seed = 1};
	smx_sel_init(&r.sel);
	const char *out = "reports";
	int c;
	while ((c = smx_getopt(argc, argv, opts, "report")) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'q':
			r.mode = QUICK;
			break;
		case 'F':
			r.mode = FULL;
			break;
		case 'i':
			smx_sel_impls(&r.sel, optarg);
			break;
		case 's':
			r.seed = smx_arg_seed("report", optarg);
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		}
	}
	if (optind < argc)
		smx_die("report: unexpected argument '%s'", argv[optind]);
	smx_sel_check(&r.sel);
	r.scripts = getenv("SMX_SCRIPTS") ? getenv("SMX_SCRIPTS") : SMX_SOURCE_DIR "/scripts";
	char probe[4200];
	snprintf(probe, sizeof probe, "%s/gnuplot/common.gp", r.scripts);
	if (access(probe, R_OK))
		smx_die(
		    "report: %s: gnuplot scripts not found (set SMX_SCRIPTS to the scripts folder)",
		    probe);
	if (system("gnuplot --version >/dev/null 2>&1") != 0)
		smx_die("report: gnuplot not found (run scripts/install-deps.sh)");
	if (mkdir(out, 0777) && errno != EEXIST)
		smx_die("report: %s: %s", out, strerror(errno));
	struct stat st;
	if (stat(out, &st) || !S_ISDIR(st.st_mode))
		smx_die("report: %s: not a directory", out);
	char name[256];
	report_name(name, sizeof name);
	snprintf(r.dir, sizeof r.dir, "%s/.%s.tmpXXXXXX", out, name);
	if (!mkdtemp(r.dir))
		smx_die("report: %s: cannot create: %s", out, strerror(errno));
	fprintf(stderr, "smx report: writing %s/%s\n", out, name);

	char *env = smx_env_json(r.seed);
	FILE *f = open_in(&r, "env.json");
	fprintf(f, "%s\n", env ? env : "{}");
	close_in(f, "env.json");

	FILE *acc = open_in(&r, "accuracy.csv");
	fputs("impl,op,dtype,dist,n,rows,seed,max_ulp,mean_ulp,max_rel,sum_err_ulp,bad_rows\n",
	      acc);
	static const struct smx_column atab[] = {
	    {"dtype", SMX_STR, 1},
	    {"impl", SMX_STR, 1},
	    {"worst max ulp", SMX_NUM, 1},
	    {"worst mean ulp", SMX_NUM, 1},
	    {"max ulp at largest n", SMX_NUM, 1},
	    {"claims a bound", SMX_STR, 1},
	};
	struct smx_table at;
	smx_table_init(&at, atab, sizeof atab / sizeof *atab);
	struct acc_best small[2] = {0}, large[2] = {0};
	fprintf(stderr, "smx report: accuracy against n\n");
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		accuracy_vs_n(&r, (smx_dtype)dt, acc, &small[dt], &large[dt], &at);
	close_in(acc, "accuracy.csv");

	fprintf(stderr, "smx report: error against scale, error distribution\n");
	FILE *sc = open_in(&r, "scale.csv");
	fputs("impl,op,dtype,dist,n,rows,max_rel_normal_over_u,bound_ratio,bad_rows\n", sc);
	error_vs_scale(&r, sc);
	close_in(sc, "scale.csv");
	error_cdf(&r);

	fprintf(stderr, "smx report: edge behaviour\n");
	FILE *ov = open_in(&r, "overflow.csv");
	fputs("impl,op,dtype,scenario,n,outcome,max_ulp,expected,matches\n", ov);
	static const struct smx_column btab[] = {
	    {"impl", SMX_STR, 1},
	    {"origin", SMX_STR, 1},
	    {"not ok on finite rows", SMX_STR, 1},
	    {"differs from its declared policy", SMX_STR, 1},
	    {"first scale not ok", SMX_STR, 1},
	};
	struct smx_table bt;
	smx_table_init(&bt, btab, sizeof btab / sizeof *btab);
	size_t nmis = behaviour(&r, ov, &bt);
	close_in(ov, "overflow.csv");

	fprintf(stderr, "smx report: throughput\n");
	FILE *pf = open_in(&r, "perf.csv");
	fputs("impl,op,dtype,n,rows,cache,median_ns,q1_ns,q3_ns,ns_per_elem,vs_memcpy\n", pf);
	struct fast best[16];
	size_t nfast = throughput(&r, pf, best);
	close_in(pf, "perf.csv");

	fprintf(stderr, "smx report: the Jacobian against the VJP\n");
	FILE *jc = open_in(&r, "jacobian.csv");
	fputs("impl,op,dtype,n,median_ns,q1_ns,q3_ns,matrix_bytes\n", jc);
	static const struct smx_column jtab[] = {
	    {"n", SMX_INT, 1},
	    {"vjp fused (ns)", SMX_NUM, 1},
	    {"vjp via J (ns)", SMX_NUM, 1},
	    {"form J (ns)", SMX_NUM, 1},
	    {"via J / fused", SMX_NUM, 1},
	    {"J size (MiB)", SMX_NUM, 1},
	};
	struct smx_table jt;
	smx_table_init(&jt, jtab, sizeof jtab / sizeof *jtab);
	jacobian_cost(&r, jc, &jt);
	close_in(jc, "jacobian.csv");

	struct smx_doc doc;
	if (smx_doc_open(&doc, r.dir, "smx report: softmax examined"))
		smx_die("report: %s: cannot write the pages", r.dir);
	smx_doc_p(&doc, "Generated by smx on %s (%s). Seed %llu. Environment: env.json.",
		  smx_env_cpu(),
		  r.mode == QUICK  ? "quick sweep"
		  : r.mode == FULL ? "full sweep"
				   : "default sweep",
		  (unsigned long long)r.seed);
	smx_doc_h2(&doc, "conclusions", "Conclusions");
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++) {
		smx_doc_li(
		    &doc,
		    "Most accurate %s softmax on short rows (n <= 64): %s, at most %.3g ulps.",
		    smx_dtype_name((smx_dtype)dt), small[dt].name, small[dt].err);
		smx_doc_li(
		    &doc,
		    "Most accurate %s softmax on long rows (n >= 1024): %s, at most %.3g ulps.",
		    smx_dtype_name((smx_dtype)dt), large[dt].name, large[dt].err);
	}
	for (size_t j = 0; j < nfast; j++)
		smx_doc_li(&doc,
			   "Fastest f32 softmax at n = %zu (hot cache): %s, %.3g ns per element, "
			   "%.3gx the "
			   "time of memcpy of the same bytes.",
			   best[j].n, best[j].name, best[j].ns, best[j].vs_memcpy);
	smx_doc_li(
	    &doc,
	    "Edge behaviour: %zu outcome(s) differ from what the entry declares (table below; "
	    "for peers these are findings, for smx's kernels they would be defects).",
	    nmis);
	if (*smx_peer_missing())
		smx_doc_li(&doc, "Peers missing from this build: %s", smx_peer_missing());
	smx_doc_list_end(&doc);

	smx_doc_h2(&doc, "accuracy", "Accuracy against the correctly rounded reference");
	smx_doc_p(
	    &doc,
	    "Error in ulps of the exact value (MPFR, Ziv loop), on normal(0, 3) rows; softmax.");
	smx_doc_table(&doc, &at);
	smx_doc_fig(&doc, "fig1_error_vs_n_f32", "f32: max and mean ulp error against n.");
	smx_doc_fig(&doc, "fig1_error_vs_n_f64", "f64: max and mean ulp error against n.");
	smx_doc_fig(
	    &doc, "fig2_error_vs_scale",
	    "Error against input scale, with the Blanchard-Higham-Higham bound for the shifted "
	    "algorithm: the no-shift baseline is exact-ish until exp overflows; the shifted ones "
	    "grow "
	    "with the range, inside the bound.");
	smx_doc_fig(&doc, "fig3_error_cdf", "Distribution of the per-component error at n = 1024.");
	smx_doc_h2(&doc, "behaviour", "Overflow and edge rows");
	smx_doc_p(
	    &doc,
	    "Each entry on the scenario catalogue (smx overflow): ok means within its declared "
	    "bound; nan, inf, zero-row and wrong are what it did instead.");
	smx_doc_fig(&doc, "fig4_behaviour",
		    "Outcome per implementation and scenario (f32 softmax).");
	smx_doc_table(&doc, &bt);
	smx_doc_h2(&doc, "throughput", "Throughput");
	smx_doc_p(&doc,
		  "Median of the samples, hot cache, one pinned thread; memcpy of the same bytes "
		  "measured in the same run is the ceiling.");
	smx_doc_fig(&doc, "fig5_throughput", "Time per element against n.");
	smx_doc_p(&doc,
		  "The full-Jacobian versus VJP cost figure arrives with the Jacobian operations.");
	next_token(&r, &doc);
	smx_doc_h2(&doc, "data", "Data");
	smx_doc_link(&doc, "accuracy.csv", "accuracy.csv");
	smx_doc_link(&doc, "scale.csv", "scale.csv");
	smx_doc_link(&doc, "overflow.csv", "overflow.csv");
	smx_doc_link(&doc, "perf.csv", "perf.csv");
	smx_doc_link(&doc, "jacobian.csv", "jacobian.csv");
	smx_doc_link(&doc, "env.json", "env.json");
	smx_doc_close(&doc);
	smx_table_free(&at);
	smx_table_free(&bt);
	smx_table_free(&jt);
	free(env);

	char final[4400], link[4400], tmp_link[4400];
	snprintf(final, sizeof final, "%s/%s", out, name);
	if (rename(r.dir, final))
		smx_die("report: %s: %s", final, strerror(errno));
	snprintf(link, sizeof link, "%s/latest", out);
	snprintf(tmp_link, sizeof tmp_link, "%s/.latest.%ld", out, (long)getpid());
	unlink(tmp_link);
	if (symlink(name, tmp_link) || rename(tmp_link, link))
		fprintf(stderr, "smx: note: could not point %s at %s\n", link, name);
	printf("%s/index.html\n", final);
	return 0;
}
