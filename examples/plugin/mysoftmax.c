/* A user's softmax, brought to smx as a plug-in: f32 rows, max-shifted,
 * the exponentials summed in double. Build it (Makefile beside this file),
 * then compare it with the known strategies and gate it in CI:
 *
 *   smx --plugin ./libmysoftmax.so list
 *   smx --plugin ./libmysoftmax.so accuracy --op softmax --dtype f32
 *   smx --plugin ./libmysoftmax.so perf --impl mine/scalar,shifted/avx2,best
 *   smx --plugin ./libmysoftmax.so check --baseline mysoftmax-baseline.txt
 */
#include <math.h>

#include "smx_plugin.h"

static void my_softmax(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		float m = -INFINITY;
		for (size_t i = 0; i < n; i++)
			m = x[i] > m ? x[i] : m;
		double sum = 0;
		for (size_t i = 0; i < n; i++)
			sum += exp((double)x[i] - m);
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp((double)x[i] - m) / sum);
	}
}

/* Its backward pass: dx = s (g - <g, s>), the dot in double. */
static void my_vjp(const float *s, const float *g, float *dx, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, s += n, g += n, dx += n) {
		double dot = 0;
		for (size_t i = 0; i < n; i++)
			dot += (double)s[i] * g[i];
		for (size_t i = 0; i < n; i++)
			dx[i] = (float)(s[i] * (g[i] - dot));
	}
}

static const struct smx_plugin_impl impls[] = {
	{.op = "softmax", .dtype = "f32", .name = "mine/scalar", .note = "shifted, double sum",
	 .f32 = my_softmax, .bound = 2},
	{.op = "vjp", .dtype = "f32", .name = "mine/scalar", .note = "dot in double", .f32_2 = my_vjp,
	 .bound = 3},
};

const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, sizeof impls / sizeof impls[0], impls};
