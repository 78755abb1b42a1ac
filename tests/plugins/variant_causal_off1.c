/* Planted bug: the causal mask is off by one (a query does not see
 * itself: j >= q + K is masked). Caught by accuracy --mask causal:0. */
#define VAR_CAUSAL(j, q, k) ((long long)(j) >= (long long)(q) + (k))
#include "variant_softmax.h"
