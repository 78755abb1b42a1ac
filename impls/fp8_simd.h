/* The vector f32 to fp8 conversion of the fp8-output kernels
 * (fp8_simd.inc), over an array: y[i] = the E4M3 (e5m2 = 0) or E5M2
 * (e5m2 = 1) pattern of x[i], rounded once to nearest even, subnormals
 * kept, E4M3 saturating to +-448, E5M2 overflowing to inf, NaN kept; the
 * same bits as smx_e4m3_from_float and smx_e5m2_from_float (impls/lowp.h).
 * Each needs its ISA (smx_cpu_features). */
#ifndef SMX_FP8_SIMD_H
#define SMX_FP8_SIMD_H

#include <stddef.h>
#include <stdint.h>

void smx_fp8_from_f32__avx2(const float *x, uint8_t *y, size_t n, int e5m2);
void smx_fp8_from_f32__avx512(const float *x, uint8_t *y, size_t n, int e5m2);

#endif
