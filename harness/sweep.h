/* The default accuracy sweep (`smx accuracy` without --n, and the cells
 * `smx check --init` writes), and the measurement of one baseline line. */
#ifndef SMX_SWEEP_H
#define SMX_SWEEP_H

#include <stddef.h>

#include "baseline.h"
#include "cli.h"
#include "measure.h"

/* Default n: 1 and 2; tails of every lane width (4 f64 / 8 f32 on AVX2,
 * 8 / 16 on AVX-512: n = 3, 7, 9, 15, 17, 31, 33, and the vectors 8, 16);
 * the blocked kernel's register path and its end (up to 4 vectors: 63,
 * 65); a long row (1000); and one past the blocked kernel's L1 block (4096
 * f32, 2048 f64 elements: 4103 is 2 blocks in f32 and 3 in f64, each with a
 * 7-element tail). */
extern const size_t smx_sweep_ns[];
extern const size_t smx_sweep_nn;
/* Rows per cell: 32, fewer for long rows so that a cell holds about 2^15
 * values (at least 8 rows): the reference's cost stays bounded. */
size_t smx_sweep_rows(size_t n);

/* Rows of a default cell of op at n: smx_sweep_rows, and for the Jacobian
 * at most 2^22 / n^2 (at least 1). */
size_t smx_sweep_cell_rows(smx_op op, size_t n);

/* The default sweep measures the Jacobian (n^2 outputs) up to this n. */
#define SMX_SWEEP_JACOBIAN_MAX 128
int smx_sweep_covers(smx_op op, size_t n);

/* Add to sel every op that a plug-in entry defines: a plug-in's own ops
 * are measured by default. */
void smx_sweep_plugin_ops(struct smx_sel *sel);

/* One accuracy cell of a baseline, kept while consecutive lines share it:
 * the rows and their reference are computed once per cell. */
struct smx_cell_cache {
	int valid;
	struct smx_bline key;
	struct smx_case c;
};
void smx_cell_cache_free(struct smx_cell_cache *cc);

/* Measure im on the cell of accuracy line b (through cc); got receives the
 * line's four keys (smx_bline_key order), m the metrics. */
void smx_line_measure(const struct smx_bline *b, const struct smx_impl *im,
		      struct smx_cell_cache *cc, double got[4], struct smx_metrics *m);

/* The four keys of an accuracy line (smx_bline_key order) from m. */
void smx_line_values(smx_op op, const struct smx_metrics *m, double got[4]);

/* Compare got with the line's budgets: 1 with the keys over budget in why,
 * else 0. */
int smx_line_over_budget(const struct smx_bline *b, const double got[4], char *why, size_t len);

#endif
