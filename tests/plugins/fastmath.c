/* Test plug-in, built with -ffast-math: its start-up code (crtfastmath)
 * sets FTZ and DAZ for the whole process when it is loaded. */
#include <math.h>

#include "smx_plugin.h"

static void fast_softmax(const float *x, float *y, size_t rows, size_t n)
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

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax", .dtype = "f32", .name = "fast/scalar", .f32 = fast_softmax}};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
