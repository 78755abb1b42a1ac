/* Planted bug: the sink is left out of the max (llama.cpp #15152 added
 * sinks to soft_max; the max must include them). exp(sink - max) then
 * overflows once the sink exceeds every logit by 88.7 (f32): the rows come
 * out zero. Caught by accuracy --sink 92 in f32. */
#define VAR_SINK_IN_MAX 0
#include "variant_softmax.h"
