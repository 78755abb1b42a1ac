/* Accuracy measurement; see measure.h. */
#include <math.h>
#include <stdlib.h>

#include "measure.h"
#include "op.h"
#include "ref_out.h"
#include "run.h"
#include "targets.h"
#include "util.h"
#include "variant.h"

void smx_case_adopt_opts(struct smx_case *c, smx_op op, struct smx_rows *rs, uint64_t seed,
			 const struct smx_case_opts *o)
{
	const size_t rows = rs->count, n = rows ? smx_rows_width(rs) : 0;
	const smx_dtype dt = rs->dt;
	if (n == (size_t)-1)
		smx_die("internal: a case takes rows of one length");
	double *x = rs->x;
	rs->x = NULL;
	smx_rows_free(rs);
	size_t total, olen = smx_op_out_len(op, n), outs;
	if (smx_mul_overflows(rows, n, &total) || smx_mul_overflows(rows, olen, &outs))
		smx_die("rows x n overflows");
	*c = (struct smx_case){
	    .op = op, .dt = dt, .rows = rows, .n = n, .x = x, .in = x, .from_x = o && o->from_x};
	c->ref = smx_alloc(outs, sizeof *c->ref);
	c->status = smx_alloc(rows, sizeof *c->status);
	if (smx_variant_on(op)) {
		smx_variant_ref_rows(op, dt, x, rows, n, c->ref, c->status);
		return;
	}
	const struct smx_op_info *oi = smx_op_info(op);
	if (oi->in[0] != SMX_ARG_X) {
		/* s or y: the forward output of x, correctly rounded. */
		struct smx_refval *f = smx_alloc(total, sizeof *f);
		smx_op_info(smx_arg_source(oi->in[0]))
		    ->ref_rows(smx_arg_source(oi->in[0]), dt, 0, x, NULL, rows, n, f, c->status);
		c->in = smx_alloc(total, sizeof *c->in);
		for (size_t r = 0; r < rows; r++)
			for (size_t i = 0; i < n; i++)
				c->in[r * n + i] =
				    c->status[r] == SMX_REF_OK ? f[r * n + i].cr : NAN;
		free(f);
	}
	if (oi->in[1] == SMX_ARG_TARGETS) {
		c->g = smx_alloc(total, sizeof *c->g);
		smx_targets_fill(seed, x, rows, n, c->g);
	} else if (oi->in[1] == SMX_ARG_G) {
		struct smx_dist dflt;
		smx_dist_parse("normal:1", &dflt);
		c->g = smx_alloc(total, sizeof *c->g);
		smx_dist_fill(o && o->gdist ? o->gdist : &dflt, dt, seed ^ 0x5bd1e995u, rows, n,
			      c->g);
	}
	oi->ref_rows(op, dt, c->from_x, c->from_x ? x : c->in, c->g, rows, n, c->ref, c->status);
}

void smx_case_adopt(struct smx_case *c, smx_op op, struct smx_rows *rs)
{
	smx_case_adopt_opts(c, op, rs, 1, NULL);
}

void smx_case_generate_opts(struct smx_case *c, smx_op op, smx_dtype dt, const struct smx_dist *d,
			    uint64_t seed, size_t rows, size_t n, const struct smx_case_opts *o)
{
	struct smx_rows rs;
	smx_rows_generate(&rs, d, dt, seed, rows, n);
	smx_case_adopt_opts(c, op, &rs, seed, o);
}

void smx_case_generate(struct smx_case *c, smx_op op, smx_dtype dt, const struct smx_dist *d,
		       uint64_t seed, size_t rows, size_t n)
{
	smx_case_generate_opts(c, op, dt, d, seed, rows, n, NULL);
}

void smx_case_free(struct smx_case *c)
{
	if (c->in != c->x)
		free(c->in);
	free(c->x);
	free(c->g);
	free(c->ref);
	free(c->status);
	*c = (struct smx_case){0};
}

