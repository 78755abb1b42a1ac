/* Test plug-in: a shifted softmax that declares the limit on +inf entries
 * (pos_inf "limit") but computes inf - inf = NaN there, like the plain
 * kernel. smx accuracy must fail it on a +inf row. */
#include <math.h>

#include "smx_plugin.h"

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

static const struct smx_plugin_entry e[] = {{SMX_ENTRY_SIZE, .op = "softmax", .dtype = "f32",
					     .name = "edge_limit_lie/scalar", .f32 = softmax,
					     .all_neginf = "nan", .pos_inf = "limit"}};
const struct smx_plugin2 smx_plugin = {SMX_PLUGIN_ABI_2, 1, e};
