/* Planted bug: the temperature is applied twice (x / T / T). Caught by
 * accuracy --temperature 2. */
#define VAR_TEMP(a, T) ((a) / (T) / (T))
#include "variant_softmax.h"
