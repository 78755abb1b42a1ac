/* The default sweep and one baseline line's measurement; see sweep.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "op.h"
#include "cli.h"
#include "sweep.h"
#include "sweeps.h"
#include "variant.h"

const size_t smx_sweep_ns[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 1000, 4103};
const size_t smx_sweep_nn = sizeof smx_sweep_ns / sizeof *smx_sweep_ns;

size_t smx_sweep_rows(size_t n)
{
	size_t r = ((size_t)1 << 15) / n;
	return r > 32 ? 32 : r < 8 ? 8 : r;
}

size_t smx_sweep_cell_rows(smx_op op, size_t n)
{
	size_t rows = smx_sweep_rows(n);
	if (smx_op_info(op)->out != SMX_LEN_NN)
		return rows;
	size_t cap = ((size_t)1 << 22) / (n * n);
	return cap == 0 ? 1 : cap < rows ? cap : rows;
}

int smx_sweep_covers(smx_op op, size_t n)
{
	return n <= smx_op_info(op)->sweep_n_max;
}

void smx_sweep_plugin_ops(struct smx_sel *sel)
{
	for (size_t i = 0; i < smx_registry_count(); i++) {
		const struct smx_impl *im = smx_registry_get(i);
		if (im->origin != SMX_ORIGIN_PLUGIN)
			continue;
		int have = 0;
		for (size_t o = 0; o < sel->nops; o++)
			have |= sel->ops[o] == im->op;
		if (!have && sel->nops < SMX_OP_COUNT)
			sel->ops[sel->nops++] = im->op;
	}
}

size_t smx_sweep_entries(const struct smx_sel *sel, smx_keep_fn keep, smx_op op, smx_dtype dt,
			 const struct smx_impl **out)
{
	const struct smx_impl *all[256];
	size_t k = smx_sel_entries(sel, op, dt, all, 256), m = 0;
	for (size_t i = 0; i < k; i++)
		if (!keep || keep(all[i]))
			out[m++] = all[i];
	return m;
}

void smx_cell_cache_free(struct smx_cell_cache *cc)
{
	if (cc->valid)
		smx_case_free(&cc->c);
	cc->valid = 0;
}

static int same_cell(const struct smx_bline *a, const struct smx_bline *b)
{
	return a->op == b->op && a->dt == b->dt && !strcmp(a->dist.spec, b->dist.spec) &&
	       a->n == b->n && a->rows == b->rows && a->seed == b->seed &&
	       !strcmp(a->variant, b->variant);
}

void smx_line_measure(const struct smx_bline *b, const struct smx_impl *im,
		      struct smx_cell_cache *cc, double got[4], struct smx_metrics *m)
{
	smx_variant_use_spec(b->variant);
	if (!cc->valid || !same_cell(&cc->key, b)) {
		smx_cell_cache_free(cc);
		smx_case_generate(&cc->c, b->op, b->dt, &b->dist, b->seed,
				  smx_op_rows(b->op, b->rows, b->n), b->n);
		cc->key = *b;
		cc->valid = 1;
	}
	smx_metrics_init(m);
	smx_measure(im, &cc->c, m, NULL);
	smx_line_values(b->op, m, got);
}

void smx_line_values(smx_op op, const struct smx_metrics *m, double got[4])
{
	got[0] = m->max_ulp;
	got[1] = smx_metrics_mean_ulp(m);
	got[2] = strcmp(smx_op_info(op)->key, "cond_err") ? m->sum_err : m->cond_err;
	got[3] = (double)(m->nan_rows + m->inf_rows + m->zero_rows);
	if (isnan(got[1]))
		got[1] = 0;
}

int smx_line_over_budget(const struct smx_bline *b, const double got[4], char *why, size_t len)
{
	size_t k = 0;
	int over = 0;
	/* A budget of inf holds any value, NaN included: smx_budget writes it
	 * where the entry's outputs were NaN, and bad_rows counts those rows. */
	for (int i = 0; i < 4; i++)
		if (!(got[i] <= b->budget[i]) && !(isinf(b->budget[i]) && b->budget[i] > 0)) {
			over = 1;
			if (k < len)
				k += (size_t)snprintf(why + k, len - k, "%s%s %.4g > %.4g",
						      k ? ", " : "", smx_bline_key(b->op, i),
						      got[i], b->budget[i]);
		}
	return over;
}
