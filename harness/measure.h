/* One accuracy measurement: rows of inputs with their reference, run
 * through an implementation and folded into metrics. */
#ifndef SMX_MEASURE_H
#define SMX_MEASURE_H

#include <stdint.h>

#include "dtype.h"
#include "metrics.h"
#include "ref.h"
#include "rows.h"

struct smx_case {
	smx_op op;
	smx_dtype dt;
	size_t rows, n;
	double *x;		/* logits, rows x n */
	double *in;		/* the implementation's first input: x (forward ops),
				   s or y rounded from the reference (backward ops) */
	double *g;		/* second input (two-input ops), else NULL */
	struct smx_refval *ref; /* rows x smx_op_out_len(op, n) */
	int *status;		/* rows */
	int from_x;		/* backward reference end to end from x */
};

/* How backward cases are built: the upstream gradient's distribution and
 * whether the reference starts from x (end to end) or from the given s. */
struct smx_case_opts {
	const struct smx_dist *gdist; /* NULL: normal:1 */
	int from_x;
};

/* Take a batch of logits, rows of one length in rs->dt (its values pass
 * to c, rs is left empty), and add the reference (opts NULL: the
 * defaults). Backward ops take s = softmax(x) (y = log-softmax(x))
 * correctly rounded, and g from gdist with a seed derived from seed. */
void smx_case_adopt(struct smx_case *c, smx_op op, struct smx_rows *rs);
void smx_case_adopt_opts(struct smx_case *c, smx_op op, struct smx_rows *rs, uint64_t seed,
			 const struct smx_case_opts *o);
/* The same for the batch smx_rows_generate gives. */
void smx_case_generate(struct smx_case *c, smx_op op, smx_dtype dt, const struct smx_dist *d,
		       uint64_t seed, size_t rows, size_t n);
void smx_case_generate_opts(struct smx_case *c, smx_op op, smx_dtype dt, const struct smx_dist *d,
			    uint64_t seed, size_t rows, size_t n, const struct smx_case_opts *o);
void smx_case_free(struct smx_case *c);

/* Run im on the case (out of place) and fold every row into m; errs, when
 * not NULL, receives rows x out_len per-component ulp errors. */
void smx_measure(const struct smx_impl *im, const struct smx_case *c, struct smx_metrics *m,
		 double *errs);

/* Fold outputs y (rows x out_len doubles) of im on the case into m, with
 * per-component errors into errs when not NULL. */
void smx_case_fold_errs(const struct smx_impl *im, const struct smx_case *c, const double *y,
			struct smx_metrics *m, double *errs);
void smx_case_fold(const struct smx_impl *im, const struct smx_case *c, const double *y,
		   struct smx_metrics *m);

#endif
