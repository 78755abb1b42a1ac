/* smx report: the default sweep, written as a report directory: index.html
 * and report.md with tables and gnuplot figures, the raw CSV, env.json.
 * The directory is built under a hidden temporary name and renamed when
 * complete, so it appears whole or not at all. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dtype.h"
#include "bench.h"
#include "cli.h"
#include "env.h"
#include "measure.h"
#include "peers.h"
#include "run.h"
#include "proc.h"
#include "profiles.h"
#include "progress.h"
#include "report.h"
#include "report_sections.h"
#include "scenarios.h"
#include "sweeps.h"
#include "torch.h"
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
    "Default: accuracy to n = 256K, throughput to 4M (f64: 1M). --quick: a smaller\n"
    "sweep (seconds); --full: accuracy to 16M (f64: 4M), throughput to 16M.\n"
    "Implementations: scalar, the widest vector ISA this CPU has, and peers.\n";

enum mode { QUICK, DEFAULT, FULL };

struct rep {
	char dir[4096]; /* the temporary directory being filled */
	const char *scripts;
	enum mode mode;
	struct smx_sel sel;
	uint64_t seed;
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

/* Render scripts/gnuplot/<script>.gp in the report directory: gnuplot runs
 * from an argument vector (no shell), in the directory, its messages
 * appended to gnuplot.log there. */
static void gnuplot(struct rep *r, const char *script, const char *vars)
{
	/* The scripts' folder goes into a gnuplot string: quotes doubled. */
	char expr[8192], path[4400], *e = expr;
	e += snprintf(e, 64, "dir='");
	for (const char *p = r->scripts; *p && e < expr + 4200; p++) {
		if (*p == '\'')
			*e++ = '\'';
		*e++ = *p;
	}
	snprintf(e, sizeof expr - (size_t)(e - expr), "/gnuplot'; %s", vars);
	snprintf(path, sizeof path, "%s/gnuplot/%s.gp", r->scripts, script);
	const char *argv[] = {"gnuplot", "-e", expr, path, NULL};
	int st = smx_proc_run(argv, r->dir, "gnuplot.log", "gnuplot.log");
	if (st != 0)
		smx_die("report: gnuplot failed on %s.gp (%s; see %s/gnuplot.log)", script,
			st < 0 ? strerror(errno) : "non-zero exit", r->dir);
}

/* Entries shown by default: scalar, the widest vector ISA, peers. */
static int shown(const struct smx_impl *im)
{
	const char *wide = smx_cpu_features() & SMX_CPU_AVX512 ? "avx512" : "avx2";
	return !strcmp(im->isa, "scalar") || !strcmp(im->isa, "peer") || !strcmp(im->isa, wide) ||
	       im->origin == SMX_ORIGIN_PLUGIN;
}

/* Entries named with --impl are all shown. */
static smx_keep_fn keep(const struct rep *r)
{
	return r->sel.nnames || r->sel.best ? NULL : shown;
}

static size_t entries(struct rep *r, smx_op op, smx_dtype dt, const struct smx_impl **out)
{
	return smx_sweep_entries(&r->sel, keep(r), op, dt, out);
}

/* The report's selection narrowed to one op and dtype, for a sweep. */
static struct smx_sel one(const struct rep *r, smx_op op, smx_dtype dt)
{
	struct smx_sel s = r->sel;
	s.ops[0] = op;
	s.nops = 1;
	s.dts[0] = dt;
	s.ndts = 1;
	return s;
}

/* The index of a sweep row's entry among ims (k when none). */
static size_t entry_of(const struct smx_table *t, size_t row, const struct smx_impl **ims, size_t k)
{
	const char *name = smx_table_at(t, row, "impl")->s;
	size_t i = 0;
	while (i < k && (!ims[i] || strcmp(ims[i]->name, name)))
		i++;
	return i;
}

/* The index of v among ns[0 .. nn) (nn when none). */
static size_t n_of(const size_t *ns, size_t nn, long long v)
{
	size_t j = 0;
	while (j < nn && (long long)ns[j] != v)
		j++;
	return j;
}

/* ---- accuracy against n (figure 1), the accuracy table ---- */

#define MAXN 16

/* Max and mean ulp error of each shown entry at each n, for one dtype. */
struct acc_sweep {
	smx_dtype dt;
	size_t ns[MAXN], nn, k;
	const struct smx_impl *ims[256];
	double (*max)[MAXN], (*mean)[MAXN];
	double bound[MAXN]; /* BHH bound of the shifted algorithm, ulps */
};

static size_t acc_ns(const struct rep *r, smx_dtype dt, size_t *ns)
{
	static const size_t quick[] = {1, 4, 16, 64, 256, 1024};
	static const size_t normal[] = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144};
	static const size_t full[] = {1,     4,	    16,	    64,	     256,     1024,   4096,
				      16384, 65536, 262144, 1 << 20, 1 << 22, 1 << 24};
	const size_t *src = r->mode == QUICK ? quick : r->mode == FULL ? full : normal;
	size_t k = r->mode == QUICK ? 6 : r->mode == FULL ? 13 : 10;
	/* f64 stops a factor 16 short in the full sweep (its reference costs more). */
	if (r->mode == FULL && dt == SMX_F64)
		k -= 2;
	memcpy(ns, src, k * sizeof *ns);
	return k;
}

/* Elements measured per n: rows = budget / n, at least one row. */
static size_t acc_budget(const struct rep *r)
{
	return r->mode == QUICK ? 4096 : r->mode == FULL ? 1 << 18 : 1 << 16;
}

/* (n + 2 + 2 (x_max - x_min)) u, Blanchard-Higham-Higham Thm 4.3, over the
 * rows of the cell; in ulps of the exact value it is at most that many
 * (ulp(s) >= s u). The generators give the sweep's rows again, bit for bit. */
static double bhh_bound(const struct smx_dist *d, smx_dtype dt, uint64_t seed, size_t rows,
			size_t n)
{
	struct smx_rows b;
	smx_rows_generate(&b, d, dt, seed, rows, n);
	double worst = 0;
	for (size_t i = 0; i < b.count; i++) {
		double lo = INFINITY, hi = -INFINITY;
		for (size_t j = b.off[i]; j < b.off[i + 1]; j++) {
			lo = fmin(lo, b.x[j]);
			hi = fmax(hi, b.x[j]);
		}
		worst = fmax(worst, (double)n + 2 + 2 * (hi - lo));
	}
	smx_rows_free(&b);
	return worst;
}

/* smx accuracy's sweep on normal(0, 3) softmax rows of dt, its rows
 * appended to t; the figure's values read back from them. */
static void acc_measure(struct rep *r, struct acc_sweep *a, struct smx_table *t)
{
	a->nn = acc_ns(r, a->dt, a->ns);
	a->k = entries(r, SMX_OP_SOFTMAX, a->dt, a->ims);
	a->max = smx_calloc(a->k ? a->k : 1, sizeof *a->max);
	a->mean = smx_calloc(a->k ? a->k : 1, sizeof *a->mean);
	struct smx_dist d;
	smx_dist_parse("normal:3", &d);
	struct smx_sel sel = one(r, SMX_OP_SOFTMAX, a->dt);
	struct smx_accuracy_opts o = {.sel = &sel,
				      .keep = keep(r),
				      .dists = &d,
				      .ndists = 1,
				      .ns = a->ns,
				      .nn = a->nn,
				      .budget = acc_budget(r),
				      .seed = r->seed,
				      .hi = SIZE_MAX};
	size_t first = t->nrows;
	smx_accuracy_sweep(&o, t);
	for (size_t row = first; row < t->nrows; row++) {
		size_t i = entry_of(t, row, a->ims, a->k);
		size_t j = n_of(a->ns, a->nn, smx_table_at(t, row, "n")->i);
		if (i < a->k && j < a->nn) {
			a->max[i][j] = smx_table_at(t, row, "max_ulp")->d;
			a->mean[i][j] = smx_table_at(t, row, "mean_ulp")->d;
		}
	}
	for (size_t j = 0; j < a->nn; j++) {
		size_t rows = acc_budget(r) / a->ns[j] ? acc_budget(r) / a->ns[j] : 1;
		a->bound[j] = bhh_bound(&d, a->dt, r->seed, rows, a->ns[j]);
	}
}

