/* Test plug-in: a softmax that crashes on its third call in a process. */
#include <math.h>

#include "smx_plugin.h"

static int calls;

static void third(const float *x, float *y, size_t rows, size_t n)
{
	if (++calls == 3)
		*(volatile int *)0 = 1;
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		float m = -INFINITY;
		double sum = 0;
		for (size_t i = 0; i < n; i++)
			m = x[i] > m ? x[i] : m;
		for (size_t i = 0; i < n; i++)
			sum += exp((double)x[i] - m);
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp((double)x[i] - m) / sum);
	}
}

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax", .dtype = "f32", .name = "third/scalar", .f32 = third}};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
