/* smx ref: the oracle. Text rows in, correctly rounded rows out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ref.h"
#include "util.h"

static const char help[] =
    "usage: smx ref [--dtype f32|f64] [--op softmax|logsoftmax|lse] [--output FILE] "
    "[FILE|-]\n"
    "Reads rows (one a line; decimal or hex floats, inf, -inf, nan; '#' comments)\n"
    "and prints each row's correctly rounded result as C99 hex floats, or the\n"
    "word 'undefined' (a NaN in the row; an all -inf row for softmax and\n"
    "log-softmax). Values must be exactly representable in the dtype.\n";

static void put_value(FILE *f, double v)
{
	if (isinf(v))
		fputs(v > 0 ? "inf" : "-inf", f);
	else
		fprintf(f, "%a", v);
}

int smx_cmd_ref(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dtype", required_argument, 0, 'd'},
	    {"op", required_argument, 0, 'p'},
	    {"output", required_argument, 0, 'o'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	smx_dtype dt = SMX_F64;
	enum smx_ref_what what = SMX_REF_SOFTMAX;
	const char *output = NULL;
	int c;
	while ((c = smx_getopt(argc, argv, opts, "ref")) != -1) {
		switch (c) {
		case 'd':
			if (smx_dtype_parse(optarg, &dt))
				smx_die("ref: --dtype: '%s' is not f32 or f64", optarg);
			break;
		case 'p':
			if (!strcmp(optarg, "softmax"))
				what = SMX_REF_SOFTMAX;
			else if (!strcmp(optarg, "logsoftmax"))
				what = SMX_REF_LOGSOFTMAX;
			else if (!strcmp(optarg, "lse"))
				what = SMX_REF_LSE;
			else
				smx_die("ref: --op: '%s' is not softmax, logsoftmax or lse",
					optarg);
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		}
	}
	if (argc - optind > 1)
		smx_die("ref: more than one input file");
	struct smx_rows rows;
	smx_read_rows("ref", optind < argc ? argv[optind] : "-", dt, &rows);
	size_t total = rows.off[rows.count];
	struct smx_refval *out = smx_alloc(what == SMX_REF_LSE ? rows.count : total, sizeof *out);
	int *status = smx_alloc(rows.count, sizeof *status);
	smx_ref_rows(what, dt, rows.x, rows.count, 0, rows.off, out, status);
	FILE *f = smx_out_open(output);
	for (size_t r = 0; r < rows.count; r++) {
		if (status[r] != SMX_REF_OK) {
			fputs("undefined\n", f);
			continue;
		}
		if (what == SMX_REF_LSE) {
			put_value(f, out[r].cr);
		} else {
			for (size_t i = rows.off[r]; i < rows.off[r + 1]; i++) {
				if (i > rows.off[r])
					fputc(' ', f);
				put_value(f, out[i].cr);
			}
		}
		fputc('\n', f);
	}
	smx_out_commit(f);
	free(out);
	free(status);
	smx_rows_free(&rows);
	return 0;
}