static void acc_free(struct acc_sweep *a)
{
	free(a->max);
	free(a->mean);
}

/* Entries whose every figure (max and mean at every n) equals an earlier
 * entry's share its line: group[i] is the first entry of i's group. */
static size_t acc_groups(const struct acc_sweep *a, size_t *group)
{
	double *rows = smx_alloc(a->k ? a->k * 2 * a->nn : 1, sizeof *rows);
	for (size_t i = 0; i < a->k; i++) {
		memcpy(rows + i * 2 * a->nn, a->max[i], a->nn * sizeof *rows);
		memcpy(rows + i * 2 * a->nn + a->nn, a->mean[i], a->nn * sizeof *rows);
	}
	size_t n = smx_fig_groups(rows, a->k, 2 * a->nn, group);
	free(rows);
	return n;
}

/* Figure 1. Blocks: 0 the bound, 1 the exact results (drawn on the floor
 * of the log axis: 0 has no place on it), then one per group of identical
 * entries; '?' where an entry was exact. */
static void acc_figure(struct rep *r, const struct acc_sweep *a)
{
	size_t group[256], nexact = 0, ngroups = acc_groups(a, group);
	double lowest = INFINITY;
	for (size_t i = 0; i < a->k; i++)
		for (size_t j = 0; j < a->nn; j++) {
			if (a->max[i][j] > 0)
				lowest = fmin(lowest, a->max[i][j]);
			if (a->mean[i][j] > 0)
				lowest = fmin(lowest, a->mean[i][j]);
		}
	double floor_y = isfinite(lowest) ? pow(10, floor(log10(lowest))) * 0.3 : 1e-3;
	char name[64];
	snprintf(name, sizeof name, "fig1_error_vs_n_%s.dat", smx_dtype_name(a->dt));
	FILE *f = open_in(r, name);
	fputs("\"BHH bound, shifted: n + 2 + 2 (x_max - x_min)\"\n", f);
	for (size_t j = 0; j < a->nn; j++)
		fprintf(f, "%zu %g\n", a->ns[j], a->bound[j]);
	fputs("\n\n\"exact (0 ulp)\"\n", f);
	for (size_t j = 0; j < a->nn; j++) {
		int any = 0;
		for (size_t i = 0; i < a->k; i++)
			any |= a->max[i][j] == 0;
		if (any) {
			fprintf(f, "%zu %g\n", a->ns[j], floor_y * 2);
			nexact++;
		}
	}
	if (!nexact)
		fputs("1 NaN\n", f);
	for (size_t i = 0; i < a->k; i++) {
		if (group[i] != i)
			continue;
		fputs("\n\n\"", f);
		for (size_t m = i, first = 1; m < a->k; m++)
			if (group[m] == i) {
				fprintf(f, "%s%s", first ? "" : ", ", a->ims[m]->name);
				first = 0;
			}
		fputs("\"\n", f);
		for (size_t j = 0; j < a->nn; j++) {
			if (a->max[i][j] > 0)
				fprintf(f, "%zu %g", a->ns[j], a->max[i][j]);
			else
				fprintf(f, "%zu ?", a->ns[j]);
			if (a->mean[i][j] > 0)
				fprintf(f, " %g\n", a->mean[i][j]);
			else
				fputs(" ?\n", f);
		}
	}
	close_in(f, name);
	char vars[800];
	snprintf(vars, sizeof vars,
		 "data='%s'; out='fig1_error_vs_n_%s'; ylo=%g; title_text='softmax %s, normal(0, "
		 "3) rows: max (solid) and mean (dashed) ulp error; %zu lines, %zu entries'",
		 name, smx_dtype_name(a->dt), floor_y, smx_dtype_name(a->dt), ngroups, a->k);
	gnuplot(r, "error_vs_n", vars);
}

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

/* The accuracy table's rows and the most accurate entry of each regime. */
static void acc_table(const struct acc_sweep *a, struct smx_table *tab, struct acc_best *small,
		      struct acc_best *large)
{
	for (size_t i = 0; i < a->k; i++) {
		double worst = 0, mean = 0, worst_small = 0, worst_large = 0, over = 0;
		for (size_t j = 0; j < a->nn; j++) {
			if (a->ns[j] <= 64)
				worst_small = fmax(worst_small, a->max[i][j]);
			if (a->ns[j] >= 1024)
				worst_large = fmax(worst_large, a->max[i][j]);
			worst = fmax(worst, a->max[i][j]);
			mean = fmax(mean, a->mean[i][j]);
			over = fmax(over, a->max[i][j] / a->bound[j]);
		}
		/* The most accurate entry of a regime has the smallest worst case. */
		note_best(small, a->ims[i]->name, worst_small);
		note_best(large, a->ims[i]->name, worst_large);
		char at[32];
		snprintf(at, sizeof at, "%zu", a->ns[a->nn - 1]);
		smx_table_add(tab, smx_dtype_name(a->dt), a->ims[i]->name, worst, mean, at,
			      a->max[i][a->nn - 1], over,
			      isfinite(a->ims[i]->bound.c0) ? "yes" : "no claim");
	}
}

/* ---- error against the input scale, with the BHH bound (figure 2) ---- */

#define NSCALES 15 /* S = 2^-2 .. 2^12, a regular grid in log2 */

/* smx accuracy's sweep on scaled rows, its rows appended to t; res gets
 * each entry's max relative error over normal outputs in units of u, NaN
 * where a row was nan, inf or zero. */
static void scale_measure(struct rep *r, smx_dtype dt, struct smx_table *t,
			  const struct smx_impl **ims, size_t k, double *res)
{
	const size_t n = 256;
	/* Relative error in units of u = 2^-p. */
	const double u = exp2(-(double)smx_dtype_info(dt)->prec);
	struct smx_dist d[NSCALES];
	for (size_t j = 0; j < NSCALES; j++) {
		char spec[32];
		snprintf(spec, sizeof spec, "scaled:%g", exp2((double)j - 2));
		smx_dist_parse(spec, &d[j]);
	}
	struct smx_sel sel = one(r, SMX_OP_SOFTMAX, dt);
	struct smx_accuracy_opts o = {.sel = &sel,
				      .keep = keep(r),
				      .dists = d,
				      .ndists = NSCALES,
				      .ns = &n,
				      .nn = 1,
				      .rows = r->mode == QUICK ? 4 : 16,
				      .seed = r->seed,
				      .hi = SIZE_MAX};
	size_t first = t->nrows;
	smx_accuracy_sweep(&o, t);
	for (size_t i = 0; i < k * NSCALES; i++)
		res[i] = NAN;
	for (size_t row = first; row < t->nrows; row++) {
		size_t i = entry_of(t, row, ims, k), j = 0;
		while (j < NSCALES && strcmp(d[j].spec, smx_table_at(t, row, "dist")->s))
			j++;
		long long bad = smx_table_at(t, row, "nan_rows")->i +
				smx_table_at(t, row, "inf_rows")->i +
				smx_table_at(t, row, "zero_rows")->i;
		if (i < k && j < NSCALES && !bad)
			res[i * NSCALES + j] = smx_table_at(t, row, "max_rel_normal")->d / u;
	}
}

