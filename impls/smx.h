/* smx: softmax examined. Public types and the implementation registry.
 *
 * Every implementation under test, built in or loaded at run time, is one
 * struct smx_impl in one table; the harness, the tests and the reports
 * iterate that table and keep no list of their own. */
#ifndef SMX_H
#define SMX_H

#include <stddef.h>
#include <stdint.h>

#include "smx_variant.h"
#include "smx_xent_params.h"

/* Forward: softmax, log-softmax (x -> y, n -> n). Jacobian: s -> the n x n
 * matrix diag(s) - s s^T, row-major. Backward: vjp dx = J^T g = s (g -
 * <g, s>) and jvp J v (the same product, J being symmetric) from (s, g);
 * logsoftmax_vjp dx = g - exp(y) sum(g) and logsoftmax_jvp dy = v - <exp(y),
 * v> from (y, g) and (y, v). lse: log(sum(exp(x)))
 * of each row, one value a row. xent: the cross-entropy loss of each row
 * against a class target (one value a row); xent_fused: the gradient row
 * of that loss, from the fused loss-and-gradient kernel (impls/smx_xent.h;
 * the targets travel as the second input, one class index at the head of
 * each row, exact in every input format for n < 2^24). */
typedef enum {
	SMX_OP_SOFTMAX,
	SMX_OP_LOGSOFTMAX,
	SMX_OP_JACOBIAN,
	SMX_OP_VJP,
	SMX_OP_JVP,
	SMX_OP_LOGSOFTMAX_VJP,
	SMX_OP_LOGSOFTMAX_JVP,
	SMX_OP_LSE,
	SMX_OP_XENT,
	SMX_OP_XENT_FUSED,
	SMX_OP_COUNT
} smx_op;
/* Number formats (impls/dtype.h has one row each): f32, f64, bf16 and f16
 * store inputs; e4m3 and e5m2 (OCP 8-bit floats) are output formats. */
typedef enum { SMX_F32, SMX_F64, SMX_BF16, SMX_F16, SMX_E4M3, SMX_E5M2, SMX_DTYPE_COUNT } smx_dtype;

/* Row-wise kernels: rows of n contiguous elements. One input (forward ops
 * and the Jacobian; y == x allowed for the forward ops) or two (backward
 * ops; out may be either input). */
typedef void (*smx_fn_f32)(const float *x, float *y, size_t rows, size_t n);
typedef void (*smx_fn_f64)(const double *x, double *y, size_t rows, size_t n);
typedef void (*smx_fn2_f32)(const float *a, const float *b, float *out, size_t rows, size_t n);
typedef void (*smx_fn2_f64)(const double *a, const double *b, double *out, size_t rows, size_t n);
/* 16-bit storage (bf16, f16): bit patterns in and out. */
typedef void (*smx_fn_u16)(const uint16_t *x, uint16_t *y, size_t rows, size_t n);

/* CPU features an entry needs (bit mask). */
enum {
	SMX_CPU_AVX2 = 1u << 0,	  /* with FMA */
	SMX_CPU_AVX512 = 1u << 1, /* F + DQ + VL + BW */
};

/* What an entry does with rows the reals do not answer well. */
typedef enum {
	SMX_EDGE_NAN,	/* IEEE arithmetic: the whole row becomes NaN */
	SMX_EDGE_ZERO,	/* "safe softmax": an all -inf row gives zeros */
	SMX_EDGE_LIMIT, /* +inf entries share the mass (the reference's limit) */
} smx_edge;

struct smx_policy {
	smx_edge all_neginf; /* every entry -inf */
	smx_edge pos_inf;    /* one or more +inf entries */
	int overflows;	     /* finite rows can overflow (no max shift) */
};

/* Claimed error bound of component i of a row:
 *   c0 + cn * n + cd * |x_i - max| + cm * max_j |x_j - max|
 * in ulps of the exact value (kind ULP; ulp floored at the least
 * subnormal), in units of u * max(1, |y_i|) (kind ABS, for log-softmax
 * formulas that cancel), or in units of u times the component's condition
 * scale (kind COND, for the backward ops, where cancellation makes ulps
 * meaningless; see smx_cond_scale in harness/metrics.h). It holds for rows whose entries all lie
 * in [-domain, domain] (domain 0: every finite row).
 *
 * Where that linear form cannot hold the derived bound (the growth factors
 * (1 - u)^-(n-1) of sums in half precision), at evaluates it instead, from
 * the same arguments and the entry's family and fmt (impls/lowp_scalar.h);
 * form names it for `smx list`. */
typedef enum { SMX_BOUND_ULP, SMX_BOUND_ABS, SMX_BOUND_COND } smx_bound_kind;
struct smx_bound {
	smx_bound_kind kind;
	double c0, cn, cd, cm;
	double domain;
	double (*at)(const struct smx_bound *b, size_t n, double d, double dmax);
	int family, fmt;
	const char *form;
};

