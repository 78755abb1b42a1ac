/* The log-sum-exp and cross-entropy kernels (smx_xent.h) with the bounds
 * their files derive (xent_scalar.c, xent_simd.inc). */
#include <math.h>

#include "smx_xent.h"

/* One family of one algorithm on one ISA and dtype. */
#define XE(fam, field, fn, DT, algo, isa, cpu, b)                                                  \
	{                                                                                          \
#algo "/" #isa, SMX_XENT_##fam, SMX_##DT, cpu, {.field = fn }, b                   \
	}
/* Its loss families, and all three. */
#define XK_LOSS(DT, dt, T, algo, isa, cpu, b)                                                      \
	XE(LOSS, xent##T, smx_xent_##dt##_##algo##__##isa, DT, algo, isa, cpu, b),                 \
	    XE(FUSED, xent##T, smx_xent_fused_##dt##_##algo##__##isa, DT, algo, isa, cpu, b)
#define XK(DT, dt, T, algo, isa, cpu, b)                                                           \
	XE(LSE, lse##T, smx_lse_##dt##_##algo##__##isa, DT, algo, isa, cpu, b),                    \
	    XK_LOSS(DT, dt, T, algo, isa, cpu, b)

/* The claims, {lse}, {loss}, {grad}, each c0, cn, cl, cd, cm; t0 is T's
 * own error (xent_simd.inc). The scalar lse is the registry's. */
static const struct smx_xent_bound scalar_b = {{0}, {6, 1, 0, 0, 1}, {6, 1, 3, 2, 1}};
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
			t0 + 5, tn, 5, 2, tm                                                       \
		}                                                                                  \
	}
#define ONLINE_TN (4.0 / 512) /* four u per rescale, one per chunk of 512 */
static const struct smx_xent_bound f32_avx2_b = F32_B(21.46), f32_avx512_b = F32_B(14.46);
static const struct smx_xent_bound acc_b = {
    {1.01, 0, 0, 0, 0}, {0.51, 0, 0, 0, 0}, {1.01, 0, 0, 0, 0}};
static const struct smx_xent_bound f64_avx2_b = F64_B(39.32, 0, 1),
				   f64_avx2_online_b = F64_B(43.32, ONLINE_TN, 2),
				   f64_avx512_b = F64_B(24.32, 0, 1),
				   f64_avx512_online_b = F64_B(28.32, ONLINE_TN, 2);

static const struct smx_xent_kernel kernels[] = {
    XK_LOSS(F32, f32, 32, shifted, scalar, 0, &scalar_b),
    XK_LOSS(F64, f64, 64, shifted, scalar, 0, &scalar_b),
    XK(F32, f32, 32, shifted, avx2, SMX_CPU_AVX2, &f32_avx2_b),
    XK(F32, f32, 32, online, avx2, SMX_CPU_AVX2, &f32_avx2_b),
    XK(F32, f32, 32, accurate, avx2, SMX_CPU_AVX2, &acc_b),
    XK(F64, f64, 64, shifted, avx2, SMX_CPU_AVX2, &f64_avx2_b),
    XK(F64, f64, 64, online, avx2, SMX_CPU_AVX2, &f64_avx2_online_b),
    XK(F32, f32, 32, shifted, avx512, SMX_CPU_AVX512, &f32_avx512_b),
    XK(F32, f32, 32, online, avx512, SMX_CPU_AVX512, &f32_avx512_b),
    XK(F32, f32, 32, accurate, avx512, SMX_CPU_AVX512, &acc_b),
    XK(F64, f64, 64, shifted, avx512, SMX_CPU_AVX512, &f64_avx512_b),
    XK(F64, f64, 64, online, avx512, SMX_CPU_AVX512, &f64_avx512_online_b),
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
