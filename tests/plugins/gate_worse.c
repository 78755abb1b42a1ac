/* Planted bug: gate_forward's error made 10 times larger (its output moved
 * ten times as far from a double-precision softmax), still well inside the
 * 4096-ulp claim. Only the budgets can catch it: check must fail it
 * against gate_forward's baseline. */
#include "gate_softmax.h"

static void softmax(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		gate_softmax_row(x, y, n);
		double m = -INFINITY, sum = 0;
		for (size_t i = 0; i < n; i++)
			m = x[i] > m ? x[i] : m;
		for (size_t i = 0; i < n; i++)
			sum += exp((double)x[i] - m);
		for (size_t i = 0; i < n; i++) {
			double good = exp((double)x[i] - m) / sum;
			y[i] = (float)(good + 10 * ((double)y[i] - good));
		}
	}
}

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax", .dtype = "f32", .name = "gate/scalar", .f32 = softmax, .bound = 4096},
};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
