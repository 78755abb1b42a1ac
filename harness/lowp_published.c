/* Published low-precision results (lowp_published.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lowp.h"
#include "lowp_published.h"
#include "lowp_scalar.h"
#include "op.h"
#include "ref.h"
#include "rows.h"
#include "smx_impls.h"

int smx_published_mnist_fp16(const char *path, struct smx_mnist_fp16 *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct smx_rows rs;
	const int rc = smx_rows_parse(f, path, SMX_F32, &rs, err, errlen);
	fclose(f);
	if (rc)
		return -1;
	const size_t n = smx_rows_width(&rs);
	uint16_t *x = malloc((n ? n : 1) * sizeof *x);
	double *xd = malloc((n ? n : 1) * sizeof *xd);
	if (n == (size_t)-1 || n == 0 || !x || !xd) {
		snprintf(err, errlen, "%s: %s", path,
			 x && xd ? "rows of differing or zero length" : "out of memory");
		free(x);
		free(xd);
		smx_rows_free(&rs);
		return -1;
	}
	r->rows = rs.count;
	for (size_t k = 0; k < rs.count; k++) {
		double mx = -INFINITY, dmax = 0;
		int big = 0;
		for (size_t i = 0; i < n; i++) {
			x[i] = smx_f16_from_double(rs.x[rs.off[k] + i]);
			xd[i] = smx_f16_to_float(x[i]);
			big |= exp(xd[i]) > SMX_F16_MAX;
			mx = fmax(mx, xd[i]);
		}
		for (size_t i = 0; i < n; i++)
			dmax = fmax(dmax, mx - xd[i]);
		uint16_t naive, shifted;
		smx_lse_f16_naive_acc16__scalar(x, &naive, 1, n);
		smx_lse_f16_shifted_acc16__scalar(x, &shifted, 1, n);
		const float ln = smx_f16_to_float(naive), ls = smx_f16_to_float(shifted);
		r->naive_inf += ln == INFINITY;
		r->naive_single_exp += ln == INFINITY && big;
		r->shifted_inf += ls == INFINITY;
		struct smx_refval ref;
		if (smx_ref_lse(SMX_F64, xd, n, &ref) == SMX_REF_OK) {
			const double exact = ref.cr + ldexp(ref.r, ref.e);
			const double e = fabs(ls - exact) / (0x1p-11 * fmax(1, fabs(exact)));
			const double b =
			    smx_lowp_bound(SMX_LB_LSE_ACC16, SMX_LOWP_F16, n, 0, dmax, 0, exact);
			r->shifted_max_err = fmax(r->shifted_max_err, e);
			r->shifted_max_ratio = fmax(r->shifted_max_ratio, e / b);
		}
	}
	free(x);
	free(xd);
	smx_rows_free(&rs);
	return 0;
}

struct smx_uniform_bf16 smx_published_uniform_bf16(size_t n)
{
	struct smx_uniform_bf16 u = {NAN, NAN};
	uint16_t *x = calloc(n ? n : 1, sizeof *x), *y = calloc(n ? n : 1, sizeof *y);
	if (x && y && n) {
		smx_softmax_bf16_shifted_acc16__scalar(x, y, 1, n);
		u.acc16 = smx_bf16_to_float(y[0]);
		smx_softmax_bf16_shifted_acc32__scalar(x, y, 1, n);
		u.acc32 = smx_bf16_to_float(y[0]);
	}
	free(x);
	free(y);
	return u;
}

/* The pairs come from the registry: every built-in 16-bit entry named
 * <algo>.acc32/<isa> that keeps its storage format for the output, with
 * the f32 entry <algo>/<isa> of the same op, so that a new recipe entry is
 * checked without being listed here. */
#define MAX_PAIRS 64
static struct smx_lowp_pair pairs[MAX_PAIRS];
static char f32names[MAX_PAIRS][64];
static size_t npairs = (size_t)-1;

static void find_pairs(void)
{
	npairs = 0;
	for (size_t i = 0; i < smx_registry_count() && npairs < MAX_PAIRS; i++) {
		const struct smx_impl *im = smx_registry_get(i);
		const char *acc = strstr(im->name, ".acc32/");
		if (im->origin != SMX_ORIGIN_BUILTIN ||
		    (im->dtype != SMX_BF16 && im->dtype != SMX_F16) ||
		    smx_impl_out(im) != im->dtype || !acc || smx_op_arity(im->op) != 1)
			continue;
		char *f32name = f32names[npairs];
		snprintf(f32name, sizeof f32names[0], "%.*s%s", (int)(acc - im->name), im->name,
			 acc + strlen(".acc32"));
		const struct smx_impl *f = smx_registry_find(im->op, SMX_F32, f32name);
		if (!f)
			continue;
		pairs[npairs++] = (struct smx_lowp_pair){
		    .op = smx_op_info(im->op)->name,
		    .dtype = smx_dtype_name(im->dtype),
		    .name = im->name,
		    .f32name = f32name,
		    .is_bf16 = im->dtype == SMX_BF16,
		    .per_row = smx_op_info(im->op)->out == SMX_LEN_ONE,
		    .cpu = im->cpu | f->cpu,
		    .fn = im->fn.u16,
		    .f32 = f->fn.f32,
		};
	}
}

size_t smx_lowp_pair_count(void)
{
	if (npairs == (size_t)-1)
		find_pairs();
	return npairs;
}

const struct smx_lowp_pair *smx_lowp_pair_get(size_t i)
{
	return i < smx_lowp_pair_count() ? &pairs[i] : NULL;
}

size_t smx_lowp_upcast_mismatches(const struct smx_lowp_pair *p, const uint16_t *x, size_t rows,
				  size_t n)
{
	const size_t count = rows * n, outs = p->per_row ? rows : count;
	const int is_bf16 = p->is_bf16;
	float *xf = calloc(count ? count : 1, sizeof *xf);
	uint16_t *y = malloc((outs ? outs : 1) * sizeof *y);
	if (!xf || !y) {
		free(xf);
		free(y);
		return (size_t)-1;
	}
	for (size_t i = 0; i < count; i++)
		xf[i] = is_bf16 ? smx_bf16_to_float(x[i]) : smx_f16_to_float(x[i]);
	p->f32(xf, xf, rows, n); /* an lse writes rows values, no more */
	p->fn(x, y, rows, n);
	size_t bad = 0;
	for (size_t i = 0; i < outs; i++) {
		const uint16_t want =
		    is_bf16 ? smx_bf16_from_float(xf[i]) : smx_f16_from_float(xf[i]);
		const float a = is_bf16 ? smx_bf16_to_float(y[i]) : smx_f16_to_float(y[i]);
		bad += !(y[i] == want || (isnan(a) && isnan(xf[i])));
	}
	free(xf);
	free(y);
	return bad;
}
