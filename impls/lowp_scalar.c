/* Scalar recipe kernels on bf16 and f16 storage and softmax to fp8: what
 * they compute, their recipes and their derived error bounds are in
 * lowp_scalar.h; the list is lowp.inc. Compiled like every scalar file:
 * no vector ISA flags, no contraction into FMA. */
#include <math.h>

#include "lowp.h"
#include "lowp_scalar.h"

static inline double rd_bf16(double v)
{
	return smx_bf16_to_float(smx_bf16_from_double(v));
}

static inline double rd_f16(double v)
{
	return smx_f16_to_float(smx_f16_from_double(v));
}

#define FMT bf16
#define UP smx_bf16_to_float
#define DN32 smx_bf16_from_float
#define DND smx_bf16_from_double
#define RD rd_bf16
#include "lowp_scalar.inc"
#undef FMT
#undef UP
#undef DN32
#undef DND
#undef RD

#define FMT f16
#define UP smx_f16_to_float
#define DN32 smx_f16_from_float
#define DND smx_f16_from_double
#define RD rd_f16
#include "lowp_scalar.inc"
#undef FMT
#undef UP
#undef DN32
#undef DND
#undef RD

static inline float in_at(const void *x, int in_bf16, size_t i)
{
	return in_bf16 ? smx_bf16_to_float(((const uint16_t *)x)[i]) : ((const float *)x)[i];
}

static inline uint8_t to_fp8(float v, enum smx_lowp_fmt out)
{
	return out == SMX_LOWP_E4M3 ? smx_e4m3_from_float(v) : smx_e5m2_from_float(v);
}

void smx_lowp_softmax_fp8(const void *x, int in_bf16, uint8_t *y, float *descale, size_t rows,
			  size_t n, enum smx_lowp_fmt out, float scale)
{
	const float fmax = out == SMX_LOWP_E4M3 ? (float)SMX_E4M3_MAX : (float)SMX_E5M2_MAX;
	const size_t esz = in_bf16 ? sizeof(uint16_t) : sizeof(float);
	for (size_t r = 0; r < rows; r++, x = (const char *)x + n * esz, y += n) {
		float m = -INFINITY;
		for (size_t i = 0; i < n; i++)
			if (in_at(x, in_bf16, i) > m)
				m = in_at(x, in_bf16, i);
		float sum = 0;
		for (size_t i = 0; i < n; i++)
			sum += expf(in_at(x, in_bf16, i) - m);
		if (scale == 0) {
			/* max_i p_i = 1/sum, so p_i S = fmax exp(x_i - max): the
			 * largest output is fmax itself and no output waits for
			 * the sum. Only the descale needs it. */
			for (size_t i = 0; i < n; i++)
				y[i] = to_fp8(fmax * expf(in_at(x, in_bf16, i) - m), out);
			if (descale)
				descale[r] = 1 / (fmax * sum);
		} else {
			const float inv = 1 / sum;
			for (size_t i = 0; i < n; i++)
				y[i] = to_fp8(expf(in_at(x, in_bf16, i) - m) * inv * scale, out);
			if (descale)
				descale[r] = 1 / scale;
		}
	}
}

#define LOWP_FP8(in, in_bf16, out, OUT)                                                            \
	void smx_softmax_##in##_shifted_##out##_amax__scalar(const smx_lowp_##in##_t *x,           \
							     uint8_t *y, size_t rows, size_t n)    \
	{                                                                                          \
		smx_lowp_softmax_fp8(x, in_bf16, y, NULL, rows, n, OUT, 0);                        \
	}                                                                                          \
	void smx_softmax_##in##_shifted_##out##_s1__scalar(const smx_lowp_##in##_t *x, uint8_t *y, \
							   size_t rows, size_t n)                  \
	{                                                                                          \
		smx_lowp_softmax_fp8(x, in_bf16, y, NULL, rows, n, OUT, 1);                        \
	}
LOWP_FP8(f32, 0, e4m3, SMX_LOWP_E4M3)
LOWP_FP8(f32, 0, e5m2, SMX_LOWP_E5M2)
LOWP_FP8(bf16, 1, e4m3, SMX_LOWP_E4M3)
LOWP_FP8(bf16, 1, e5m2, SMX_LOWP_E5M2)
#undef LOWP_FP8

