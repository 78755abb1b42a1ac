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

/* For smx check's outputs lines, where a bad file fails the line rather
 * than the command: read the rows of path as --input does (shape: RxN for
 * raw .f32 / .f64, else NULL), or -1 with the reason in err. */
int smx_outputs_load(const char *path, smx_dtype dt, const char *shape, struct smx_rows *rs,
		     char *err, size_t len);
/* The stand-in entry an output set is judged as: no bound claimed. */
struct smx_impl smx_outputs_entry(const char *name, smx_op op, smx_dtype dt);
/* Fold the output rows ys (read from path) for case c into m, or -1 with
 * the reason in err when their shape is not c's. Forward ops only. */
int smx_outputs_fold(const struct smx_case *c, const struct smx_rows *ys, const char *path,
		     struct smx_metrics *m, char *err, size_t len);

#endif
