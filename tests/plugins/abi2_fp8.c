/* Test plug-in: softmax of f32 rows to E4M3 with amax scaling, q_i =
 * 448 exp(x_i - max) rounded to nearest-even, declared through ABI 2's
 * out_format and out_scale; beside it an entry of the size before those
 * fields (it loads, with the dtype throughout). With -DSMX_TEST_BAD_FP8=1
 * (abi2_fp8_bad.c) the output format is asked of a log-softmax and must be
 * refused.
 *
 * Claim of the e4m3 entry, in ulps of e4m3 (u = 2^-4) against the exact
 * 448 e^(x_i - max) rounded once: x_i - max (f32, relative u32 d_i with
 * u32 = 2^-24), expf (<= 1 ulp, 2 u32), the product by 448 (u32) give
 * rho = (1 + u32)(1 + 2 u32) e^(u32 d_i) - 1 <= (3 + d_i) u32 (1 + 2^-20)
 * for d_i <= 2^20, so rho/u <= (3.01 + 1.01 d_i) 2^-20 < 1/2 and the cast
 * adds half an ulp (impls/lowp_scalar.h, FP8_AMAX):
 *   0.5 + 3.01 2^-20 + 1.01 2^-20 d_i. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "smx_plugin.h"

#ifndef SMX_TEST_BAD_FP8
#define SMX_TEST_BAD_FP8 0
#endif

/* v >= 0 finite to E4M3 (bias 7, 3 mantissa bits), nearest-even,
 * saturating at 448: the plug-in's own conversion. */
static uint8_t to_e4m3(float v)
{
	if (!(v < 464)) /* 464: the midpoint past 448, and NaN */
		return v != v ? 0x7f : 0x7e;
	int e;
	frexpf(v, &e);			       /* v = f 2^e, f in [0.5, 1) */
	const int q = e - 4 < -9 ? -9 : e - 4; /* ulp exponent, floored at 2^-9 */
	float m = rintf(ldexpf(v, -q));	       /* nearest-even in the current mode */
	if (m == 0)
		return 0;
	int be = q + 3 + 7; /* biased exponent of m 2^q when m in [8, 16) */
	if (m >= 16) {
		m /= 2;
		be++;
	}
	if (m < 8) /* subnormal */
		return (uint8_t)m;
	return (uint8_t)(be << 3 | ((int)m - 8));
}

static void softmax_e4m3(const float *x, float *yf, size_t rows, size_t n)
{
	uint8_t *y = (uint8_t *)(void *)yf;
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		float m = -INFINITY;
		for (size_t i = 0; i < n; i++)
			m = x[i] > m ? x[i] : m;
		for (size_t i = 0; i < n; i++)
			y[i] = to_e4m3(448.0f * expf(x[i] - m));
	}
}

static void softmax(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		float m = -INFINITY, sum = 0;
		for (size_t i = 0; i < n; i++)
			m = x[i] > m ? x[i] : m;
		for (size_t i = 0; i < n; i++)
			sum += expf(x[i] - m);
		for (size_t i = 0; i < n; i++)
			y[i] = expf(x[i] - m) / sum;
	}
}

static const struct smx_plugin_entry e[] = {
    {SMX_ENTRY_SIZE, .op = SMX_TEST_BAD_FP8 ? "logsoftmax" : "softmax", .dtype = "f32",
     .name = "amax/e4m3", .f32 = softmax_e4m3, .out_format = "e4m3", .out_scale = SMX_SCALE_AMAX,
     .bound = {.c0 = 0.5 + 3.01 * 0x1p-20, .cd = 1.01 * 0x1p-20}},
};
static const struct smx_plugin_entry older[] = {
    {SMX_ENTRY_SIZE_V2, .op = "softmax", .dtype = "f32", .name = "older/v2", .f32 = softmax,
     .recipe = "f32>f32>f32"},
};

/* Two tables in one: the second entry is stepped to by its own size. */
static struct {
	struct smx_plugin_entry a;
	unsigned char b[SMX_ENTRY_SIZE_V2];
} both;

struct smx_plugin2 smx_plugin = {SMX_PLUGIN_ABI_2, 2, NULL};

__attribute__((constructor)) static void init(void)
{
	both.a = e[0];
	memcpy(both.b, &older[0], SMX_ENTRY_SIZE_V2);
	smx_plugin.entries = &both.a;
}
