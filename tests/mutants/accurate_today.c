/* Planted bug: the accurate softmax (f32, f64) as it stood at commit
 * 4e9f3c1, with its claim of 2.5 ulp. The derivation left out the error
 * the sum inherits from the other rounded terms: 0, then 3948 copies of
 * -0x1.4d278p+2, then -0x1.4cb302p+2 gives 3.03 ulp (f32).
 * Caught by: smx hunt (many copies of a value, outputs just below a power
 * of 2). */
#include <float.h>
#include <math.h>

#include "smx_plugin.h"
#include "vec_avx2.h"

#define TODAY_ACCURATE
#include "today_types.inc"

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax",
     .dtype = "f32",
     .name = "accurate_today/avx2",
     .note = "planted bug: claim 2.5 ulp is false",
     .f32 = vf32_accurate,
     .bound = 2.5},
    {.op = "softmax",
     .dtype = "f64",
     .name = "accurate_today/avx2",
     .note = "planted bug: claim 2.5 ulp is false",
     .f64 = vf64_accurate,
     .bound = 2.5},
};

const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 2, impls};
