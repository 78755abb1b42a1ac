/* Planted bug: the quotient x / T is rounded to bfloat16 before the
 * softmax (miles #1554: the division ran in bf16 before the upcast).
 * Caught by accuracy --temperature 0.7 in f32. */
#define VAR_TEMP(a, T) ((__typeof__(a))var_bf16((float)((a) / (T))))
#include "variant_softmax.h"