/* The caption says what the curves show: which entries lose rows to
 * overflow and from which scale, and how close the others come to the
 * bound. */
static void scale_caption(char *buf, size_t len, smx_dtype dt, const struct smx_impl **ims,
			  size_t k, const double *res)
{
	size_t at =
	    (size_t)snprintf(buf, len, "%s, n = 256, S = 2^-2 to 2^12 (rows uniform in (-S, S)). ",
			     smx_dtype_name(dt));
	double worst = 0, worst_s = 0;
	const char *who = "-";
	for (size_t i = 0; i < k; i++) {
		size_t first = NSCALES;
		for (size_t j = 0; j < NSCALES; j++) {
			double v = res[i * NSCALES + j], s = exp2((double)j - 2);
			if (isnan(v) && first == NSCALES)
				first = j;
			if (!isnan(v) && v / (256 + 2 + 4 * s) > worst) {
				worst = v / (256 + 2 + 4 * s);
				worst_s = s;
				who = ims[i]->name;
			}
		}
		if (first < NSCALES && at < len) {
			at += (size_t)snprintf(buf + at, len - at,
					       "%s first returns unusable rows at S = %g (exp "
					       "overflows: no point there). ",
					       ims[i]->name, exp2((double)first - 2));
		}
	}
	if (at < len && worst <= 1)
		snprintf(buf + at, len - at,
			 "Where they return rows, all entries stay within the bound; the closest "
			 "comes to %.2g%% of it (%s at S = %g).",
			 100 * worst, who, worst_s);
	else if (at < len)
		snprintf(buf + at, len - at, "%s exceeds the bound at S = %g: %.3g times it.", who,
			 worst_s, worst);
}

static void error_vs_scale(struct rep *r, smx_dtype dt, struct smx_table *t, char *caption,
			   size_t caplen)
{
	const struct smx_impl *ims[256];
	size_t k = entries(r, SMX_OP_SOFTMAX, dt, ims);
	double *res = smx_alloc(k ? k * NSCALES : 1, sizeof *res);
	scale_measure(r, dt, t, ims, k, res);
	char name[64];
	snprintf(name, sizeof name, "fig2_error_vs_scale_%s.dat", smx_dtype_name(dt));
	FILE *f = open_in(r, name);
	size_t group[256];
	smx_fig_groups(res, k, NSCALES, group);
	for (size_t i = 0; i < k; i++) {
		if (group[i] != i)
			continue; /* identical to an earlier entry: named on its line */
		fputc('"', f);
		for (size_t m = i, first = 1; m < k; m++)
			if (group[m] == i) {
				fprintf(f, "%s%s", first ? "" : ", ", ims[m]->name);
				first = 0;
			}
		fputs("\"\n", f);
		for (size_t j = 0; j < NSCALES; j++)
			if (isfinite(res[i * NSCALES + j]))
				fprintf(f, "%g %g\n", exp2((double)j - 2),
					fmax(res[i * NSCALES + j], 1e-2));
		fputs("\n\n", f);
	}
	close_in(f, name);
	scale_caption(caption, caplen, dt, ims, k, res);
	char vars[600];
	snprintf(vars, sizeof vars,
		 "data='%s'; out='fig2_error_vs_scale_%s'; nlen=256; title_text='softmax %s, n = "
		 "256: max relative error (normal outputs) / u vs input scale'",
		 name, smx_dtype_name(dt), smx_dtype_name(dt));
	gnuplot(r, "error_vs_scale", vars);
	free(res);
}

/* ---- the error distribution (figure 3) ---- */

/* One entry's complementary CDF: the fraction of components whose error is
 * at least e, at 200 quantiles and at every one of the largest 200 errors
 * (the tail that sets the maximum). Exact components (0 ulp) have no place
 * on the log axis: the curve starts at the least non-zero error. */
static void ccdf_block(FILE *f, const char *name, double *errs, size_t total)
{
	qsort(errs, total, sizeof *errs, smx_cmp_double);
	fprintf(f, "\"%s\"\n", name);
	size_t tail = total > 200 ? total - 200 : 0, step = tail / 200 ? tail / 200 : 1;
	double e[402], frac[402];
	size_t m = smx_ccdf(errs, total, tail, step, e, frac, 402);
	for (size_t i = 0; i < m; i++)
		fprintf(f, "%g %g\n", e[i], frac[i]);
	fputs("\n\n", f);
}

static void error_ccdf(struct rep *r)
{
	const size_t n = 1024, rows = r->mode == QUICK ? 4 : 32;
	const struct smx_impl *ims[256];
	size_t k = entries(r, SMX_OP_SOFTMAX, SMX_F32, ims);
	struct smx_dist d;
	smx_dist_parse("normal:3", &d);
	smx_progress_cell(0, "error distribution f32 n=%zu", n);
	struct smx_case c;
	smx_case_generate(&c, SMX_OP_SOFTMAX, SMX_F32, &d, r->seed, rows, n);
	double *errs = smx_alloc(rows * n, sizeof *errs);
	FILE *f = open_in(r, "fig3_error_ccdf.dat");
	for (size_t i = 0; i < k; i++) {
		struct smx_metrics m;
		smx_metrics_init(&m);
		smx_measure(ims[i], &c, &m, errs);
		ccdf_block(f, ims[i]->name, errs, rows * n);
	}
	close_in(f, "fig3_error_ccdf.dat");
	free(errs);
	smx_case_free(&c);
	char vars[400];
	snprintf(vars, sizeof vars,
		 "data='fig3_error_ccdf.dat'; out='fig3_error_ccdf'; ymin=%g; title_text='softmax "
		 "f32, n = 1024, normal(0, 3) rows: fraction of components with at least this "
		 "error'",
		 0.5 / (double)(rows * n));
	gnuplot(r, "error_ccdf", vars);
	smx_progress_step();
}

/* ---- the behaviour matrix (figure 4) ---- */

/* The overflow threshold chart: per entry, the first scale S at which its
 * rows stop being ok; "never" bars run to the format's maximum. */
static void threshold_figure(struct rep *r, const struct smx_impl **ims, size_t k, const double *ts,
			     const enum smx_outcome *becomes)
{
	FILE *f = open_in(r, "fig8_thresholds.dat");
	fputs("# index threshold_scale never outcome name\n", f);
	for (size_t i = 0; i < k; i++)
		fprintf(f, "%zu %g %d \"%s\" \"%s\"\n", i, ts[i] > 0 ? ts[i] : FLT_MAX, ts[i] <= 0,
			ts[i] > 0 ? smx_outcome_name(becomes[i]) : "never", ims[i]->name);
	close_in(f, "fig8_thresholds.dat");
	char vars[400];
	snprintf(vars, sizeof vars,
		 "data='fig8_thresholds.dat'; out='fig8_thresholds'; rows=%zu; xmax=%g; "
		 "title_text='softmax f32: first input scale S (rows of 64 uniform in (-S, S)) at "
		 "which the output is no longer ok'",
		 k, (double)FLT_MAX);
	gnuplot(r, "thresholds", vars);
}

/* The outcome class named s (as smx_outcome_name spells it). */
static int outcome_of(const char *s)
{
	int o = SMX_OUT_OK;
	while (o < SMX_OUT_UNDEFINED && strcmp(smx_outcome_name((enum smx_outcome)o), s))
		o++;
	return o;
}

