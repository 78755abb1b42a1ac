/* The log-sum-exp and cross-entropy kernels (smx_xent.h) with the bounds
 * their files derive (xent_scalar.c, xent_simd.inc). */
#include <math.h>

#include "smx_xent.h"

/* One algorithm on one ISA and dtype: its three families, one bound. */
#define XK(DT, dt, T, algo, isa, cpu, b)                                                           \
	{#algo "/" #isa,                                                                           \
	 SMX_XENT_LSE,                                                                             \
	 SMX_##DT,                                                                                 \
	 cpu,                                                                                      \
	 {.lse##T = smx_lse_##dt##_##algo##__##isa},                                               \
	 b},                                                                                       \
	    {#algo "/" #isa,                                                                       \
	     SMX_XENT_LOSS,                                                                        \
	     SMX_##DT,                                                                             \
	     cpu,                                                                                  \
	     {.xent##T = smx_xent_##dt##_##algo##__##isa},                                         \
	     b},                                                                                   \
	{                                                                                          \
#algo "/" #isa, SMX_XENT_FUSED, SMX_##DT, cpu,                                     \
		    {.xent##T = smx_xent_fused_##dt##_##algo##__##isa }, b                         \
	}

/* {lse}, {loss}, {grad}: c0, cn, cl, cd, cm. */
#define SCALAR_B                                                                                   \
	{                                                                                          \
		{1, 1, 2, 0, 1}, {6, 1, 0, 0, 1},                                                  \
		{                                                                                  \
			6, 1, 3, 2, 1                                                              \
		}                                                                                  \
	}
#define F32_B(t0)                                                                                  \
	{                                                                                          \
		{t0 + 1.01, 0, 0, 0, 1}, {t0 + 1.01, 0, 0, 0, 1},                                  \
		{                                                                                  \
			t0 + 3.45, 0, 2, 2, 1                                                      \
		}                                                                                  \
	}
#define F64_B(t0, tn, tm)                                                                          \
	{                                                                                          \
		{t0 + 1, tn, 4, 0, tm}, {t0 + 6, tn, 0, 0, tm},                                    \
		{                                                                                  \
			t0 + 3.32, tn, 6, 2, tm                                                    \
		}                                                                                  \
	}
#define ACC_B                                                                                      \
	{                                                                                          \
		{1.01, 0, 0, 0, 0}, {0.51, 0, 0, 0, 0},                                            \
		{                                                                                  \
			1.01, 0, 0, 0, 0                                                           \
		}                                                                                  \
	}
#define ONLINE_TN (4.0 / 512) /* four u per rescale, one per chunk of 512 */

static const struct smx_xent_kernel kernels[] = {
    XK(F32, f32, 32, shifted, scalar, 0, SCALAR_B),
    XK(F64, f64, 64, shifted, scalar, 0, SCALAR_B),
    XK(F32, f32, 32, shifted, avx2, SMX_CPU_AVX2, F32_B(21.46)),
    XK(F32, f32, 32, online, avx2, SMX_CPU_AVX2, F32_B(21.46)),
    XK(F32, f32, 32, accurate, avx2, SMX_CPU_AVX2, ACC_B),
    XK(F64, f64, 64, shifted, avx2, SMX_CPU_AVX2, F64_B(39.32, 0, 1)),
    XK(F64, f64, 64, online, avx2, SMX_CPU_AVX2, F64_B(43.32, ONLINE_TN, 2)),
    XK(F32, f32, 32, shifted, avx512, SMX_CPU_AVX512, F32_B(14.46)),
    XK(F32, f32, 32, online, avx512, SMX_CPU_AVX512, F32_B(14.46)),
    XK(F32, f32, 32, accurate, avx512, SMX_CPU_AVX512, ACC_B),
    XK(F64, f64, 64, shifted, avx512, SMX_CPU_AVX512, F64_B(24.32, 0, 1)),
    XK(F64, f64, 64, online, avx512, SMX_CPU_AVX512, F64_B(28.32, ONLINE_TN, 2)),
};

size_t smx_xent_kernel_count(void)
{
	return sizeof kernels / sizeof kernels[0];
}

const struct smx_xent_kernel *smx_xent_kernel_get(size_t i)
{
	return i < smx_xent_kernel_count() ? &kernels[i] : NULL;
}

const char *smx_xent_family_name(smx_xent_family f)
{
	return f == SMX_XENT_LSE ? "lse" : f == SMX_XENT_LOSS ? "xent" : "xent_fused";
}

double smx_xent_coef_at(const struct smx_xent_coef *c, size_t n, double d, double dmax)
{
	return c->c0 + c->cn * (double)n + c->cl * log((double)(n ? n : 1)) + c->cd * d +
	       c->cm * dmax;
}
