/* Correct control: the same softmax as gate_forward with a compensated
 * (Kahan) sum. More accurate is not a regression: check must pass it
 * against gate_forward's baseline. */
static float kahan_sum(const float *e, unsigned long n)
{
	volatile float s = 0, c = 0; /* volatile: the compensation must survive */
	for (unsigned long i = 0; i < n; i++) {
		float t = e[i] - c;
		float u = s + t;
		c = (u - s) - t;
		s = u;
	}
	return s;
}
#define GATE_SUM kahan_sum
#include "gate_softmax.h"

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax", .dtype = "f32", .name = "gate/scalar", .f32 = gate_softmax, .bound = 4096},
};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
