/* The registry's cross-entropy entries (ops xent and xent_fused) over the
 * kernels of smx_xent.h, with the process-wide options (label smoothing,
 * ignore index). The harness passes the targets as the second input in the
 * element type, row r's class index at t[r * n] (exact: n < 2^24, and the
 * ignore index within 2^24); a value that is not an integer in [0, n) nor
 * the ignore index becomes n, which the kernels answer with a NaN row (a
 * row of n = 0 has no target to read: index 0, out of range too). The
 * fused entry's output is the gradient; its loss goes to a row-sized buffer
 * (op xent measures the loss). Allocation failure gives NaN outputs. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "smx.h"
#include "smx_impls.h"
#include "smx_xent.h"

static struct smx_xent_params active = {sizeof active, 0, -100};

void smx_xent_params_set(const struct smx_xent_params *p)
{
	active = p ? *p : (struct smx_xent_params){sizeof active, 0, -100};
	active.size = sizeof active;
}

const struct smx_xent_params *smx_xent_params_active(void)
{
	return &active;
}

int smx_xent_params_default(void)
{
	return active.label_smoothing == 0 && active.ignore_index == -100;
}

double smx_xent_eps(smx_dtype dt)
{
	return dt == SMX_F32 ? (double)(float)active.label_smoothing : active.label_smoothing;
}

static int64_t target_of(double v, size_t n)
{
	if (v == (double)active.ignore_index)
		return active.ignore_index;
	return v >= 0 && v < (double)n && v == floor(v) ? (int64_t)v : (int64_t)n;
}

#define XENT_WRAP(T, dt, DT, algo, isa)                                                            \
	void smx_xentloss_##dt##_##algo##__##isa(const T *x, const T *t, T *loss, size_t rows,     \
						 size_t n)                                         \
	{                                                                                          \
		const struct smx_xent_opts o = {smx_xent_eps(SMX_##DT), active.ignore_index};      \
		int64_t *ti = malloc((rows ? rows : 1) * sizeof *ti);                              \
		if (!ti) {                                                                         \
			for (size_t r = 0; r < rows; r++)                                          \
				loss[r] = (T)NAN;                                                  \
			return;                                                                    \
		}                                                                                  \
		for (size_t r = 0; r < rows; r++)                                                  \
			ti[r] = n ? target_of(t[r * n], n) : 0;                                    \
		smx_xent_##dt##_##algo##__##isa(x, ti, loss, NULL, rows, n, &o);                   \
		free(ti);                                                                          \
	}                                                                                          \
	void smx_xentgrad_##dt##_##algo##__##isa(const T *x, const T *t, T *grad, size_t rows,     \
						 size_t n)                                         \
	{                                                                                          \
		const struct smx_xent_opts o = {smx_xent_eps(SMX_##DT), active.ignore_index};      \
		int64_t *ti = malloc((rows ? rows : 1) * sizeof *ti);                              \
		T *loss = malloc((rows ? rows : 1) * sizeof *loss);                                \
		if (ti && loss) {                                                                  \
			for (size_t r = 0; r < rows; r++)                                          \
				ti[r] = n ? target_of(t[r * n], n) : 0;                            \
			smx_xent_fused_##dt##_##algo##__##isa(x, ti, loss, grad, rows, n, &o);     \
		} else {                                                                           \
			for (size_t i = 0; i < rows * n; i++)                                      \
				grad[i] = (T)NAN;                                                  \
		}                                                                                  \
		free(ti);                                                                          \
		free(loss);                                                                        \
	}

XENT_WRAP(float, f32, F32, shifted, scalar)
XENT_WRAP(double, f64, F64, shifted, scalar)
XENT_WRAP(float, f32, F32, shifted, avx2)
XENT_WRAP(float, f32, F32, online, avx2)
XENT_WRAP(float, f32, F32, accurate, avx2)
XENT_WRAP(double, f64, F64, shifted, avx2)
XENT_WRAP(double, f64, F64, online, avx2)
XENT_WRAP(float, f32, F32, shifted, avx512)
XENT_WRAP(float, f32, F32, online, avx512)
XENT_WRAP(float, f32, F32, accurate, avx512)
XENT_WRAP(double, f64, F64, shifted, avx512)
XENT_WRAP(double, f64, F64, online, avx512)
