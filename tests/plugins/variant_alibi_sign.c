/* Planted bug: ALiBi's distance taken as query minus key (the bias grows
 * toward the past). Caught by accuracy --alibi 0.5. */
#define VAR_ALIBI_K(j, q) ((long long)(q) - (long long)(j))
#include "variant_softmax.h"
