/* SIMD log-sum-exp and cross-entropy for AVX-512 (F, DQ, VL, BW):
 * xent_simd.inc on vec_avx512.h, for float and double. Compiled with
 * -mavx512* (Makefile: *_avx512.o). */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "smx_xent.h"
#include "vec_avx512.h"

#include "xent_simd_types.inc"
