/* Test plug-in: an op smx does not know. */
#include <stddef.h>

#include "smx_plugin.h"

static void f(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t i = 0; i < rows * n; i++)
		y[i] = x[i];
}

static const struct smx_plugin_impl impls[] = {{.op = "softplus", .dtype = "f32", .name = "f/scalar", .f32 = f}};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
