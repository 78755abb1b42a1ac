/* SIMD log-softmax for AVX2 + FMA: logsoftmax_simd.inc on vec_avx2.h, for
 * float and double. Compiled with -mavx2 -mfma (Makefile: *_avx2.o). */
#include <float.h>
#include <math.h>

#include "smx_impls.h"
#include "vec_avx2.h"

#include "logsoftmax_simd_types.inc"
