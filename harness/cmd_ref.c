/* smx ref: the oracle. Text rows in, correctly rounded rows out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ref.h"
#include "util.h"

static const char help[] =
    "usage: smx ref [--dtype f32|f64] [--op OP] [--from x|s] [--output FILE] [--shape RxN]\n"
    "               [FILE|-]\n"
    "FILE: text rows, a .npy (float32/float64, any rank: last axis = row), or raw .f32/.f64\n"
    "with --shape. --output FILE.npy writes the results as .npy (rows x n, rows x\n"
    "n x n for the Jacobian, rows for lse; undefined rows as NaN).\n"
    "OP: softmax (default), logsoftmax, lse, jacobian, vjp, jvp, logsoftmax_vjp.\n"
    "Reads rows (one a line; decimal or hex floats, inf, -inf, nan; '#' comments)\n"
    "and prints each row's correctly rounded result as C99 hex floats, or the\n"
    "word 'undefined' (a NaN in the row; an all -inf row for softmax and\n"
    "log-softmax). Values must be exactly representable in the dtype.\n"
    "vjp, jvp, logsoftmax_vjp read rows in pairs: a line x, then a line g (or v).\n"
    "--from x (default): the backward ops use the exact softmax (log-softmax) of\n"
    "x; --from s: the first line of a pair is s (y for logsoftmax_vjp) as given.\n"
    "jacobian prints its n x n matrix a row a line, and an empty line after it.\n";

/* Where row r's first input starts, and its length (pairs: x then g). */
static size_t span(const struct smx_rows *rows, int pairs, size_t r, size_t *n)
{
	size_t a = rows->off[pairs ? 2 * r : r];
	*n = rows->off[pairs ? 2 * r + 1 : r + 1] - a;
	return a;
}

static void put_value(FILE *f, double v)
{
	if (isinf(v))
		fputs(v > 0 ? "inf" : "-inf", f);
	else
		fprintf(f, "%a", v);
}

static void put_row(FILE *f, const struct smx_refval *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(' ', f);
		put_value(f, v[i].cr);
	}
	fputc('\n', f);
}

