/* SIMD softmax for AVX2 + FMA: softmax_simd.inc on vec_avx2.h, for float
 * and double. Compiled with -mavx2 -mfma (Makefile: *_avx2.o). */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "smx_impls.h"
#include "vec_avx2.h"

#include "softmax_simd_types.inc"
