/* Planted bug for the edge profiles: an online softmax over blocks of 8
 * whose running max, when a whole block is -inf, is set to 0 to dodge
 * exp(-inf - -inf), the guard behind flash-attention #2082. Terms far below
 * 0 after a masked first block then underflow, and the row is 0/0. On
 * every other row it does what the pytorch profile expects, so
 * `smx overflow --profile pytorch` must fail it on the first-block rows
 * alone. Its twin skips masked blocks with the max left at -inf, and
 * matches the profile. exp and the sums run in double: the outputs are
 * within an ulp wherever the max is right. */
#include <math.h>

#include "smx_plugin.h"

static void row(const float *x, float *y, size_t n, int stuck)
{
	double m = -INFINITY, s = 0;
	for (size_t a = 0; a < n; a += 8) {
		size_t b = a + 8 < n ? a + 8 : n;
		double mb = -INFINITY, t = 0;
		for (size_t i = a; i < b; i++)
			mb = x[i] > mb ? x[i] : mb;
		double mn = mb > m ? mb : m;
		if (mn == -INFINITY) {
			if (!stuck)
				continue;
			mn = 0;
		}
		for (size_t i = a; i < b; i++)
			t += exp((double)x[i] - mn);
		s = s * exp(m - mn) + t;
		m = mn;
	}
	for (size_t i = 0; i < n; i++)
		y[i] = (float)(exp((double)x[i] - m) / s);
}

static void stuck(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++)
		row(x + r * n, y + r * n, n, 1);
}

static void skip(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++)
		row(x + r * n, y + r * n, n, 0);
}

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax", .dtype = "f32", .name = "stuck/scalar", .f32 = stuck},
    {.op = "softmax", .dtype = "f32", .name = "skip/scalar", .f32 = skip},
};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 2, impls};
