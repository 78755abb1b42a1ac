/* The accuracy baseline's line format (baselines/accuracy.txt):
 *   OP DTYPE IMPL DIST N ROWS SEED max_ulp=V mean_ulp=V sum_err_ulp=V bad_rows=K [variant=SPEC]
 *   perf OP DTYPE IMPL N ROWS vs_memcpy=V
 *   edge OP DTYPE IMPL all_neginf=P pos_inf=P
 *   outputs OP DTYPE NAME INPUT OUTPUT [--shape RxN] max_ulp=V mean_ulp=V sum_err_ulp=V bad_rows=K
 * ('#' starts a comment; backward ops carry cond_err=V for sum_err_ulp; an
 * edge line runs the overflow and edge catalogue for a forward entry, P is
 * nan, zero or limit: the policy the entry declares; an outputs line
 * measures OUTPUT, computed elsewhere from INPUT, for a forward op: the
 * paths are relative to the baseline's directory, --shape is for raw
 * .f32 / .f64 files). */
#ifndef SMX_BASELINE_H
#define SMX_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "rows.h"
#include "smx.h"

struct smx_bline {
	int kind; /* 0 comment or blank, 1 accuracy, 2 perf, 3 edge, 4 outputs */
	smx_op op;
	smx_dtype dt;
	char impl[64]; /* outputs lines: the name of the output set */
	struct smx_dist dist;
	size_t n, rows;
	uint64_t seed;
	double
	    budget[4]; /* max_ulp, mean_ulp, sum_err_ulp or cond_err, bad_rows; perf: vs_memcpy */
	smx_edge all_neginf, pos_inf;		 /* edge lines: the declared policy */
	char input[512], output[512], shape[32]; /* outputs lines; shape "" when absent */
	char variant[320]; /* accuracy lines: variant=SPEC (harness/variant.h), "" for none */
};

/* Parse one line; -1 with the reason in err (no file name or line). */
int smx_bline_parse(const char *text, struct smx_bline *l, char *err, size_t errlen);
/* The i-th measured key of an accuracy line for op. */
const char *smx_bline_key(smx_op op, int i);

/* The longest line smx_bline_parse reads. */
#define SMX_BLINE_MAX 1023

/* The line text with its budgets (the key=V values; perf: vs_memcpy) set
 * to values and every other byte kept: spacing, an end-of-line '#'
 * comment, the line ending (CRLF stays CRLF). l is the parsed text; a
 * value is written as the shortest decimal that reads back as it. Returns
 * a malloc'd string, or NULL when the new line would be longer than
 * SMX_BLINE_MAX (it would not read back). */
char *smx_bline_rewrite(const char *text, const struct smx_bline *l, const double *values);

#endif
