/* Test plug-in: an entry of dtype bf16. The ABI has f32 and f64 kernels
 * only, so it must be refused, not called on 16-bit data through a slot of
 * another format. */
#include "smx_plugin.h"

static void wide(const double *x, double *y, size_t rows, size_t n)
{
	for (size_t i = 0; i < rows * n; i++)
		y[i] = x[i];
}

static const struct smx_plugin_entry e[] = {
    {SMX_ENTRY_SIZE, .op = "softmax", .dtype = "bf16", .name = "wide/scalar", .f64 = wide}};
const struct smx_plugin2 smx_plugin = {SMX_PLUGIN_ABI_2, 1, e};
