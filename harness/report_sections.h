/* Two sections of smx report, measured in the report run: published
 * low-precision results reproduced, and log-softmax / log-sum-exp at
 * language-model vocabulary sizes. */
#ifndef SMX_REPORT_SECTIONS_H
#define SMX_REPORT_SECTIONS_H

#include <stdint.h>
#include <stdio.h>

#include "lowp_published.h"
#include "report.h"
#include "smx.h"
#include "table.h"

struct smx_pub_section {
	struct smx_mnist_fp16 m;
	struct smx_uniform_bf16 u;
	struct smx_table counts; /* result, smx, published, matches */
	struct smx_table upcast; /* the benchdnn rule per f32-accumulating entry */
	size_t mismatched;	 /* rows of either table that do not match */
};

/* Runs the MNIST fp16 counts on the rows in data, the uniform bf16 row and
 * the upcast check on rows of normal(0, 3) from seed. 0, or -1 with a
 * reason in err (the data file unreadable). */
int smx_pub_measure(struct smx_pub_section *p, const char *data, uint64_t seed, char *err,
		    size_t errlen);
void smx_pub_doc(struct smx_doc *doc, const struct smx_pub_section *p);
void smx_pub_free(struct smx_pub_section *p);

/* The vocabulary sizes of the language-model section. */
#define SMX_LM_NN 4
extern const size_t smx_lm_ns[SMX_LM_NN];

struct smx_lm_section {
	size_t rows;
	struct smx_table err;	/* op, impl, n, max ulp, max abs error (nats) */
	struct smx_table speed; /* op, impl, n, ns/elem, GB/s */
};

/* The section's cells: smx accuracy's and smx perf's sweeps of lse,
 * logsoftmax and xent (f32) at each vocabulary size. */
#define SMX_LM_CELLS (2 * 3 * SMX_LM_NN)

struct smx_sel;
struct smx_lm_opts {
	const struct smx_sel *sel;		/* the entries measured: the selection's */
	int (*keep)(const struct smx_impl *im); /* ... that keep keeps (NULL: all) */
	uint64_t seed;
	size_t rows; /* of the lm generator, per size */
	int quick;   /* shorter timing */
};

/* The section through the commands' sweeps: smx accuracy's rows (error
 * against the reference in ulps, and in nats) into acc, smx perf's (hot
 * cache, the entries of one op side by side) into perf, each table made
 * here with its command's schema; the tables shown read from them, and
 * the figure's data (a block per entry: n, nats) go to dat. */
void smx_lm_measure(struct smx_lm_section *l, const struct smx_lm_opts *o, struct smx_table *acc,
		    struct smx_table *perf, FILE *dat);
void smx_lm_doc(struct smx_doc *doc, const struct smx_lm_section *l);
void smx_lm_free(struct smx_lm_section *l);

#endif
