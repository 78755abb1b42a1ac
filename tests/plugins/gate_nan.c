/* Planted bug: a tail bug that reads one element too far on rows with
 * n % 8 == 1 and turns the last output into NaN (0/0). accuracy must exit
 * 1; n = 9 and 17 are in its default sweep. */
#include "gate_softmax.h"

static void softmax(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		gate_softmax_row(x, y, n);
		if (n > 1 && n % 8 == 1) {
			volatile float zero = 0;
			y[n - 1] = zero / zero;
		}
	}
}

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax", .dtype = "f32", .name = "gatenan/scalar", .f32 = softmax, .bound = 4096},
};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