typedef enum { SMX_ORIGIN_BUILTIN, SMX_ORIGIN_PEER, SMX_ORIGIN_PLUGIN } smx_origin;

struct smx_impl {
	const char *name; /* "<algo>/<isa>", unique within (op, dtype) */
	const char *algo;
	const char *isa;
	smx_op op;
	smx_dtype dtype;
	union {
		smx_fn_f32 f32;
		smx_fn_f64 f64;
		smx_fn_u16 u16;
	} fn; /* one-input ops */
	union {
		smx_fn2_f32 f32;
		smx_fn2_f64 f64;
	} fn2;	      /* two-input ops */
	unsigned cpu; /* SMX_CPU_* bits needed */
	struct smx_policy policy;
	struct smx_bound bound;
	smx_origin origin;
	const char *note; /* one line for `smx list` */
	/* Precision recipe: the formats of storage in > compute and accumulate
	 * (exp included) > output, or in > compute > exp > output where exp
	 * runs in a format of its own, as dtype names ("bf16>f32>bf16"). NULL:
	 * the entry's dtype throughout. */
	const char *recipe;
	/* Plug-ins: the variants the entry applies itself (SMX_VARIANT_*) and
	 * the function that takes their parameters (harness/variant.h). */
	unsigned variants;
	union {
		smx_fnv_f32 f32;
		smx_fnv_f64 f64;
		smx_fnv_u16 u16;
	} fnv;
	/* Output format, as SMX_OUT_FMT(dtype); 0 (unset): the entry's dtype.
	 * Read it with smx_impl_out. */
	int out_fmt;
	/* The output is p S rounded to the output format, p the softmax: 0
	 * is S = 1, SMX_SCALE_AMAX is S = max_finite / max_i p_i of each row
	 * (amax scaling), any other value S itself. Measured against the
	 * exact p S rounded once (reference/ref_out.c). */
	double out_scale;
	/* Plug-ins of the xent ops: the function that takes the cross-entropy
	 * options (smx_xent_params.h); smx_impl_run calls it when set. */
	union {
		smx_fnx_f32 f32;
		smx_fnx_f64 f64;
	} fnx;
};
#define SMX_OUT_FMT(dt) ((int)(dt) + 1)
#define SMX_SCALE_AMAX (-1.0)

/* The entry's output format (its dtype unless out_fmt says otherwise). */
smx_dtype smx_impl_out(const struct smx_impl *im);

/* The registry: built-ins first, then peers found at build time, then
 * plug-ins added at run time. Stable order. */
size_t smx_registry_count(void);
const struct smx_impl *smx_registry_get(size_t i);
const struct smx_impl *smx_registry_find(smx_op op, smx_dtype dt, const char *name);
/* Add an entry (plug-ins, at start-up: pointers from smx_registry_get and
 * smx_registry_find taken before an add may move). 0, or -1 without
 * memory. */
int smx_registry_add(const struct smx_impl *im);

/* The preferred entry for (op, dtype) on this CPU: the most accurate
 * algorithm the op has ("accurate", else "shifted", "streamed",
 * "symmetric", "fused", "naive"), on the widest ISA the CPU runs. */
const struct smx_impl *smx_registry_best(smx_op op, smx_dtype dt);

unsigned smx_cpu_features(void);
int smx_impl_runnable(const struct smx_impl *im);

/* The entry's recipe in words ("f32>f32>f32" where it declares none). */
void smx_impl_recipe(const struct smx_impl *im, char *buf, size_t len);
/* 0 if s is a recipe (3 or 4 dtype names joined by '>') whose storage in
 * is dt; -1 if not. */
int smx_recipe_check(const char *s, smx_dtype dt);

/* Bound of component i, given |x_i - max| = d and max_j |x_j - max| = dmax. */
double smx_bound_at(const struct smx_bound *b, size_t n, double d, double dmax);

const char *smx_op_name(smx_op op);
const char *smx_dtype_name(smx_dtype dt);
const char *smx_edge_name(smx_edge e);
const char *smx_origin_name(smx_origin o);
int smx_op_parse(const char *s, smx_op *op);
int smx_dtype_parse(const char *s, smx_dtype *dt);
size_t smx_dtype_size(smx_dtype dt);

/* Inputs an op takes (1 or 2) and output elements per row (n or n^2). */
int smx_op_arity(smx_op op);
size_t smx_op_out_len(smx_op op, size_t n);
int smx_op_forward(smx_op op);

/* Run entry im on rows of n (element type per im->dtype); b is the second
 * input of two-input ops (ignored otherwise). */
void smx_impl_run(const struct smx_impl *im, const void *a, const void *b, void *out, size_t rows,
		  size_t n);

#endif
