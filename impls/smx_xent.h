/* Log-sum-exp and cross-entropy kernels, and the list of them.
 *
 * Three kernel families, each per dtype (f32, f64) and ISA (scalar, avx2,
 * avx512; the scalar lse is lse_scalar.c's), named
 * smx_<family>_<dt>_<algo>__<isa>:
 *   lse:        out[r] = log(sum_j exp(x[r][j]));
 *   xent:       loss[r] per row, targets t[r] (int64 class indices);
 *   xent_fused: loss[r] and the gradient row grad[r][*] in one call.
 * The gradient is d loss[r] / d x[r][c] = softmax(x)_c - q_c, with q the
 * target distribution: q_c = (1 - eps) [c == t] + eps / n (PyTorch's label
 * smoothing). The loss is (1 - eps) (-log p_t) + eps mean_c (-log p_c)
 * = lse - (1 - eps) x_t - eps mean(x). Both are per row and unscaled:
 * a mean over the batch divides loss and gradient by the number of rows
 * that count, which is the caller's. A row whose target equals
 * ignore_index has loss 0 and gradient 0 (PyTorch's convention); any other
 * target outside [0, n) gives a NaN loss and a NaN gradient row (nothing
 * is read out of bounds). grad may be x (in place, as Liger-Kernel does).
 *
 * Names for the op table: `lse`, `xent` (the loss), `xent_fused` (loss and
 * gradient; the gradient alone is `xent_grad` to the metrics). Bounds are
 * derived in each kernel file's header (xent_simd.inc, xent_scalar.c);
 * struct smx_xent_kernel carries them. */
#ifndef SMX_XENT_H
#define SMX_XENT_H

#include <stddef.h>
#include <stdint.h>

#include "smx.h"

struct smx_xent_opts {
	double eps;	      /* label smoothing, in [0, 1] */
	int64_t ignore_index; /* PyTorch's default is -100 */
};

/* The options every xent and xent_fused entry runs with, process-wide
 * (xent_entries.c): set once at start-up from the command line (NULL puts
 * back the defaults, eps 0 and ignore index -100). Entries of an f32
 * dtype take eps rounded to float (smx_xent_eps), as does the reference. */
void smx_xent_params_set(const struct smx_xent_params *p);
const struct smx_xent_params *smx_xent_params_active(void);
int smx_xent_params_default(void);
double smx_xent_eps(smx_dtype dt);

typedef void (*smx_lse_fn_f32)(const float *x, float *out, size_t rows, size_t n);
typedef void (*smx_lse_fn_f64)(const double *x, double *out, size_t rows, size_t n);
/* grad is ignored (may be NULL) by the xent family. */
typedef void (*smx_xent_fn_f32)(const float *x, const int64_t *t, float *loss, float *grad,
				size_t rows, size_t n, const struct smx_xent_opts *o);
typedef void (*smx_xent_fn_f64)(const double *x, const int64_t *t, double *loss, double *grad,
				size_t rows, size_t n, const struct smx_xent_opts *o);

typedef enum { SMX_XENT_LSE, SMX_XENT_LOSS, SMX_XENT_FUSED } smx_xent_family;

/* Claimed errors. Each coefficient set gives
 *   B = c0 + cn n + cl ln(n) + cd |x_c - max| + cm dmax
 * with n the row length and dmax = max_j |x_j - max| over the entries
 * whose exp does not underflow (at most 104 in f32, 746 in f64); u =
 * 2^-24 (f32) or 2^-53 (f64):
 *   lse:  |error| <= B u max(1, |lse|);
 *   loss: |error| <= B ulp(loss);
 *   grad: |error_c| <= B u (p_c + q_c), p = softmax(x), q the target
 *         distribution; for the target entry when it holds the maximum and
 *         eps = 0, |error_t| <= B ulp(g_t) as well;
 * each plus n times half the least subnormal (terms whose exp is
 * subnormal; the ulp of 0 is the least subnormal). */
struct smx_xent_coef {
	double c0, cn, cl, cd, cm;
};
struct smx_xent_bound {
	struct smx_xent_coef lse, loss, grad;
};
double smx_xent_coef_at(const struct smx_xent_coef *c, size_t n, double d, double dmax);

struct smx_xent_kernel {
	const char *name; /* "<algo>/<isa>" within (family, dtype) */
	smx_xent_family family;
	smx_dtype dtype;
	unsigned cpu; /* SMX_CPU_* */
	union {
		smx_lse_fn_f32 lse32;
		smx_lse_fn_f64 lse64;
		smx_xent_fn_f32 xent32;
		smx_xent_fn_f64 xent64;
	} fn;
	const struct smx_xent_bound *bound;
};

/* Every kernel of this file, scalar first. */
size_t smx_xent_kernel_count(void);
const struct smx_xent_kernel *smx_xent_kernel_get(size_t i);
const char *smx_xent_family_name(smx_xent_family f);

#define SMX_XENT_DECL_LOSS(dt, T, algo, isa)                                                       \
	void smx_xent_##dt##_##algo##__##isa(const T *x, const int64_t *t, T *loss, T *grad,       \
					     size_t rows, size_t n,                                \
					     const struct smx_xent_opts *o);                       \
	void smx_xent_fused_##dt##_##algo##__##isa(const T *x, const int64_t *t, T *loss, T *grad, \
						   size_t rows, size_t n,                          \
						   const struct smx_xent_opts *o);
#define SMX_XENT_DECL(dt, T, algo, isa)                                                            \
	void smx_lse_##dt##_##algo##__##isa(const T *x, T *out, size_t rows, size_t n);            \
	SMX_XENT_DECL_LOSS(dt, T, algo, isa)
/* The scalar lse is the registry's (lse_scalar.c). */
SMX_XENT_DECL_LOSS(f32, float, shifted, scalar)
SMX_XENT_DECL_LOSS(f64, double, shifted, scalar)
SMX_XENT_DECL(f32, float, shifted, avx2)
SMX_XENT_DECL(f64, double, shifted, avx2)
SMX_XENT_DECL(f32, float, online, avx2)
SMX_XENT_DECL(f64, double, online, avx2)
SMX_XENT_DECL(f32, float, accurate, avx2)
SMX_XENT_DECL(f32, float, shifted, avx512)
SMX_XENT_DECL(f64, double, shifted, avx512)
SMX_XENT_DECL(f32, float, online, avx512)
SMX_XENT_DECL(f64, double, online, avx512)
SMX_XENT_DECL(f32, float, accurate, avx512)
#undef SMX_XENT_DECL
#undef SMX_XENT_DECL_LOSS

#endif
