/* Planted bug: the sink's term never reaches the denominator (the plain
 * softmax is returned). Caught by accuracy --sink 0 and --plus-one. */
#define VAR_SINK_IN_SUM 0
#include "variant_softmax.h"
