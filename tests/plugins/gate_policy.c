/* Planted bug: a policy lie. It declares "safe softmax" (an all -inf row
 * gives zeros) but computes exp(-inf - -inf) = NaN there. overflow must exit
 * 1, and an edge line in a baseline must fail. */
static float forward_sum(const float *e, unsigned long n)
{
	float s = 0;
	for (unsigned long i = 0; i < n; i++)
		s += e[i];
	return s;
}
#define GATE_SUM forward_sum
#include "gate_softmax.h"

static void softmax(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++)
		gate_softmax_row(x + r * n, y + r * n, n);
}

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax",
     .dtype = "f32",
     .name = "gatelie/scalar",
     .f32 = softmax,
     .all_neginf = "zero",
     .bound = 4096},
};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