int smx_cmd_ref(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dtype", required_argument, 0, 'd'},
	    {"op", required_argument, 0, 'p'},
	    {"from", required_argument, 0, 'F'},
	    {"output", required_argument, 0, 'o'},
	    {"shape", required_argument, 0, 'S'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	smx_dtype dt = SMX_F64;
	smx_op op = SMX_OP_SOFTMAX;
	int lse = 0, from_x = 1;
	const char *output = NULL, *shape = NULL;
	int c;
	while ((c = smx_getopt(argc, argv, opts, "ref")) != -1) {
		switch (c) {
		case 'd':
			if (smx_dtype_parse(optarg, &dt))
				smx_die("ref: --dtype: '%s' is not f32 or f64", optarg);
			break;
		case 'p':
			lse = !strcmp(optarg, "lse");
			if (!lse && smx_op_parse(optarg, &op))
				smx_die("ref: --op: '%s' is not softmax, logsoftmax, lse, "
					"jacobian, vjp, jvp or "
					"logsoftmax_vjp",
					optarg);
			break;
		case 'F':
			if (strcmp(optarg, "x") && strcmp(optarg, "s"))
				smx_die("ref: --from: '%s' is not x or s", optarg);
			from_x = !strcmp(optarg, "x");
			break;
		case 'o':
			output = optarg;
			break;
		case 'S':
			shape = optarg;
			break;
		case 'h':
			smx_help(help);
		}
	}
	if (argc - optind > 1)
		smx_die("ref: more than one input file");
	const char *path = optind < argc ? argv[optind] : "-";
	struct smx_rows rows;
	smx_read_rows("ref", path, dt, shape, &rows);
	int pairs = !lse && smx_op_arity(op) == 2;
	size_t count = pairs ? rows.count / 2 : rows.count, outs = 0;
	if (pairs) {
		if (rows.count % 2)
			smx_die(
			    "ref: %s: %s reads rows in pairs (x, then g); the last row has no g",
			    path, smx_op_name(op));
		for (size_t r = 0; r < count; r++)
			if (rows.off[2 * r + 1] - rows.off[2 * r] !=
			    rows.off[2 * r + 2] - rows.off[2 * r + 1])
				smx_die("ref: %s: pair %zu: g has %zu values, x has %zu", path,
					r + 1, rows.off[2 * r + 2] - rows.off[2 * r + 1],
					rows.off[2 * r + 1] - rows.off[2 * r]);
	}
	/* Where each row's output starts (at[count] is the total), refusing
	 * what would not print before anything is allocated. */
	size_t *at = smx_alloc(count + 1, sizeof *at);
	at[0] = 0;
	for (size_t r = 0; r < count; r++) {
		size_t n;
		span(&rows, pairs, r, &n);
		if (op == SMX_OP_JACOBIAN && !lse && n > 4096)
			smx_die("ref: %s: row %zu: the %zu x %zu Jacobian is more than this "
				"command prints "
				"(n <= 4096)",
				path, r + 1, n, n);
		at[r + 1] = at[r] + (lse ? 1 : smx_op_out_len(op, n));
	}
	outs = at[count];
	struct smx_refval *out = smx_alloc(outs ? outs : 1, sizeof *out);
	int *status = smx_alloc(count ? count : 1, sizeof *status);
	if (lse || smx_op_forward(op)) {
		smx_ref_rows(lse		    ? SMX_REF_LSE
			     : op == SMX_OP_SOFTMAX ? SMX_REF_SOFTMAX
						    : SMX_REF_LOGSOFTMAX,
			     dt, rows.x, rows.count, 0, rows.off, out, status);
		if (!lse) /* forward outputs share the input's indexing */
			for (size_t r = 0; r < count; r++)
				at[r] = rows.off[r];
	} else {
		long nr = (long)count;
#pragma omp parallel for schedule(dynamic, 1) if (nr > 1)
		for (long r = 0; r < nr; r++) {
			size_t n, a = span(&rows, pairs, (size_t)r, &n);
			status[r] = smx_ref_backward(op, dt, from_x, rows.x + a,
						     pairs ? rows.x + a + n : NULL, n, out + at[r]);
		}
	}
	FILE *f = smx_out_open(output);
	int npy = output && strlen(output) > 4 && !strcmp(output + strlen(output) - 4, ".npy");
	if (npy) {
		size_t n0, n;
		span(&rows, pairs, 0, &n0);
		for (size_t r = 0; r < count; r++)
			if (span(&rows, pairs, r, &n), n != n0)
				smx_die("ref: --output %s: rows of different lengths do not make "
					"an array",
					output);
		double *v = smx_alloc(outs ? outs : 1, sizeof *v);
		for (size_t r = 0; r < count; r++)
			for (size_t k = at[r]; k < at[r] + (lse ? 1 : smx_op_out_len(op, n0)); k++)
				v[k - at[r] + r * (lse ? 1 : smx_op_out_len(op, n0))] =
				    status[r] == SMX_REF_OK ? out[k].cr : NAN;
		smx_write_npy(f, dt, v, count, n0, lse ? 1 : op == SMX_OP_JACOBIAN ? 3 : 2);
		free(v);
	}
	for (size_t r = 0; r < count && !npy; r++) {
		size_t n;
		span(&rows, pairs, r, &n);
		if (status[r] != SMX_REF_OK) {
			fputs(op == SMX_OP_JACOBIAN && !lse ? "undefined\n\n" : "undefined\n", f);
			continue;
		}
		if (lse) {
			put_row(f, &out[r], 1);
		} else if (op == SMX_OP_JACOBIAN) {
			for (size_t i = 0; i < n; i++)
				put_row(f, out + at[r] + i * n, n);
			fputc('\n', f);
		} else {
			put_row(f, out + at[r], n);
		}
	}
	smx_out_commit(f);
	free(out);
	free(at);
	free(status);
	smx_rows_free(&rows);
	return 0;
}
