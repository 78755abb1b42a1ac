/* The commands' sweeps as functions. Each fills a table with its command's
 * one schema (the columns of its --format csv), and `smx report` composes
 * them, so a measurement has one schema and one classifier of outcomes
 * wherever it is shown. */
#ifndef SMX_SWEEPS_H
#define SMX_SWEEPS_H

#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "smx.h"

struct smx_case_opts;
struct smx_dist;
struct smx_profile;
struct smx_sel;
struct smx_table;
struct smx_tally;

/* Entries of the selection a sweep keeps (NULL: all of them). */
typedef int (*smx_keep_fn)(const struct smx_impl *im);
/* The selection's entries for (op, dt) that keep keeps (at most 256). */
size_t smx_sweep_entries(const struct smx_sel *sel, smx_keep_fn keep, smx_op op, smx_dtype dt,
			 const struct smx_impl **out);

/* smx accuracy: every (op, dtype, dist, n) cell of the selection. */
struct smx_accuracy_opts {
	const struct smx_sel *sel;
	smx_keep_fn keep;
	const struct smx_dist *dists;
	size_t ndists;
	const size_t *ns;
	size_t nn;
	int default_n; /* the default sweep: cells it does not cover are skipped */
	size_t rows;   /* rows per cell; 0: the default sweep's count */
	size_t budget; /* not 0: rows = budget / n (at least 1) */
	uint64_t seed;
	const struct smx_case_opts *copts;
	size_t lo, hi;		 /* the cells measured (a shard's run) */
	struct smx_tally *tally; /* NULL: not judged */
};
void smx_accuracy_table(struct smx_table *t);
/* Append one row per (cell, entry) to t (from smx_accuracy_table). */
void smx_accuracy_sweep(const struct smx_accuracy_opts *o, struct smx_table *t);
/* The cells smx_accuracy_sweep visits (the range lo, hi selects among). */
size_t smx_accuracy_cells(const struct smx_accuracy_opts *o);

/* smx overflow: the scenario catalogue and the thresholds of every forward
 * entry of the selection. */
struct smx_overflow_opts {
	const struct smx_sel *sel;
	smx_keep_fn keep;
	int thresholds;
	const struct smx_profile *prof; /* NULL: the declared policies */
	size_t lo, hi;			/* the cells (entries) measured */
	struct smx_tally *tally;	/* NULL: not judged */
};
/* tidy: one row per (entry, scenario) and threshold; sum: one per entry. */
void smx_overflow_tables(struct smx_table *tidy, struct smx_table *sum);
void smx_overflow_sweep(const struct smx_overflow_opts *o, struct smx_table *tidy,
			struct smx_table *sum);
size_t smx_overflow_cells(const struct smx_overflow_opts *o);

/* smx perf: every (op, dtype, n) of the selection beside the ceilings. */
struct smx_perf_opts {
	const struct smx_sel *sel;
	smx_keep_fn keep;
	const size_t *ns;
	size_t nn;
	size_t rows; /* 0: enough for 64 KiB a call (1 for long rows) */
	enum smx_cache cache;
	double min_ms;
	size_t reps;
	int pin;      /* CPU, or -1 */
	int ceilings; /* 1: copy, read and write (memset) for every op */
	const struct smx_dist *dist;
	uint64_t seed;
};
void smx_perf_table(struct smx_table *t);
/* Append the rows measured to t; returns how many. */
size_t smx_perf_sweep(const struct smx_perf_opts *o, struct smx_table *t);

#endif
