/* Class targets for the cross-entropy ops: one int64 class index per row,
 * generated from the seed or read from a file beside the logits. */
#ifndef SMX_TARGETS_H
#define SMX_TARGETS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* uniform: every class alike; model: drawn from the row's own softmax (a
 * calibrated model's labels: mostly near the top); argmax: the first
 * maximum (a model that is always right). */
enum smx_target_mode { SMX_TARGETS_UNIFORM, SMX_TARGETS_MODEL, SMX_TARGETS_ARGMAX };

/* "uniform", "model", "argmax"; -1 for anything else. */
int smx_targets_mode_parse(const char *s, enum smx_target_mode *m);

/* Targets of rows x n logits x. Row r's target depends only on (mode,
 * seed, r, row r's values). A row with no entry above -inf gets 0. */
void smx_targets_generate(enum smx_target_mode m, uint64_t seed, const double *x, size_t rows,
			  size_t n, int64_t *t);

/* Targets from a file: a .npy of int32 or int64 ('<i4', '<i8', shape (R,)
 * or (R, 1), C order), else text, one integer a line ('#' comments, blank
 * lines skipped). Exactly rows targets, each in [0, n) or equal to
 * ignore_index. On error -1 and "<name>: <why>" (text: "<name>:<line>:
 * <why>") in err. */
int smx_targets_read(FILE *f, const char *name, size_t rows, size_t n, int64_t ignore_index,
		     int64_t *t, char *err, size_t errlen);

/* The targets the xent ops are measured with (xent_case.c): --targets
 * uniform (the default), model, argmax, or a file as smx_targets_read
 * takes (ignore index -100); cmd names the command in errors (exit 2). */
void smx_targets_select(const char *cmd, const char *spec);
/* rows x n second inputs: row r's target at g[r * n], the rest 0 (the
 * registry's xent entries read them there: impls/xent_entries.c). */
void smx_targets_fill(uint64_t seed, const double *x, size_t rows, size_t n, double *g);

#endif
