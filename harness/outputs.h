/* Outputs computed elsewhere (PyTorch, JAX, a GPU), measured against the
 * reference like any entry: `smx accuracy --input X --outputs NAME=Y ...`.
 * Each Y holds one output set with X's shape (rows x n), in any format
 * --input reads; its name stands in the table where an entry's would. */
#ifndef SMX_OUTPUTS_H
#define SMX_OUTPUTS_H

#include "cli.h"
#include "measure.h"
#include "metrics.h"

struct smx_outputs {
	size_t count;
	char names[SMX_MAX_LIST][64];
	const char *paths[SMX_MAX_LIST];
	struct smx_impl as_entry[SMX_MAX_LIST]; /* name, op, dtype; no bound claimed */
};

/* One --outputs argument: NAME=FILE, or FILE (named after its base name
 * without the extension). Dies on an empty name or too many sets. */
void smx_outputs_add(const char *cmd, struct smx_outputs *o, char *arg);

/* Read set i for case c (dies when the file is missing, unreadable, or
 * its shape is not c's) and fold every row into m. Forward ops only. */
void smx_outputs_measure(const char *cmd, struct smx_outputs *o, size_t i, const struct smx_case *c,
			 struct smx_metrics *m);

#endif