/* Per entry, the finite rows not ok, the rows whose outcome differs from
 * the declared policy and the first scale not ok: the page's table. */
static void breaks_table(struct smx_table *breaks, const struct smx_impl **ims, size_t k,
			 const struct smx_scenario *scen, size_t ns, const int *got,
			 const char *mismatch, const double *ts, const enum smx_outcome *becomes)
{
	static const struct smx_column btab[] = {
	    {"impl", SMX_STR, 1},
	    {"origin", SMX_STR, 1},
	    {"not ok on finite rows", SMX_STR, 1},
	    {"differs from its declared policy", SMX_STR, 1},
	    {"first scale not ok", SMX_STR, 1},
	};
	smx_table_init(breaks, btab, sizeof btab / sizeof *btab);
	for (size_t i = 0; i < k; i++) {
		char bad[1024] = "", mis[512] = "", tsx[64];
		size_t lb = 0, lm = 0;
		for (size_t j = 0; j < ns; j++) {
			int o = got[i * ns + j];
			if (mismatch[i * ns + j] && lm < sizeof mis)
				lm += (size_t)snprintf(mis + lm, sizeof mis - lm, "%s%s",
						       lm ? ", " : "", scen[j].name);
			if (o != SMX_OUT_OK && scen[j].kind == SMX_SCEN_FINITE && lb < sizeof bad)
				lb += (size_t)snprintf(bad + lb, sizeof bad - lb, "%s%s=%s",
						       lb ? ", " : "", scen[j].name,
						       smx_outcome_name((enum smx_outcome)o));
		}
		if (ts[i] > 0)
			snprintf(tsx, sizeof tsx, "%.4g (%s)", ts[i], smx_outcome_name(becomes[i]));
		else
			snprintf(tsx, sizeof tsx, "never");
		smx_table_add(breaks, ims[i]->name, smx_origin_name(ims[i]->origin), lb ? bad : "-",
			      lm ? mis : "-", tsx);
	}
}

/* smx overflow's sweep on the f32 softmax entries, its tidy rows in tidy;
 * figures 4 and 8 and the breaks table read from them. Returns the
 * outcomes that differ from the declared policy. */
static size_t behaviour(struct rep *r, struct smx_table *tidy, struct smx_table *breaks)
{
	static struct smx_scenario scen[64];
	size_t ns = smx_scenarios(SMX_F32, scen, 64), nmis = 0;
	const struct smx_impl *ims[256];
	size_t k = entries(r, SMX_OP_SOFTMAX, SMX_F32, ims);
	struct smx_sel sel = one(r, SMX_OP_SOFTMAX, SMX_F32);
	struct smx_overflow_opts o = {
	    .sel = &sel, .keep = keep(r), .thresholds = 1, .hi = SIZE_MAX};
	struct smx_table sum;
	smx_overflow_tables(tidy, &sum);
	smx_overflow_sweep(&o, tidy, &sum);
	smx_table_free(&sum);
	int *got = smx_calloc(k * ns + 1, sizeof *got);
	char *mismatch = smx_calloc(k * ns + 1, 1);
	double ts[256] = {0};
	enum smx_outcome becomes[256] = {SMX_OUT_OK};
	FILE *x = open_in(r, "fig4_marks.dat");
	fputs("# x y of each mismatch between outcome and declared policy\n", x);
	for (size_t row = 0; row < tidy->nrows; row++) {
		size_t i = entry_of(tidy, row, ims, k), j = 0;
		const char *name = smx_table_at(tidy, row, "scenario")->s;
		int out = outcome_of(smx_table_at(tidy, row, "outcome")->s);
		if (i == k)
			continue;
		if (!strcmp(name, "threshold:scale")) {
			double v = smx_table_at(tidy, row, "threshold")->d;
			ts[i] = isinf(v) ? 0 : v;
			becomes[i] = (enum smx_outcome)out;
		}
		while (j < ns && strcmp(scen[j].name, name))
			j++;
		if (j == ns)
			continue; /* a threshold row */
		got[i * ns + j] = out;
		if (strcmp(smx_table_at(tidy, row, "matches")->s, "yes")) {
			fprintf(x, "%zu %zu\n", j, i);
			mismatch[i * ns + j] = 1;
			nmis++;
		}
	}
	close_in(x, "fig4_marks.dat");
	FILE *m = open_in(r, "fig4_behaviour.dat"), *t = open_in(r, "fig4_tics.gp");
	fputs("set xtics (", t);
	for (size_t j = 0; j < ns; j++)
		fprintf(t, "%s\"%s\" %zu", j ? ", " : "", scen[j].name, j);
	fputs(")\nset ytics (", t);
	for (size_t i = 0; i < k; i++) {
		fprintf(t, "%s\"%s\" %zu", i ? ", " : "", ims[i]->name, i);
		for (size_t j = 0; j < ns; j++)
			fprintf(m, "%d ", got[i * ns + j]);
		fputc('\n', m);
	}
	fputs(")\n", t);
	close_in(m, "fig4_behaviour.dat");
	close_in(t, "fig4_tics.gp");
	breaks_table(breaks, ims, k, scen, ns, got, mismatch, ts, becomes);
	free(got);
	free(mismatch);
	char vars[600];
	snprintf(
	    vars, sizeof vars,
	    "data='fig4_behaviour.dat'; tics='fig4_tics.gp'; marks='fig4_marks.dat'; rows=%zu; "
	    "cols=%zu; "
	    "out='fig4_behaviour'; title_text='softmax f32: outcome per scenario (x: differs from "
	    "the declared policy)'",
	    k, ns);
	gnuplot(r, "behaviour", vars);
	threshold_figure(r, ims, k, ts, becomes);
	return nmis;
}

/* ---- throughput against n (figure 5), the Pareto plot ---- */

enum { CEIL_COPY, CEIL_READ, CEIL_WRITE, NCEIL }; /* subjects before the entries */

/* Time of every shown entry and of the three ceilings at each n. */
struct perf_sweep {
	smx_dtype dt;
	size_t ns[MAXN], nn, k, rows[MAXN];
	const struct smx_impl *ims[256];
	struct smx_stats (*st)[NCEIL + 256]; /* [n][subject] */
};

static size_t perf_ns(const struct rep *r, smx_dtype dt, size_t *ns)
{
	static const size_t quick[] = {16, 1024, 65536};
	static const size_t normal[] = {16, 256, 4096, 65536, 1 << 20, 1 << 22};
	static const size_t full[] = {16,    64,     256,     1024,    4096,   16384,
				      65536, 262144, 1 << 20, 1 << 22, 1 << 24};
	const size_t *src = r->mode == QUICK ? quick : r->mode == FULL ? full : normal;
	size_t k = r->mode == QUICK ? 3 : r->mode == FULL ? 11 : 6;
	/* The default sweep's f64 stops at 1M (2^22 f64 takes as long as the
	 * rest of the throughput sweep). */
	if (r->mode == DEFAULT && dt == SMX_F64)
		k--;
	memcpy(ns, src, k * sizeof *ns);
	return k;
}

/* smx perf's sweep on the shown softmax entries of dt with all three
 * ceilings, its rows appended to t; the figure's times read back. */
