/* Accuracy measurement; see measure.h. */
#include <math.h>
#include <stdlib.h>

#include "measure.h"
#include "util.h"

void smx_case_adopt(struct smx_case *c, smx_op op, smx_dtype dt, double *x, size_t rows, size_t n)
{
	size_t total;
	if (smx_mul_overflows(rows, n, &total))
		smx_die("rows x n overflows");
	*c = (struct smx_case){.op = op, .dt = dt, .rows = rows, .n = n, .x = x};
	c->ref = smx_alloc(total, sizeof *c->ref);
	c->status = smx_alloc(rows, sizeof *c->status);
	smx_ref_rows(op == SMX_OP_SOFTMAX ? SMX_REF_SOFTMAX : SMX_REF_LOGSOFTMAX, dt, x, rows, n,
		     NULL, c->ref, c->status);
}

void smx_case_generate(struct smx_case *c, smx_op op, smx_dtype dt, const struct smx_dist *d,
		       uint64_t seed, size_t rows, size_t n)
{
	double *x = smx_alloc(rows, n * sizeof *x);
	smx_dist_fill(d, dt, seed, rows, n, x);
	smx_case_adopt(c, op, dt, x, rows, n);
}

void smx_case_free(struct smx_case *c)
{
	free(c->x);
	free(c->ref);
	free(c->status);
	c->x = NULL;
	c->ref = NULL;
	c->status = NULL;
}

void smx_to_dtype(smx_dtype dt, const double *x, void *out, size_t count)
{
	if (dt == SMX_F32)
		for (size_t i = 0; i < count; i++)
			((float *)out)[i] = (float)x[i];
	else
		for (size_t i = 0; i < count; i++)
			((double *)out)[i] = x[i];
}

void smx_from_dtype(smx_dtype dt, const void *in, double *x, size_t count)
{
	if (dt == SMX_F32)
		for (size_t i = 0; i < count; i++)
			x[i] = ((const float *)in)[i];
	else
		for (size_t i = 0; i < count; i++)
			x[i] = ((const double *)in)[i];
}

void smx_measure(const struct smx_impl *im, const struct smx_case *c, struct smx_metrics *m,
		 double *errs)
{
	size_t total = c->rows * c->n, es = smx_dtype_size(c->dt);
	void *in = smx_alloc(total ? total : 1, es), *out = smx_alloc(total ? total : 1, es);
	double *y = smx_alloc(total ? total : 1, sizeof *y);
	smx_to_dtype(c->dt, c->x, in, total);
	smx_impl_run(im, in, out, c->rows, c->n);
	smx_from_dtype(c->dt, out, y, total);
	const struct smx_bound *b = isfinite(im->bound.c0) ? &im->bound : NULL;
	for (size_t r = 0; r < c->rows; r++)
		smx_metrics_row(m, c->op, c->dt, b, c->x + r * c->n, y + r * c->n,
				c->ref + r * c->n, c->status[r], c->n,
				errs ? errs + r * c->n : NULL);
	free(in);
	free(out);
	free(y);
}
