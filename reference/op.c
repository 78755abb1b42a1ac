/* The op table; see op.h. */
#include <math.h>
#include <string.h>

#include "op.h"
#include "ref_xent.h"
#include "smx_xent.h"

static void softmax_rows(smx_op op, smx_dtype dt, int from_x, const double *a, const double *g,
			 size_t rows, size_t n, struct smx_refval *out, int *status)
{
	(void)op, (void)from_x, (void)g;
	smx_ref_rows(SMX_REF_SOFTMAX, dt, a, rows, n, NULL, out, status);
}

static void logsoftmax_rows(smx_op op, smx_dtype dt, int from_x, const double *a, const double *g,
			    size_t rows, size_t n, struct smx_refval *out, int *status)
{
	(void)op, (void)from_x, (void)g;
	smx_ref_rows(SMX_REF_LOGSOFTMAX, dt, a, rows, n, NULL, out, status);
}

static int fwd_row(smx_op op, smx_dtype dt, int from_x, const double *a, const double *g, size_t n,
		   struct smx_refval *out)
{
	(void)from_x, (void)g;
	return smx_ref_row(op, dt, a, n, out);
}

static void lse_rows(smx_op op, smx_dtype dt, int from_x, const double *a, const double *g,
		     size_t rows, size_t n, struct smx_refval *out, int *status)
{
	(void)op, (void)from_x, (void)g;
	smx_ref_rows(SMX_REF_LSE, dt, a, rows, n, NULL, out, status);
}

static int lse_row(smx_op op, smx_dtype dt, int from_x, const double *a, const double *g, size_t n,
		   struct smx_refval *out)
{
	(void)op, (void)from_x, (void)g;
	return smx_ref_lse(dt, a, n, out);
}

/* Cross-entropy: g holds row r's target at g[r * n] (op.h); the options
 * in force (smx_xent.h), eps as the entries of dt take it. */
static int xent_row(smx_op op, smx_dtype dt, int from_x, const double *a, const double *g, size_t n,
		    struct smx_refval *out)
{
	(void)from_x;
	const int64_t ig = smx_xent_params_active()->ignore_index;
	const double eps = smx_xent_eps(dt);
	double v = g ? g[0] : NAN;
	if (!(v == (double)ig || (v >= 0 && v < (double)n && v == (double)(int64_t)v)))
		return SMX_REF_UNDEFINED;
	if (op == SMX_OP_XENT)
		return smx_ref_xent(dt, a, n, (int64_t)v, eps, ig, out, NULL);
	struct smx_refval loss;
	return smx_ref_xent(dt, a, n, (int64_t)v, eps, ig, &loss, out);
}

static void xent_rows(smx_op op, smx_dtype dt, int from_x, const double *a, const double *g,
		      size_t rows, size_t n, struct smx_refval *out, int *status)
{
	size_t olen = smx_op_out_len(op, n);
	long nr = (long)rows;
#pragma omp parallel for schedule(dynamic, 1) if (nr > 1)
	for (long r = 0; r < nr; r++)
		status[r] = xent_row(op, dt, from_x, a + (size_t)r * n,
				     g ? g + (size_t)r * n : NULL, n, out + (size_t)r * olen);
}

