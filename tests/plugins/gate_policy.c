/* Planted bug: a policy lie. It declares "safe softmax" (an all -inf row
 * gives zeros) but computes exp(-inf - -inf) = NaN there. overflow must exit
 * 1, and an edge line in a baseline must fail. */
#include "gate_softmax.h"

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax",
     .dtype = "f32",
     .name = "gatelie/scalar",
     .f32 = gate_softmax,
     .all_neginf = "zero",
     .bound = 4096},
};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
