/* SIMD log-softmax for AVX-512 (F, DQ, VL, BW): logsoftmax_simd.inc on
 * vec_avx512.h, for float and double. Compiled with -mavx512* (Makefile:
 * *_avx512.o). */
#include <float.h>
#include <math.h>

#include "smx_impls.h"
#include "vec_avx512.h"

#include "logsoftmax_simd_types.inc"
