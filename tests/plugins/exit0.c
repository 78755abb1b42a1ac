/* Test plug-in: a softmax that ends the process with status 0. */
#include <stdlib.h>

#include "smx_plugin.h"

static void quit(const float *x, float *y, size_t rows, size_t n)
{
	(void)x;
	(void)y;
	(void)rows;
	(void)n;
	exit(0);
}

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax", .dtype = "f32", .name = "exit/scalar", .f32 = quit}};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
