/* Test plug-in: an ABI 2 softmax claiming a bound of the backward ops'
 * kind ("cond"). */
#include "smx_plugin.h"

static void nothing(const float *x, float *y, size_t rows, size_t n)
{
	(void)x;
	(void)y;
	(void)rows;
	(void)n;
}

static const struct smx_plugin_entry e[] = {{SMX_ENTRY_SIZE, .op = "softmax", .dtype = "f32",
					     .name = "kind/scalar", .f32 = nothing,
					     .bound = {.kind = "cond", .c0 = 1}}};
const struct smx_plugin2 smx_plugin = {SMX_PLUGIN_ABI_2, 1, e};
