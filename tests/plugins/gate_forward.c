/* The gate's reference plug-in: float sum in index order. Baselines made
 * from it must pass the correct controls (gate_reverse, gate_kahan) and
 * fail the within-claim regression (gate_worse). */
#include "gate_softmax.h"

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax", .dtype = "f32", .name = "gate/scalar", .f32 = gate_softmax, .bound = 4096},
};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
