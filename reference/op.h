/* One row per operation: what it takes, what it gives, how it is
 * referenced and measured. The harness, the reference and the plug-in
 * loader read these facts here; a new op is one more row (and its
 * reference and kernels), not a branch in every command. */
#ifndef SMX_OP_H
#define SMX_OP_H

#include <stddef.h>

#include "ref.h"

/* What an input of a row is, and so how a sweep makes it: logits x (the
 * generator), s or y (the correctly rounded softmax or log-softmax of x),
 * g (a second generator stream derived from the seed), or class targets
 * (one per row, at the head of the row's second input: xent_entries.c;
 * label smoothing 0, ignore index -100). */
enum smx_arg { SMX_ARG_NONE, SMX_ARG_X, SMX_ARG_S, SMX_ARG_Y, SMX_ARG_G, SMX_ARG_TARGETS };

/* Output elements per row. */
enum smx_outlen { SMX_LEN_N, SMX_LEN_ONE, SMX_LEN_NN };

/* The condition scale of an output component (metrics.c), in which
 * cond_err is measured: the backward ops' scales, or max(1, |value|) (ABS,
 * for a value that may cancel to 0, as the ABS claims measure it). */
enum smx_cond {
	SMX_COND_NONE,
	SMX_COND_JACOBIAN,
	SMX_COND_VJP,
	SMX_COND_LSVJP,
	SMX_COND_LSJVP, /* |v_i| + sum_j e^y_j |v_j| */
	SMX_COND_ABS,
	SMX_COND_XENT /* the gradient's p_c + q_c (smx_xent.h) */
};

/* What the outputs of a row sum to (sum_err): 1, or exp of them to 1. */
enum smx_sum { SMX_SUM_NONE, SMX_SUM_ONE, SMX_SUM_EXP };

/* The reference of many rows (threads inside; results independent of
 * them): a holds the first inputs (rows x n), g the second (or NULL);
 * from_x: backward ops from the exact softmax of x in a. One row: the
 * same for rows = 1, status returned. */
typedef void (*smx_ref_rows_fn)(smx_op op, smx_dtype dt, int from_x, const double *a,
				const double *g, size_t rows, size_t n, struct smx_refval *out,
				int *status);
typedef int (*smx_ref_row_fn)(smx_op op, smx_dtype dt, int from_x, const double *a, const double *g,
			      size_t n, struct smx_refval *out);

struct smx_op_info {
	const char *name;
	int arity;
	enum smx_arg in[2]; /* the first and second input (SMX_ARG_NONE) */
	enum smx_outlen out;
	int forward;  /* from logits alone: the edge catalogue and policies apply */
	int in_place; /* the output may overwrite an input */
	/* The claim's default kind and the kinds a claim may take
	 * (1 << SMX_BOUND_*). */
	smx_bound_kind kind;
	unsigned kinds;
	/* The third budget of a baseline line: sum_err_ulp or cond_err. */
	const char *key;
	enum smx_cond cond;
	enum smx_sum sum;
	/* Blanchard, Higham & Higham's shifted-softmax bound applies
	 * (bound_ratio). */
	int bhh;
	/* An all-zero output row is an outcome of its own (a row of
	 * probabilities that lost all its mass). */
	int zero_row;
	/* In the default sweeps (without --op). */
	int sweep;
	/* Largest n a command accepts (0: memory alone), that the default
	 * sweeps take, and that a hunt takes by default. */
	size_t n_max, sweep_n_max, hunt_n_max;
	smx_ref_rows_fn ref_rows;
	smx_ref_row_fn ref_row;
};

/* The row of op (op < SMX_OP_COUNT). */
const struct smx_op_info *smx_op_info(smx_op op);

/* The op whose reference output is an input of kind SMX_ARG_S / _Y. */
smx_op smx_arg_source(enum smx_arg a);

#endif
