/* Cross-entropy plug-ins (op xent): a correct loss, and a planted bug that
 * reads the logit one past the target (a class-index off-by-one). The
 * targets are the second input, row r's class index at t[r * n]. accuracy
 * --op xent must pass the first and exit 1 on the second. */
#include <math.h>

#include "smx_plugin.h"

static float row_loss(const float *x, size_t n, size_t t)
{
	double m = -INFINITY, s = 0;
	for (size_t i = 0; i < n; i++)
		m = x[i] > m ? x[i] : m;
	for (size_t i = 0; i < n; i++)
		s += exp((double)x[i] - m);
	return (float)(m + log(s) - x[t]);
}

static void loss(const float *x, const float *t, float *out, size_t rows, size_t n, int off)
{
	for (size_t r = 0; r < rows; r++, x += n) {
		float v = t[r * n];
		if (v == -100) {
			out[r] = 0;
			continue;
		}
		size_t k = (size_t)v;
		out[r] = row_loss(x, n, off && k + 1 < n ? k + 1 : k);
	}
}

static void ok(const float *x, const float *t, float *out, size_t rows, size_t n)
{
	loss(x, t, out, rows, n, 0);
}

static void offbyone(const float *x, const float *t, float *out, size_t rows, size_t n)
{
	loss(x, t, out, rows, n, 1);
}

static const struct smx_plugin_impl impls[] = {
    {.op = "xent", .dtype = "f32", .name = "xentok/scalar", .f32_2 = ok, .bound = 4096},
    {.op = "xent", .dtype = "f32", .name = "xentoff/scalar", .f32_2 = offbyone, .bound = 4096},
};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 2, impls};