/* Row r of a case under the variant in force: the claim from variant.c. */
static void variant_row(const struct smx_impl *im, const struct smx_case *c, size_t r,
			const double *y, struct smx_metrics *m, double *e)
{
	const struct smx_bound *bd = isfinite(im->bound.c0) ? &im->bound : NULL;
	const double *x = c->x + r * c->n;
	const struct smx_refval *ref = c->ref + r * c->n;
	double *lim = smx_alloc(c->n ? c->n : 1, sizeof *lim);
	int claimed = c->status[r] == SMX_REF_OK && smx_variant_claim_row(im, x, r, c->n, ref, lim);
	unsigned f = smx_variant_active()->flags;
	struct smx_row_claim vc = {claimed ? lim : NULL,
				   !(f & (SMX_VARIANT_SINK | SMX_VARIANT_PLUS_ONE))};
	smx_metrics_row_claim(m, c->op, c->dt, bd, x, y, ref, c->status[r], c->n, e, &vc);
	free(lim);
}

/* An entry whose output is another format than its input, or scaled:
 * its rows against the reference of its own output (reference/ref_out.h),
 * in that format's ulps. */
static void fold_out(const struct smx_impl *im, const struct smx_case *c, const double *y,
		     struct smx_metrics *m, double *errs)
{
	size_t total = c->rows * c->n;
	struct smx_refval *ref = smx_alloc(total ? total : 1, sizeof *ref);
	int *status = smx_alloc(c->rows ? c->rows : 1, sizeof *status);
	smx_ref_out_rows(smx_impl_out(im), im->out_scale, c->x, c->rows, c->n, ref, status);
	const struct smx_bound *bd = isfinite(im->bound.c0) ? &im->bound : NULL;
	for (size_t r = 0; r < c->rows; r++)
		smx_metrics_row_scaled(m, c->op, smx_impl_out(im), bd, c->x + r * c->n,
				       y + r * c->n, ref + r * c->n, status[r], c->n,
				       errs ? errs + r * c->n : NULL, im->out_scale != 0);
	free(ref);
	free(status);
}

void smx_case_fold_errs(const struct smx_impl *im, const struct smx_case *c, const double *y,
			struct smx_metrics *m, double *errs)
{
	size_t olen = smx_op_out_len(c->op, c->n);
	const struct smx_bound *bd = isfinite(im->bound.c0) ? &im->bound : NULL;
	if (smx_impl_out(im) != c->dt || im->out_scale != 0) {
		fold_out(im, c, y, m, errs);
		return;
	}
	for (size_t r = 0; r < c->rows; r++) {
		const double *in = c->in + r * c->n, *g = c->g ? c->g + r * c->n : NULL;
		double *e = errs ? errs + r * olen : NULL;
		if (smx_variant_on(c->op))
			variant_row(im, c, r, y + r * olen, m, e);
		else if (smx_op_info(c->op)->in[1] == SMX_ARG_TARGETS)
			smx_metrics_xent_row(m, c->op, c->dt, bd, in, g, y + r * olen,
					     c->ref + r * olen, c->status[r], c->n, e);
		else if (smx_op_forward(c->op))
			smx_metrics_row(m, c->op, c->dt, bd, in, y + r * olen, c->ref + r * olen,
					c->status[r], c->n, e);
		else
			smx_metrics_backward_row(m, c->op, c->dt, bd, in, g, y + r * olen,
						 c->ref + r * olen, c->status[r], c->n, e);
	}
}

void smx_case_fold(const struct smx_impl *im, const struct smx_case *c, const double *y,
		   struct smx_metrics *m)
{
	smx_case_fold_errs(im, c, y, m, NULL);
}

void smx_measure(const struct smx_impl *im, const struct smx_case *c, struct smx_metrics *m,
		 double *errs)
{
	size_t total = c->rows * c->n, es = smx_dtype_size(c->dt);
	size_t olen = smx_op_out_len(c->op, c->n), outs = c->rows * olen;
	void *a = smx_alloc(total ? total : 1, es), *b = NULL,
	     *out = smx_alloc(outs ? outs : 1, smx_dtype_size(smx_impl_out(im)));
	double *y = smx_alloc(outs ? outs : 1, sizeof *y);
	smx_to_dtype(c->dt, c->in, a, total);
	if (c->g) {
		b = smx_alloc(total ? total : 1, es);
		smx_to_dtype(c->dt, c->g, b, total);
	}
	smx_run_guarded(im, a, b, out, c->rows, c->n);
	smx_from_dtype(smx_impl_out(im), out, y, outs);
	smx_case_fold_errs(im, c, y, m, errs);
	free(a);
	free(b);
	free(out);
	free(y);
}
