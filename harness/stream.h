/* Cells of long forward rows (softmax, log-softmax; n >= SMX_STREAM_MIN)
 * measured without a double copy of the rows or their whole reference: the
 * rows are held once, in their dtype, as the entries' input; each entry's
 * output once; and the reference of one span at a time, computed from the
 * fast path's per-row plan as the metrics reach it. The results are those
 * of smx_case_generate + smx_measure, bit for bit. A row the fast path does
 * not take whole (NaN, +inf, all -inf, an undecided component) makes
 * generate or the first measure return -1: the caller then measures the
 * cell the ordinary way (the MPFR loop needs the whole row). Entries with
 * another output format or scale (fp8; reference/ref_out.h) are measured
 * the same way against the reference of their output: S = 1 and amax. */
#ifndef SMX_STREAM_H
#define SMX_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "rows.h"

#define SMX_STREAM_MIN SMX_METRICS_SPAN_MIN

struct smx_ref_plan;

struct smx_stream {
	smx_op op;
	smx_dtype dt;
	size_t rows, n, bytes;
	void *x;		   /* rows x n values of dt, read-only once generated */
	struct smx_ref_plan *plan; /* per row */
	unsigned verified;	   /* per output format and scale kind: decided once */
};

/* Whether a cell of op at n is measured this way. */
int smx_stream_wants(smx_op op, size_t n);

int smx_stream_generate(struct smx_stream *s, smx_op op, smx_dtype dt, const struct smx_dist *d,
			uint64_t seed, size_t rows, size_t n);

/* Run im on the rows and fold them into m (untouched on -1). */
int smx_stream_measure(const struct smx_impl *im, struct smx_stream *s, struct smx_metrics *m);

/* The largest Blanchard-Higham-Higham factor n + 2 + 2 (x_max - x_min)
 * over the rows (the bound of the shifted algorithm, in units of u). */
double smx_stream_bhh(const struct smx_stream *s);

void smx_stream_free(struct smx_stream *s);

#endif
