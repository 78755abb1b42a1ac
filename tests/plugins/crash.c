/* Test plug-in: a softmax that dereferences a null pointer. */
#include <stddef.h>

#include "smx_plugin.h"

static void crash(const float *x, float *y, size_t rows, size_t n)
{
	volatile float *p = NULL;
	(void)x;
	(void)rows;
	for (size_t i = 0; i < n; i++)
		y[i] = *p;
}

static const struct smx_plugin_impl impls[] = {{.op = "softmax", .dtype = "f32", .name = "crash/scalar", .f32 = crash}};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
