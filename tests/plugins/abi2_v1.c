/* Test plug-in: an ABI 2 entry built before the recipe field existed (its
 * size ends at the variant fields): it loads, with the dtype throughout. */
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

static const struct smx_plugin_entry e[] = {
    {SMX_ENTRY_SIZE_V1, .op = "softmax", .dtype = "f32", .name = "older/scalar", .f32 = softmax}};
const struct smx_plugin2 smx_plugin = {SMX_PLUGIN_ABI_2, 1, e};
