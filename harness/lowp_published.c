/* Published low-precision results (lowp_published.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lowp.h"
#include "lowp_published.h"
#include "lowp_scalar.h"
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

static const struct smx_lowp_pair pairs[] = {
    {"softmax", "bf16", "shifted.acc32/scalar", "shifted/scalar", 1, 0, 0,
     smx_softmax_bf16_shifted_acc32__scalar, smx_softmax_f32_shifted__scalar},
    {"softmax", "f16", "shifted.acc32/scalar", "shifted/scalar", 0, 0, 0,
     smx_softmax_f16_shifted_acc32__scalar, smx_softmax_f32_shifted__scalar},
    {"logsoftmax", "bf16", "shifted.acc32/scalar", "shifted/scalar", 1, 0, 0,
     smx_logsoftmax_bf16_shifted_acc32__scalar, smx_logsoftmax_f32_shifted__scalar},
    {"logsoftmax", "f16", "shifted.acc32/scalar", "shifted/scalar", 0, 0, 0,
     smx_logsoftmax_f16_shifted_acc32__scalar, smx_logsoftmax_f32_shifted__scalar},
    {"softmax", "bf16", "shifted.acc32/avx2", "shifted/avx2", 1, 0, SMX_CPU_AVX2,
     smx_softmax_bf16_shifted_acc32__avx2, smx_softmax_f32_shifted__avx2},
    {"softmax", "f16", "shifted.acc32/avx2", "shifted/avx2", 0, 0, SMX_CPU_AVX2,
     smx_softmax_f16_shifted_acc32__avx2, smx_softmax_f32_shifted__avx2},
    {"softmax", "bf16", "shifted.acc32/avx512", "shifted/avx512", 1, 0, SMX_CPU_AVX512,
     smx_softmax_bf16_shifted_acc32__avx512, smx_softmax_f32_shifted__avx512},
    {"softmax", "f16", "shifted.acc32/avx512", "shifted/avx512", 0, 0, SMX_CPU_AVX512,
     smx_softmax_f16_shifted_acc32__avx512, smx_softmax_f32_shifted__avx512},
    {"logsoftmax", "bf16", "shifted.acc32/avx2", "shifted/avx2", 1, 0, SMX_CPU_AVX2,
     smx_logsoftmax_bf16_shifted_acc32__avx2, smx_logsoftmax_f32_shifted__avx2},
    {"logsoftmax", "f16", "shifted.acc32/avx2", "shifted/avx2", 0, 0, SMX_CPU_AVX2,
     smx_logsoftmax_f16_shifted_acc32__avx2, smx_logsoftmax_f32_shifted__avx2},
    {"logsoftmax", "bf16", "shifted.acc32/avx512", "shifted/avx512", 1, 0, SMX_CPU_AVX512,
     smx_logsoftmax_bf16_shifted_acc32__avx512, smx_logsoftmax_f32_shifted__avx512},
    {"logsoftmax", "f16", "shifted.acc32/avx512", "shifted/avx512", 0, 0, SMX_CPU_AVX512,
     smx_logsoftmax_f16_shifted_acc32__avx512, smx_logsoftmax_f32_shifted__avx512},
    {"lse", "bf16", "shifted.acc32/scalar", "shifted/scalar", 1, 1, 0,
     smx_lse_bf16_shifted_acc32__scalar, smx_lse_f32_shifted__scalar},
    {"lse", "f16", "shifted.acc32/scalar", "shifted/scalar", 0, 1, 0,
     smx_lse_f16_shifted_acc32__scalar, smx_lse_f32_shifted__scalar},
    {"lse", "bf16", "shifted.acc32/avx2", "shifted/avx2", 1, 1, SMX_CPU_AVX2,
     smx_lse_bf16_shifted_acc32__avx2, smx_lse_f32_shifted__avx2},
    {"lse", "f16", "shifted.acc32/avx2", "shifted/avx2", 0, 1, SMX_CPU_AVX2,
     smx_lse_f16_shifted_acc32__avx2, smx_lse_f32_shifted__avx2},
    {"lse", "bf16", "shifted.acc32/avx512", "shifted/avx512", 1, 1, SMX_CPU_AVX512,
     smx_lse_bf16_shifted_acc32__avx512, smx_lse_f32_shifted__avx512},
    {"lse", "f16", "shifted.acc32/avx512", "shifted/avx512", 0, 1, SMX_CPU_AVX512,
     smx_lse_f16_shifted_acc32__avx512, smx_lse_f32_shifted__avx512},
};

size_t smx_lowp_pair_count(void)
{
	return sizeof pairs / sizeof *pairs;
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
