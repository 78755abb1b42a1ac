/* Correct control: the same softmax as gate_forward, summed from the last
 * entry to the first. Another order is not a regression: check must pass
 * it against gate_forward's baseline. */
static float reverse_sum(const float *e, unsigned long n)
{
	float s = 0;
	for (unsigned long i = n; i-- > 0;)
		s += e[i];
	return s;
}
#define GATE_SUM reverse_sum
#include "gate_softmax.h"

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax", .dtype = "f32", .name = "gate/scalar", .f32 = gate_softmax, .bound = 4096},
};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