int smx_lowp_bound_is_ulp(enum smx_lowp_bound b)
{
	return b <= SMX_LB_FP8_AMAX || b == SMX_LB_LOGSOFTMAX_ACC32;
}

/* The formulas of lowp_scalar.h, term for term. */
double smx_lowp_bound(enum smx_lowp_bound b, enum smx_lowp_fmt out, size_t n, double d, double dmax,
		      double xmax, double y)
{
	static const double us[] = {0x1p-8, 0x1p-11, 0x1p-4, 0x1p-3};
	static const double lams[] = {0x1p-133, 0x1p-24, 0x1p-9, 0x1p-16};
	const double u = us[out], lam = lams[out], up = u + 0x1p-51, u32 = 0x1p-24;
	const double nn = (double)n, n1 = n ? nn - 1 : 0;
	const double grow = pow(1 - u, -n1); /* n - 1 rounded additions of positives */
	const double under = 1 + nn * lam / 2;
	const double ay = fabs(y), my = fmax(1, ay);
	double rho;
	switch (b) {
	case SMX_LB_SOFTMAX_ACC16:
		rho = (1 + u) * (1 + up) * exp(u * (d + dmax)) * under * grow - 1;
		return rho / u + 1;
	case SMX_LB_SOFTMAX_NAIVE16:
		rho = (1 + u) * (1 + up) * grow - 1;
		return rho / u + 1;
	case SMX_LB_SOFTMAX_ACC32:
	case SMX_LB_FP8_S1:
		/* plus the f32 kernel's subnormal ulps, in the output's */
		rho = 2 * u32 * (7 + nn + d + dmax) / u + (7 + nn + d + dmax) * 0x1p-149 / lam;
		return (rho <= 0.5 ? 0.5 : 1) + rho;
	case SMX_LB_FP8_AMAX:
		rho = ((1 + u32) * (1 + 2 * u32) * exp(u32 * d) - 1) / u;
		return (rho <= 0.5 ? 0.5 : 1) + rho;
	case SMX_LB_LOGSOFTMAX_ACC16:
		rho = (1 + up) * exp(u * dmax) * under * grow - 1;
		return (1 + u) * (2 + 0x1p-40 + log1p(rho) * (1 + up) / u) + 1;
	case SMX_LB_LOGSOFTMAX_NAIVE16:
		rho = (1 + up) * grow - 1;
		return (1 + u) * (log1p(rho) * (1 + up) / u + (1 + 0x1p-40) * (xmax + ay) / my) + 1;
	case SMX_LB_LOGSOFTMAX_ACC32:
		rho = 2 * u32 * (6 + nn + dmax) / u + (6 + nn + dmax) * 0x1p-149 / lam;
		return (rho <= 0.5 ? 0.5 : 1) + rho;
	case SMX_LB_LSE_ACC16:
		rho = (1 + up) * exp(u * dmax) * under * grow - 1;
		return 1 + (1 + u) * (log1p(rho) * (1 + up) / u +
				      (1 + 0x1p-40) * (log(fmax(nn, 1)) + log1p(rho)));
	case SMX_LB_LSE_NAIVE16:
		rho = (1 + up) * grow - 1;
		return 1 + 0x1p-40 + log1p(rho) * (1 + up) * (1 + 1 / u);
	case SMX_LB_LSE_ACC32:
		rho = (1 + 2 * u32) * exp(u32 * dmax) * pow(1 + u32, nn) - 1;
		return 1 + (1 + u) *
			       (log1p(rho) + 2 * u32 * (log(fmax(nn, 1)) + rho) + u32 * (ay + 1)) /
			       (u * my);
	case SMX_LB_LSE_NAIVE32:
		rho = (1 + 2 * u32) * pow(1 + u32, n1) - 1;
		return 1 + (1 + u) * (log1p(rho) + 2 * u32 * (ay + rho)) / (u * my);
	case SMX_LB_LSE_VEC2:
	case SMX_LB_LSE_VEC512:
		return 1 + (1 + u) * ((b == SMX_LB_LSE_VEC2 ? 23.47 : 16.47) + dmax) * u32 / u;
	}
	return INFINITY;
}
