/* Declarations of every built-in kernel, expanded from impls.inc. */
#ifndef SMX_IMPLS_H
#define SMX_IMPLS_H

#include "smx.h"

/* The blocked kernels' block: x and y of a block stay in a 32 KiB L1
 * (softmax_simd.inc); the edge catalogue masks a whole first block. */
#define SMX_BLOCK_BYTES 16384

#define SMX_T_f32 float
#define SMX_T_f64 double
/* Signatures by op: one input, or two. */
#define SMX_SIG_softmax(T) (const T *x, T *y, size_t rows, size_t n)
#define SMX_SIG_logsoftmax(T) (const T *x, T *y, size_t rows, size_t n)
#define SMX_SIG_jacobian(T) (const T *s, T *jac, size_t rows, size_t n)
#define SMX_SIG_vjp(T) (const T *s, const T *g, T *dx, size_t rows, size_t n)
#define SMX_SIG_jvp(T) (const T *s, const T *v, T *out, size_t rows, size_t n)
#define SMX_SIG_logsoftmax_vjp(T) (const T *y, const T *g, T *dx, size_t rows, size_t n)
#define SMX_SIG_logsoftmax_jvp(T) (const T *y, const T *v, T *dy, size_t rows, size_t n)
#define SMX_SIG_lse(T) (const T *x, T *y, size_t rows, size_t n) /* y: one per row */
#define SMX_SIG_xentloss(T) (const T *x, const T *t, T *loss, size_t rows, size_t n)
#define SMX_SIG_xentgrad(T) (const T *x, const T *t, T *grad, size_t rows, size_t n)
/* The registry's enum value and function-pointer member of each op. */
#define SMX_OP_softmax_ SMX_OP_SOFTMAX
#define SMX_OP_logsoftmax_ SMX_OP_LOGSOFTMAX
#define SMX_OP_jacobian_ SMX_OP_JACOBIAN
#define SMX_OP_vjp_ SMX_OP_VJP
#define SMX_OP_jvp_ SMX_OP_JVP
#define SMX_OP_logsoftmax_vjp_ SMX_OP_LOGSOFTMAX_VJP
#define SMX_OP_logsoftmax_jvp_ SMX_OP_LOGSOFTMAX_JVP
#define SMX_OP_lse_ SMX_OP_LSE
#define SMX_OP_xentloss_ SMX_OP_XENT
#define SMX_OP_xentgrad_ SMX_OP_XENT_FUSED
#define SMX_FIELD(op) SMX_FIELD_##op
#define SMX_FIELD_softmax fn
#define SMX_FIELD_logsoftmax fn
#define SMX_FIELD_jacobian fn
#define SMX_FIELD_vjp fn2
#define SMX_FIELD_jvp fn2
#define SMX_FIELD_logsoftmax_vjp fn2
#define SMX_FIELD_logsoftmax_jvp fn2
#define SMX_FIELD_lse fn
#define SMX_FIELD_xentloss fn2
#define SMX_FIELD_xentgrad fn2
#define SMX_IMPL(op, dt, algo, isa, ...)                                                           \
	void smx_##op##_##dt##_##algo##__##isa SMX_SIG_##op(SMX_T_##dt);
#include "impls.inc"
#undef SMX_IMPL

/* The vector exp layers (vec_math.inc), one per ISA and dtype:
 * X(dtype, isa, cpu) for each. */
#define SMX_EXP_LAYERS(X)                                                                          \
	X(f32, avx2, SMX_CPU_AVX2)                                                                 \
	X(f64, avx2, SMX_CPU_AVX2)                                                                 \
	X(f32, avx512, SMX_CPU_AVX512)                                                             \
	X(f64, avx512, SMX_CPU_AVX512)
#define SMX_EXP_DECL(dt, isa, cpu)                                                                 \
	void smx_exp_##dt##__##isa(const SMX_T_##dt *x, SMX_T_##dt *y, size_t n);
SMX_EXP_LAYERS(SMX_EXP_DECL)
#undef SMX_EXP_DECL

/* The vector log1p (vec_log.inc, double lanes), one per ISA:
 * X(isa, cpu) for each. */
#define SMX_LOG1P_LAYERS(X)                                                                        \
	X(avx2, SMX_CPU_AVX2)                                                                      \
	X(avx512, SMX_CPU_AVX512)
#define SMX_LOG1P_DECL(isa, cpu) void smx_log1p_f64__##isa(const double *x, double *y, size_t n);
SMX_LOG1P_LAYERS(SMX_LOG1P_DECL)
#undef SMX_LOG1P_DECL

#endif
