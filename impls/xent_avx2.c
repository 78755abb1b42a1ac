/* SIMD log-sum-exp and cross-entropy for AVX2 + FMA: xent_simd.inc on
 * vec_avx2.h, for float and double. Compiled with -mavx2 -mfma (Makefile:
 * *_avx2.o). */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "smx_xent.h"
#include "vec_avx2.h"

#include "xent_simd_types.inc"