static void perf_measure(struct rep *r, struct perf_sweep *p, struct smx_table *t)
{
	p->nn = perf_ns(r, p->dt, p->ns);
	p->k = entries(r, SMX_OP_SOFTMAX, p->dt, p->ims);
	p->st = smx_calloc(p->nn, sizeof *p->st);
	struct smx_dist d;
	smx_dist_parse("uniform:-10,10", &d);
	struct smx_sel sel = one(r, SMX_OP_SOFTMAX, p->dt);
	struct smx_perf_opts o = {.sel = &sel,
				  .keep = keep(r),
				  .ns = p->ns,
				  .nn = p->nn,
				  .cache = SMX_CACHE_HOT,
				  .min_ms = r->mode == QUICK ? 1 : 2,
				  .reps = r->mode == QUICK ? 5 : 9,
				  .pin = -1,
				  .ceilings = 1,
				  .dist = &d,
				  .seed = r->seed};
	size_t first = t->nrows;
	smx_perf_sweep(&o, t);
	static const char *const ceil_name[] = {"memcpy/ceiling", "read/ceiling", "memset/ceiling"};
	for (size_t row = first; row < t->nrows; row++) {
		size_t j = n_of(p->ns, p->nn, smx_table_at(t, row, "n")->i);
		size_t i = NCEIL + entry_of(t, row, p->ims, p->k);
		for (size_t c = 0; c < NCEIL; c++)
			if (!strcmp(smx_table_at(t, row, "impl")->s, ceil_name[c]))
				i = c;
		if (j == p->nn || i == NCEIL + p->k || smx_table_at(t, row, "threads")->i != 1)
			continue;
		p->rows[j] = (size_t)smx_table_at(t, row, "rows")->i;
		p->st[j][i].median = smx_table_at(t, row, "median_ns")->d;
		p->st[j][i].q1 = smx_table_at(t, row, "q1_ns")->d;
		p->st[j][i].q3 = smx_table_at(t, row, "q3_ns")->d;
	}
}

/* Figure 5: blocks 0-2 the ceilings (copy, read, write of the same
 * elements), then one per entry: n, median, q1, q3 in ns per element. */
static void perf_figure(struct rep *r, const struct perf_sweep *p)
{
	static const char *const label[] = {"copy x to y (memcpy)", "read x", "write y (memset)"};
	char name[64];
	snprintf(name, sizeof name, "fig5_throughput_%s.dat", smx_dtype_name(p->dt));
	FILE *f = open_in(r, name);
	for (size_t i = 0; i < NCEIL + p->k; i++) {
		fprintf(f, "\"%s\"\n", i < NCEIL ? label[i] : p->ims[i - NCEIL]->name);
		for (size_t j = 0; j < p->nn; j++) {
			double e = (double)(p->rows[j] * p->ns[j]);
			const struct smx_stats *st = &p->st[j][i];
			fprintf(f, "%zu %g %g %g\n", p->ns[j], st->median / e, st->q1 / e,
				st->q3 / e);
		}
		fputs("\n\n", f);
	}
	close_in(f, name);
	char vars[800];
	size_t es = smx_dtype_size(p->dt);
	size_t l1 = smx_env_cache(1), l2 = smx_env_cache(2), l3 = smx_env_cache(3);
	snprintf(vars, sizeof vars,
		 "data='%s'; out='fig5_throughput_%s'; l1=%zu; l2=%zu; l3=%zu; "
		 "title_text='softmax %s, hot cache, one thread: time per element vs n (median, "
		 "bars q1-q3)'",
		 name, smx_dtype_name(p->dt), l1 ? l1 / (2 * es) : 4096 / es,
		 l2 ? l2 / (2 * es) : 131072 / es, l3 ? l3 / (2 * es) : 4194304 / es,
		 smx_dtype_name(p->dt));
	gnuplot(r, "throughput", vars);
}

/* The fastest entry at column j, named only when its third quartile is
 * below every other entry's first: else the entries whose spread overlaps
 * the fastest one's are a tie. */
static void perf_verdict(struct smx_doc *doc, const struct perf_sweep *p, size_t j)
{
	const struct smx_stats *st = p->st[j] + NCEIL;
	double med[256], q1[256], q3[256];
	for (size_t i = 0; i < p->k; i++) {
		med[i] = st[i].median;
		q1[i] = st[i].q1;
		q3[i] = st[i].q3;
	}
	size_t w, tied[256];
	size_t nt = smx_fastest(med, q1, q3, p->k, &w, tied);
	double e = (double)(p->rows[j] * p->ns[j]), copy = p->st[j][CEIL_COPY].median;
	char ties[512] = "";
	for (size_t i = 0, at = 0; i < nt && at < sizeof ties; i++)
		at += (size_t)snprintf(ties + at, sizeof ties - at, ", %s", p->ims[tied[i]]->name);
	if (nt == 0)
		smx_doc_li(doc,
			   "%s softmax at n = %zu (hot cache): fastest %s, %.3g ns per element "
			   "(%.3gx memcpy of the same bytes), faster beyond the quartiles of every "
			   "other entry.",
			   smx_dtype_name(p->dt), p->ns[j], p->ims[w]->name, st[w].median / e,
			   st[w].median / copy);
	else
		smx_doc_li(doc,
			   "%s softmax at n = %zu (hot cache): a tie between %s%s (quartiles "
			   "overlap); the lowest median is %s's, %.3g ns per element (%.3gx "
			   "memcpy).",
			   smx_dtype_name(p->dt), p->ns[j], p->ims[w]->name, ties, p->ims[w]->name,
			   st[w].median / e, st[w].median / copy);
}

/* The Pareto plot: at each n measured by both sweeps, every entry's time
 * per element against its max ulp error; the front (no entry both faster
 * and more accurate) joined and labelled. Blocks per panel: the points,
 * then the front. */
static int pareto_figure(struct rep *r, const struct acc_sweep *a, const struct perf_sweep *p)
{
	FILE *f = open_in(r, "fig9_pareto.dat");
	char titles[200] = "";
	size_t np = 0, tl = 0;
	for (size_t jp = 0; jp < p->nn && np < 4; jp++)
		for (size_t ja = 0; ja < a->nn; ja++) {
			if (a->ns[ja] != p->ns[jp])
				continue;
			double e = (double)(p->rows[jp] * p->ns[jp]), t[256], u[256];
			size_t order[256];
			fprintf(f, "# n = %zu: ns_per_element max_ulp name\n", p->ns[jp]);
			for (size_t i = 0; i < a->k && i < p->k; i++) {
				t[i] = p->st[jp][NCEIL + i].median / e;
				u[i] = fmax(a->max[i][ja], 1e-3);
				fprintf(f, "%g %g \"%s\"\n", t[i], u[i], a->ims[i]->name);
				order[i] = i;
			}
			/* Sort by time; the front keeps what beats every faster one. */
			size_t k = a->k < p->k ? a->k : p->k;
			for (size_t x = 1; x < k; x++)
				for (size_t y = x; y > 0 && t[order[y]] < t[order[y - 1]]; y--) {
					size_t tmp = order[y];
					order[y] = order[y - 1];
					order[y - 1] = tmp;
				}
			fputs("\n\n", f);
			double best = INFINITY;
			for (size_t x = 0; x < k; x++)
				if (u[order[x]] < best) {
					best = u[order[x]];
					fprintf(f, "%g %g \"%s\"\n", t[order[x]], u[order[x]],
						a->ims[order[x]]->name);
				}
			fputs("\n\n", f);
			tl += (size_t)snprintf(titles + tl, sizeof titles - tl, "%s%zu",
					       np ? " " : "", p->ns[jp]);
			np++;
		}
	close_in(f, "fig9_pareto.dat");
	if (!np)
		return 0;
	char vars[500];
	snprintf(vars, sizeof vars,
		 "data='fig9_pareto.dat'; out='fig9_pareto'; panels=%zu; ns='%s'; "
		 "title_text='softmax %s: max ulp error (normal(0, 3) rows) against time per "
		 "element (hot cache); the line joins the front'",
		 np, titles, smx_dtype_name(a->dt));
	gnuplot(r, "pareto", vars);
	return 1;
}