static const struct smx_op_info table[SMX_OP_COUNT] = {
    [SMX_OP_SOFTMAX] = {.name = "softmax",
			.arity = 1,
			.in = {SMX_ARG_X, SMX_ARG_NONE},
			.out = SMX_LEN_N,
			.forward = 1,
			.in_place = 1,
			.kind = SMX_BOUND_ULP,
			.kinds = 1u << SMX_BOUND_ULP | 1u << SMX_BOUND_ABS,
			.key = "sum_err_ulp",
			.sum = SMX_SUM_ONE,
			.bhh = 1,
			.sweep = 1,
			.zero_row = 1,
			.sweep_n_max = (size_t)-1,
			.hunt_n_max = 8193,
			.ref_rows = softmax_rows,
			.ref_row = fwd_row},
    [SMX_OP_LOGSOFTMAX] = {.name = "logsoftmax",
			   .arity = 1,
			   .in = {SMX_ARG_X, SMX_ARG_NONE},
			   .out = SMX_LEN_N,
			   .forward = 1,
			   .in_place = 1,
			   .kind = SMX_BOUND_ULP,
			   .kinds = 1u << SMX_BOUND_ULP | 1u << SMX_BOUND_ABS,
			   .key = "sum_err_ulp",
			   .sum = SMX_SUM_EXP,
			   .sweep = 1,
			   .sweep_n_max = (size_t)-1,
			   .hunt_n_max = 8193,
			   .ref_rows = logsoftmax_rows,
			   .ref_row = fwd_row},
    [SMX_OP_JACOBIAN] = {.name = "jacobian",
			 .arity = 1,
			 .in = {SMX_ARG_S, SMX_ARG_NONE},
			 .out = SMX_LEN_NN,
			 .kind = SMX_BOUND_ULP,
			 .kinds = 1u << SMX_BOUND_ULP,
			 .key = "cond_err",
			 .cond = SMX_COND_JACOBIAN,
			 .n_max = 8192,
			 .sweep_n_max = 128,
			 .hunt_n_max = 128,
			 .ref_rows = smx_ref_backward_rows,
			 .ref_row = smx_ref_backward},
    [SMX_OP_VJP] = {.name = "vjp",
		    .arity = 2,
		    .in = {SMX_ARG_S, SMX_ARG_G},
		    .out = SMX_LEN_N,
		    .in_place = 1,
		    .kind = SMX_BOUND_COND,
		    .kinds = 1u << SMX_BOUND_COND,
		    .key = "cond_err",
		    .cond = SMX_COND_VJP,
		    .sweep_n_max = (size_t)-1,
		    .hunt_n_max = 4097,
		    .ref_rows = smx_ref_backward_rows,
		    .ref_row = smx_ref_backward},
    [SMX_OP_JVP] = {.name = "jvp",
		    .arity = 2,
		    .in = {SMX_ARG_S, SMX_ARG_G},
		    .out = SMX_LEN_N,
		    .in_place = 1,
		    .kind = SMX_BOUND_COND,
		    .kinds = 1u << SMX_BOUND_COND,
		    .key = "cond_err",
		    .cond = SMX_COND_VJP,
		    .sweep_n_max = (size_t)-1,
		    .hunt_n_max = 4097,
		    .ref_rows = smx_ref_backward_rows,
		    .ref_row = smx_ref_backward},
    [SMX_OP_LOGSOFTMAX_VJP] = {.name = "logsoftmax_vjp",
			       .arity = 2,
			       .in = {SMX_ARG_Y, SMX_ARG_G},
			       .out = SMX_LEN_N,
			       .in_place = 1,
			       .kind = SMX_BOUND_COND,
			       .kinds = 1u << SMX_BOUND_COND,
			       .key = "cond_err",
			       .cond = SMX_COND_LSVJP,
			       .sweep_n_max = (size_t)-1,
			       .hunt_n_max = 4097,
			       .ref_rows = smx_ref_backward_rows,
			       .ref_row = smx_ref_backward},
    [SMX_OP_LOGSOFTMAX_JVP] = {.name = "logsoftmax_jvp",
			       .arity = 2,
			       .in = {SMX_ARG_Y, SMX_ARG_G},
			       .out = SMX_LEN_N,
			       .in_place = 1,
			       .kind = SMX_BOUND_COND,
			       .kinds = 1u << SMX_BOUND_COND,
			       .key = "cond_err",
			       .cond = SMX_COND_LSJVP,
			       .sweep_n_max = (size_t)-1,
			       .hunt_n_max = 4097,
			       .ref_rows = smx_ref_backward_rows,
			       .ref_row = smx_ref_backward},
    [SMX_OP_LSE] = {.name = "lse",
		    .arity = 1,
		    .in = {SMX_ARG_X, SMX_ARG_NONE},
		    .out = SMX_LEN_ONE,
		    .forward = 1,
		    .kind = SMX_BOUND_ABS,
		    .kinds = 1u << SMX_BOUND_ULP | 1u << SMX_BOUND_ABS,
		    .key = "cond_err",
		    .cond = SMX_COND_ABS,
		    .sweep_n_max = (size_t)-1,
		    .hunt_n_max = 8193,
		    .ref_rows = lse_rows,
		    .ref_row = lse_row},
    [SMX_OP_XENT] = {.name = "xent",
		     .arity = 2,
		     .in = {SMX_ARG_X, SMX_ARG_TARGETS},
		     .out = SMX_LEN_ONE,
		     .kind = SMX_BOUND_ULP,
		     .kinds = 1u << SMX_BOUND_ULP,
		     .key = "cond_err",
		     .cond = SMX_COND_ABS,
		     .sweep_n_max = (size_t)-1,
		     .hunt_n_max = 8193,
		     .ref_rows = xent_rows,
		     .ref_row = xent_row},
    [SMX_OP_XENT_FUSED] = {.name = "xent_fused",
			   .arity = 2,
			   .in = {SMX_ARG_X, SMX_ARG_TARGETS},
			   .out = SMX_LEN_N,
			   .kind = SMX_BOUND_COND,
			   .kinds = 1u << SMX_BOUND_COND,
			   .key = "cond_err",
			   .cond = SMX_COND_XENT,
			   .sweep_n_max = (size_t)-1,
			   .hunt_n_max = 4097,
			   .ref_rows = xent_rows,
			   .ref_row = xent_row},
};

const struct smx_op_info *smx_op_info(smx_op op)
{
	return &table[op];
}

smx_op smx_arg_source(enum smx_arg a)
{
	return a == SMX_ARG_Y ? SMX_OP_LOGSOFTMAX : SMX_OP_SOFTMAX;
}

const char *smx_op_name(smx_op op)
{
	return op < SMX_OP_COUNT ? table[op].name : "?";
}

int smx_op_parse(const char *s, smx_op *op)
{
	for (int i = 0; i < SMX_OP_COUNT; i++)
		if (!strcmp(s, table[i].name)) {
			*op = (smx_op)i;
			return 0;
		}
	return -1;
}

int smx_op_arity(smx_op op)
{
	return table[op].arity;
}

size_t smx_op_out_len(smx_op op, size_t n)
{
	switch (table[op].out) {
	case SMX_LEN_ONE:
		return 1;
	case SMX_LEN_NN:
		return n * n;
	case SMX_LEN_N:
		break;
	}
	return n;
}

int smx_op_forward(smx_op op)
{
	return table[op].forward;
}
