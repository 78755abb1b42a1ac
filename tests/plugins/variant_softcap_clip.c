/* Planted bug: softcap as a hard clip to [-c, c] instead of c tanh(x / c).
 * Caught by accuracy --softcap 2. */
#define VAR_SOFTCAP(T, HP, TANH, a, c) ((a) > (T)(c) ? (T)(c) : (a) < -(T)(c) ? -(T)(c) : (a))
#include "variant_softmax.h"