/* ---- the Jacobian against the VJP (figure 6) ---- */

/* smx perf's sweep on one row: the VJP with and without J, and J alone;
 * its rows appended to rows, the figure and tab read from them. */
static void jacobian_cost(struct rep *r, struct smx_table *rows, struct smx_table *tab)
{
	static const size_t quick[] = {16, 64, 256, 1024};
	static const size_t normal[] = {16, 64, 256, 1024, 4096};
	/* 8192 at most: the O(n^2) way at 16384 forms a 1 GiB matrix per call. */
	static const size_t full[] = {16, 64, 256, 1024, 4096, 8192};
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
	struct smx_dist d;
	smx_dist_parse("normal:3", &d);
	struct smx_sel sel;
	struct smx_perf_opts o = {.sel = &sel,
				  .ns = ns,
				  .nn = nn,
				  .rows = 1,
				  .cache = SMX_CACHE_HOT,
				  .min_ms = r->mode == QUICK ? 1 : 3,
				  .reps = r->mode == QUICK ? 3 : 5,
				  .pin = -1,
				  .dist = &d,
				  .seed = r->seed};
	size_t first = rows->nrows;
	/* One sweep per op, each naming its ways' entries alone. */
	for (smx_op op = SMX_OP_VJP;; op = SMX_OP_JACOBIAN) {
		smx_sel_init(&sel);
		sel.ops[0] = op;
		sel.dts[0] = SMX_F32;
		sel.ndts = 1;
		for (size_t w = 0; w < nw; w++)
			if (ims[w] && ways[w].op == op)
				sel.names[sel.nnames++] = (char *)ims[w]->name;
		if (sel.nnames)
			smx_perf_sweep(&o, rows);
		if (op == SMX_OP_JACOBIAN)
			break;
	}
	double *t = smx_calloc(nw * nn, sizeof *t);
	for (size_t row = first; row < rows->nrows; row++) {
		size_t w = entry_of(rows, row, ims, nw);
		size_t j = n_of(ns, nn, smx_table_at(rows, row, "n")->i);
		if (w < nw && j < nn && smx_table_at(rows, row, "threads")->i == 1)
			t[w * nn + j] = smx_table_at(rows, row, "median_ns")->d;
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
	smx_progress_cell(0, "next-token example");
	struct smx_rows x;
	smx_rows_alloc(&x, SMX_F32, 1, NTOK);
	for (size_t i = 0; i < NTOK; i++)
		x.x[i] = tokens[i].logit;
	struct smx_case c;
	smx_case_adopt(&c, SMX_OP_SOFTMAX, &x);
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
	/* The two axes share their zero: the logit range [lo, hi] maps to
	 * probabilities [lo / hi, 1]. */
	double lo = 0, hi = 0;
	for (size_t i = 0; i < NTOK; i++) {
		lo = fmin(lo, floor(tokens[i].logit) - 1);
		hi = fmax(hi, ceil(tokens[i].logit) + 1);
	}
	char vars[400];
	snprintf(vars, sizeof vars,
		 "data='fig7_next_token.dat'; out='fig7_next_token'; ylo=%g; yhi=%g; "
		 "title_text='after ''the cat sat on a'': logits (bars, left) and softmax "
		 "probabilities (line, right); both axes start from the same zero'",
		 lo, hi);
	gnuplot(r, "next_token", vars);
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
		if (smx_impl_out(ims[i]) != SMX_F32 || ims[i]->out_scale != 0)
			continue; /* the table reads f32 probabilities */
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
	smx_progress_step();
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

/* Everything the sweeps found, for the page. */
struct results {
	struct acc_sweep acc[SMX_DTYPE_COUNT];
	struct perf_sweep perf[SMX_DTYPE_COUNT];
	struct acc_best small[SMX_DTYPE_COUNT], large[SMX_DTYPE_COUNT];
	char scale_caption[SMX_DTYPE_COUNT][1024];
	struct smx_table at, bt, jt, tt;
	/* The sweeps' own tables, written as CSV. */
	struct smx_table acc_rows, ov_rows, perf_rows;
	char torch_note[600];
	size_t nmis;
	int pareto;
	struct smx_pub_section pub;
	struct smx_lm_section lm;
};

static const char *parse_args(int argc, char **argv, struct rep *r)
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
	const char *out = "reports";
	int c;
	while ((c = smx_getopt(argc, argv, opts, "report")) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'q':
			r->mode = QUICK;
			break;
		case 'F':
			r->mode = FULL;
			break;
		case 'i':
			smx_sel_impls(&r->sel, optarg);
			break;
		case 's':
			r->seed = smx_arg_seed("report", optarg);
			break;
		case 'h':
			smx_help(help);
		}
	}
	if (optind < argc)
		smx_die("report: unexpected argument '%s'", argv[optind]);
	smx_sel_check(&r->sel);
	return out;
}

/* The report's directory under a unique hidden name, removed on every
 * exit smx controls until it is published. */
static int make_temp_dir(char *dir, const char *out)
{
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	int ok = mkdtemp(dir) != NULL;
	int slot = ok ? smx_temp_add(dir, 1) : -1;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (!ok)
		smx_die("report: %s: cannot create: %s", out, strerror(errno));
	return slot;
}

/* The scripts and gnuplot are there; the output folder exists; the
 * report's hidden temporary directory is made (its cleanup slot
 * returned). */
static int prepare(struct rep *r, const char *out, const char *name)
{
	r->scripts = getenv("SMX_SCRIPTS") ? getenv("SMX_SCRIPTS") : SMX_SOURCE_DIR "/scripts";
	char probe[4200];
	snprintf(probe, sizeof probe, "%s/gnuplot/common.gp", r->scripts);
	if (access(probe, R_OK))
		smx_die(
		    "report: %s: gnuplot scripts not found (set SMX_SCRIPTS to the scripts folder)",
		    probe);
	const char *probe_argv[] = {"gnuplot", "--version", NULL};
	if (smx_proc_run(probe_argv, NULL, "/dev/null", "/dev/null") != 0)
		smx_die("report: gnuplot not found (run scripts/install-deps.sh)");
	if (mkdir(out, 0777) && errno != EEXIST)
		smx_die("report: %s: %s", out, strerror(errno));
	struct stat st;
	if (stat(out, &st) || !S_ISDIR(st.st_mode))
		smx_die("report: %s: not a directory", out);
	snprintf(r->dir, sizeof r->dir, "%s/.%s.tmpXXXXXX", out, name);
	return make_temp_dir(r->dir, out);
}

/* Write a sweep's table as CSV: the columns of its command's --format csv. */
static void write_csv(struct rep *r, const char *name, const struct smx_table *t)
{
	FILE *f = open_in(r, name);
	smx_table_write(t, f, SMX_FMT_CSV, NULL);
	close_in(f, name);
}

/* Cells of the whole run, for the progress line. */
static size_t report_cells(struct rep *r)
{
	const struct smx_impl *ims[256];
	/* The error CCDF, the next-token example, the overflow sweep's entries,
	 * the Jacobian's two ops at each n, the language-model section. */
	size_t ns[MAXN], cells = 1 + 1 + entries(r, SMX_OP_SOFTMAX, SMX_F32, ims) +
				 2 * (r->mode == QUICK	? 4
				      : r->mode == FULL ? 6
							: 5) +
				 SMX_LM_CELLS;
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep)
			cells +=
			    acc_ns(r, (smx_dtype)dt, ns) + NSCALES + perf_ns(r, (smx_dtype)dt, ns);
	return cells;
}

