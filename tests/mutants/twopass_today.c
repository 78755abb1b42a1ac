/* Planted bug: the two-pass softmax (f32, f64) as it stood at commit
 * 4e9f3c1. Padding lanes of a short tail and -inf entries are clamped to
 * -SPLIT_BIG and add e^-SPLIT_BIG to the sum, which does not vanish when
 * the entries lie near the clamp: -999999 (x4) gives 0.18 per entry instead
 * of 0.25 on AVX2.
 * Claim (today's): 8 + n ulp for |x| <= 1e6 (f32) or 2^40 (f64). ABI 1
 * declares only the constant, so it is given to hunt in full:
 *   smx --plugin twopass_today.so hunt --impl twopass_today/avx2 \
 *       --dtype f32 --bound 8,1 --domain 1e6       (f64: --domain 0x1p40)
 * Caught by: smx hunt (entries at the claim's domain edge; tails). */
#include <float.h>
#include <math.h>

#include "smx_plugin.h"
#include "vec_avx2.h"

#define TODAY_TWOPASS
#include "today_types.inc"

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax",
     .dtype = "f32",
     .name = "twopass_today/avx2",
     .note = "planted bug: tail padding near the clamp",
     .f32 = vf32_twopass,
     .all_neginf = "zero",
     .pos_inf = "limit",
     .bound = 8},
    {.op = "softmax",
     .dtype = "f64",
     .name = "twopass_today/avx2",
     .note = "planted bug: tail padding near the clamp",
     .f64 = vf64_twopass,
     .all_neginf = "zero",
     .pos_inf = "limit",
     .bound = 8},
};

const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 2, impls};