static void run_accuracy(struct rep *r, struct results *res)
{
	static const struct smx_column atab[] = {
	    {"dtype", SMX_STR, 1},
	    {"impl", SMX_STR, 1},
	    {"worst max ulp", SMX_NUM, 1},
	    {"worst mean ulp", SMX_NUM, 1},
	    {"largest n", SMX_STR, 1},
	    {"max ulp there", SMX_NUM, 1},
	    {"worst max / BHH bound", SMX_NUM, 1},
	    {"claims a bound", SMX_STR, 1},
	};
	smx_table_init(&res->at, atab, sizeof atab / sizeof *atab);
	smx_accuracy_table(&res->acc_rows);
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep) {
			struct acc_sweep *a = &res->acc[dt];
			a->dt = (smx_dtype)dt;
			acc_measure(r, a, &res->acc_rows);
			acc_figure(r, a);
			acc_table(a, &res->at, &res->small[dt], &res->large[dt]);
		}
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep)
			error_vs_scale(r, (smx_dtype)dt, &res->acc_rows, res->scale_caption[dt],
				       sizeof res->scale_caption[dt]);
	write_csv(r, "accuracy.csv", &res->acc_rows);
	error_ccdf(r);
	smx_torch_init(&res->tt);
	smx_torch_rows(r->dir, r->scripts, r->seed, &res->tt, res->torch_note,
		       sizeof res->torch_note);
}

static void run_behaviour(struct rep *r, struct results *res)
{
	res->nmis = behaviour(r, &res->ov_rows, &res->bt);
	write_csv(r, "overflow.csv", &res->ov_rows);
}

static void run_speed(struct rep *r, struct results *res)
{
	smx_perf_table(&res->perf_rows);
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep) {
			res->perf[dt].dt = (smx_dtype)dt;
			perf_measure(r, &res->perf[dt], &res->perf_rows);
			perf_figure(r, &res->perf[dt]);
		}

	res->pareto = pareto_figure(r, &res->acc[SMX_F32], &res->perf[SMX_F32]);
	static const struct smx_column jtab[] = {
	    {"n", SMX_INT, 1},
	    {"vjp fused (ns)", SMX_NUM, 1},
	    {"vjp via J (ns)", SMX_NUM, 1},
	    {"form J (ns)", SMX_NUM, 1},
	    {"via J / fused", SMX_NUM, 1},
	    {"J size (MiB)", SMX_NUM, 1},
	};
	smx_table_init(&res->jt, jtab, sizeof jtab / sizeof *jtab);
	jacobian_cost(r, &res->perf_rows, &res->jt);
	write_csv(r, "perf.csv", &res->perf_rows);
}

/* The published fp16/bf16 results, then log-sum-exp, log-softmax and the
 * cross-entropy loss at vocabulary sizes (report_sections.h). */
static void run_published_lm(struct rep *r, struct results *res)
{
	char data[4400], err[512];
	snprintf(data, sizeof data, "%s/../tests/data/mnist-presoftmax.txt", r->scripts);
	if (smx_pub_measure(&res->pub, data, r->seed, err, sizeof err))
		smx_die("report: published results: %s", err);
	const struct smx_lm_opts lo = {.sel = &r->sel,
				       .keep = keep(r),
				       .seed = r->seed,
				       .rows = r->mode == QUICK	 ? 1
					       : r->mode == FULL ? 4
								 : 2,
				       .quick = r->mode == QUICK};
	struct smx_table acc, perf;
	FILE *dat = open_in(r, "fig10_lm_error.dat");
	smx_lm_measure(&res->lm, &lo, &acc, &perf, dat);
	close_in(dat, "fig10_lm_error.dat");
	write_csv(r, "lm.csv", &acc);
	write_csv(r, "lm_perf.csv", &perf);
	smx_table_free(&acc);
	smx_table_free(&perf);
	if (res->lm.err.nrows)
		gnuplot(
		    r, "lm_error",
		    "data='fig10_lm_error.dat'; out='fig10_lm_error'; "
		    "title_text='f32 log-sum-exp and log-softmax at vocabulary scale, lm logits'");
}

static void doc_conclusions(struct smx_doc *doc, const struct results *res)
{
	smx_doc_h2(doc, "conclusions", "Conclusions");
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep) {
			smx_doc_li(doc,
				   "Most accurate %s softmax on short rows (n <= 64): %s, at most "
				   "%.3g ulps.",
				   smx_dtype_name((smx_dtype)dt), res->small[dt].name,
				   res->small[dt].err);
			smx_doc_li(doc,
				   "Most accurate %s softmax on long rows (n >= 1024): %s, at most "
				   "%.3g ulps.",
				   smx_dtype_name((smx_dtype)dt), res->large[dt].name,
				   res->large[dt].err);
		}
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep)
			for (size_t j = 0; j < res->perf[dt].nn && res->perf[dt].k; j++)
				perf_verdict(doc, &res->perf[dt], j);
	smx_doc_li(
	    doc,
	    "Edge behaviour: %zu outcome(s) differ from what the entry declares (table below; "
	    "for peers these are findings, for smx's kernels they would be defects).",
	    res->nmis);
	if (*smx_peer_missing())
		smx_doc_li(doc, "Peers missing from this build: %s", smx_peer_missing());
	smx_doc_list_end(doc);
}

static void doc_accuracy(struct smx_doc *doc, const struct results *res)
{
	smx_doc_h2(doc, "accuracy", "Accuracy against the correctly rounded reference");
	smx_doc_p(doc, "Error in ulps of the exact value (MPFR, Ziv loop), on normal(0, 3) rows; "
		       "softmax. The bound column divides each entry's worst error by the "
		       "Blanchard-Higham-Higham bound of the shifted algorithm for the same rows.");
	smx_doc_table(doc, &res->at);
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep) {
			const struct acc_sweep *a = &res->acc[dt];
			char fig[64], cap[400];
			snprintf(fig, sizeof fig, "fig1_error_vs_n_%s", smx_dtype_name(a->dt));
			snprintf(
			    cap, sizeof cap,
			    "%s: max and mean ulp error against n, to n = %zu, with the BHH bound "
			    "of "
			    "the shifted algorithm (dotted). Entries with identical results share "
			    "a line; exact results (0 ulp, e.g. every entry at n = 1) are marked "
			    "on the floor of the axis.",
			    smx_dtype_name(a->dt), a->ns[a->nn - 1]);
			smx_doc_fig(doc, fig, cap);
		}
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep) {
			char fig[64];
			snprintf(fig, sizeof fig, "fig2_error_vs_scale_%s",
				 smx_dtype_name((smx_dtype)dt));
			smx_doc_fig(doc, fig, res->scale_caption[dt]);
		}
	smx_doc_fig(doc, "fig3_error_ccdf",
		    "Complementary CDF of the per-component error at n = 1024 (f32): the "
		    "fraction of components with at least a given error, on log axes, so the "
		    "tail that sets each entry's maximum is visible.");
	smx_doc_p(doc, "PyTorch on the CPU, through scripts/torch_dump.py and the outputs route "
		       "(smx accuracy --input X --outputs NAME=Y): normal(0, 3) logits; bf16 "
		       "inputs and outputs widened to f32, their error in f32 ulps.");
	if (res->tt.nrows)
		smx_doc_table(doc, &res->tt);
	if (res->torch_note[0])
		smx_doc_p(doc, "%s", res->torch_note);
}

static void doc_speed(struct smx_doc *doc, const struct results *res)
{
	smx_doc_h2(doc, "throughput", "Throughput");
	smx_doc_p(doc, "Median of the samples with their first and third quartiles as bars, hot "
		       "cache, one pinned thread. The roofline: copying x to y (memcpy), reading x "
		       "and writing y, measured in the same run on the same bytes; a softmax "
		       "reads x and writes y at the least.");
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep) {
			char fig[64], cap[200];
			snprintf(fig, sizeof fig, "fig5_throughput_%s",
				 smx_dtype_name((smx_dtype)dt));
			snprintf(cap, sizeof cap, "%s: time per element against n.",
				 smx_dtype_name((smx_dtype)dt));
			smx_doc_fig(doc, fig, cap);
		}
	if (res->pareto)
		smx_doc_fig(doc, "fig9_pareto",
			    "Which strategy to pick: at each n, max ulp error against time per "
			    "element (f32). An entry on the line is not beaten on both at once; "
			    "anything above and to the right of it is.");
	smx_doc_h2(doc, "jacobian", "The Jacobian against the VJP");
	const struct smx_table *jt = &res->jt;
	if (jt->nrows) {
		const struct smx_cell *last = &jt->cells[(jt->nrows - 1) * jt->ncols];
		smx_doc_p(doc,
			  "The backward pass needs J^T g, not J: s (g - <g, s>) costs O(n), "
			  "forming the n x n Jacobian and multiplying costs O(n^2) time and "
			  "memory. At n = %lld the product through J takes %.3gx the time of the "
			  "fused one, and J alone fills %.3g MiB.",
			  last[0].i, last[4].d, last[5].d);
	}
	smx_doc_fig(doc, "fig6_jacobian_vs_vjp",
		    "f32, one row, hot cache: J^T g without J, through J, and J alone, "
		    "with the bytes of J (right axis).");
	smx_doc_table(doc, jt);
}

/* Each shown f32 softmax and log-softmax entry against each edge profile. */
static void doc_profiles(struct rep *r, struct smx_doc *doc)
{
	const struct smx_impl *ims[512];
	size_t k = entries(r, SMX_OP_SOFTMAX, SMX_F32, ims);
	k += entries(r, SMX_OP_LOGSOFTMAX, SMX_F32, ims + k);
	struct smx_table t;
	smx_profile_matrix(&t, ims, k);
	smx_doc_h2(doc, "profiles", "Edge profiles");
	smx_doc_p(doc, "Each entry against each library's edge behaviour (smx overflow --profile; "
		       "README, \"Edge profiles\"): yes, or per row kind where it differs the "
		       "first outcome; (declared): the entry's policy names that behaviour.");
	smx_doc_table(doc, &t);
	smx_table_free(&t);
}

static void write_doc(struct rep *r, struct results *res)
{
	struct smx_doc doc;
	if (smx_doc_open(&doc, r->dir, "smx report: softmax examined") < 0)
		smx_die("report: %s: cannot write the pages", r->dir);
	smx_doc_p(&doc, "Generated by smx on %s (%s). Seed %llu. Environment: env.json.",
		  smx_env_cpu(),
		  r->mode == QUICK  ? "quick sweep"
		  : r->mode == FULL ? "full sweep"
				    : "default sweep",
		  (unsigned long long)r->seed);
	doc_conclusions(&doc, res);
	doc_accuracy(&doc, res);
	smx_doc_h2(&doc, "behaviour", "Overflow and edge rows");
	smx_doc_p(&doc, "Each entry on the scenario catalogue (smx overflow): ok means within its "
			"declared bound; nan, inf, zero-row and wrong are what it did instead.");
	smx_doc_fig(&doc, "fig4_behaviour",
		    "Outcome per implementation and scenario (f32 softmax).");
	smx_doc_table(&doc, &res->bt);
	smx_doc_fig(&doc, "fig8_thresholds",
		    "Overflow threshold per entry: the least input scale at which its rows stop "
		    "being ok (bisection); \"never\" bars reach FLT_MAX.");
	doc_profiles(r, &doc);
	doc_speed(&doc, res);
	smx_pub_doc(&doc, &res->pub);
	smx_lm_doc(&doc, &res->lm);
	next_token(r, &doc);
	smx_doc_h2(&doc, "data", "Data");
	static const char *const files[] = {"accuracy.csv", "overflow.csv", "perf.csv",
					    "lm.csv",	    "lm_perf.csv",  "env.json"};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		smx_doc_link(&doc, files[i], files[i]);
	if (smx_doc_close(&doc))
		smx_die("report: %s: cannot write the pages: %s", r->dir, strerror(errno));
}

/* Rename the finished directory to out/name (out/name-2, -3, ... when a
 * report of the same second exists), give it the umask's mode, point
 * out/latest at it and print its page's path. */
static void publish(struct rep *r, const char *out, const char *name, int slot)
{
	if (chmod(r->dir, 0777 & ~smx_umask()))
		smx_die("report: %s: %s", r->dir, strerror(errno));
	char base[300], final[4400];
	for (int k = 1;; k++) {
		if (k == 1)
			snprintf(base, sizeof base, "%s", name);
		else
			snprintf(base, sizeof base, "%s-%d", name, k);
		snprintf(final, sizeof final, "%s/%s", out, base);
		if (renameat2(AT_FDCWD, r->dir, AT_FDCWD, final, RENAME_NOREPLACE) == 0)
			break;
		if ((errno != EEXIST && errno != ENOTEMPTY) || k == 1000)
			smx_die("report: %s: %s", final, strerror(errno));
	}
	smx_temp_done(slot);
	char link[4400], tmp_link[4400];
	snprintf(link, sizeof link, "%s/latest", out);
	snprintf(tmp_link, sizeof tmp_link, "%s/.latest.tmp%ld", out, (long)getpid());
	unlink(tmp_link);
	int lslot = smx_temp_add(tmp_link, 0);
	if (symlink(base, tmp_link) || rename(tmp_link, link)) {
		unlink(tmp_link);
		fprintf(stderr, "smx: note: could not point %s at %s\n", link, base);
	}
	smx_temp_done(lslot);
	fprintf(smx_stdout(), "%s/index.html\n", final);
	smx_out_commit(smx_stdout());
}

int smx_cmd_report(int argc, char **argv)
{
	struct rep r = {.mode = DEFAULT, .seed = 1};
	smx_sel_init(&r.sel);
	const char *out = parse_args(argc, argv, &r);
	char name[256];
	report_name(name, sizeof name);
	int dir_slot = prepare(&r, out, name);
	fprintf(stderr, "smx report: writing %s/%s\n", out, name);

	char *env = smx_env_json(r.seed);
	FILE *f = open_in(&r, "env.json");
	fprintf(f, "%s\n", env ? env : "{}");
	close_in(f, "env.json");
	free(env);

	static struct results res;
	smx_progress_begin("report", report_cells(&r), 0);
	run_accuracy(&r, &res);
	run_behaviour(&r, &res);
	run_speed(&r, &res);
	run_published_lm(&r, &res);
	write_doc(&r, &res);
	smx_progress_end();
	publish(&r, out, name, dir_slot);
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep) {
			acc_free(&res.acc[dt]);
			free(res.perf[dt].st);
		}
	smx_table_free(&res.acc_rows);
	smx_table_free(&res.ov_rows);
	smx_table_free(&res.perf_rows);
	smx_table_free(&res.at);
	smx_table_free(&res.bt);
	smx_table_free(&res.jt);
	smx_table_free(&res.tt);
	smx_pub_free(&res.pub);
	smx_lm_free(&res.lm);
	return 0;
}
