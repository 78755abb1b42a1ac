/* Verdicts, from one place: the classifier of a row's outcome, what breaks
 * a verdict for an entry, the exit rule every command follows, and the
 * headroom of the gate's budgets (README, "Exit status"). */
#ifndef SMX_VERDICT_H
#define SMX_VERDICT_H

#include <stddef.h>

#include "metrics.h"
#include "ref.h"
#include "smx.h"

/* Outcome classes of one output row. UNDEFINED: the reference has no value
 * (a NaN entry, an all -inf row) and the output is neither NaN nor zeros. */
enum smx_outcome {
	SMX_OUT_OK,
	SMX_OUT_NAN,
	SMX_OUT_INF,
	SMX_OUT_ZERO,
	SMX_OUT_WRONG,
	SMX_OUT_UNDEFINED,
};
const char *smx_outcome_name(enum smx_outcome o);

/* The classifier. y holds outs outputs, ref their reference (read only
 * when status is SMX_REF_OK); ratio is the row's largest error over the
 * claimed bound, NaN where no claim applies. In order: a NaN output is
 * nan; an infinity the reference does not have is inf; a softmax row of
 * zeros where the exact row is not is zero-row (with no reference: the
 * zeros of "safe softmax"); a ratio above 1 is wrong; else ok. */
enum smx_outcome smx_classify(smx_op op, int status, const double *y, const struct smx_refval *ref,
			      size_t outs, double ratio);
/* The same from the row's facts, gathered in any order or split: some
 * output NaN (nan), some infinite where the reference is not (inf), every
 * output zero (zero; 0 for an empty row), every reference value exactly
 * zero (ref_zero). */
enum smx_outcome smx_classify_facts(smx_op op, int status, int nan, int inf, int zero, int ref_zero,
				    double ratio);

/* Policy verdict: does outcome got satisfy what the policy declares (want;
 * any = 1: every outcome is allowed)? */
int smx_policy_holds(enum smx_outcome got, enum smx_outcome want, int any);

/* Whether an accuracy measurement breaks a verdict for im: a claim (a row
 * beyond the bound, decl_ratio > 1), or a row that is nan, inf or zero-row
 * where the entry's claim or policy does not excuse it. 1 with the reason
 * in why, else 0. Peers are judged the same way; the caller decides what
 * their breaks mean (findings, see smx_tally). */
int smx_verdict_metrics(const struct smx_impl *im, const struct smx_metrics *m, char *why,
			size_t len);

/* The exit rule: 0 when every verdict holds; 1 when one failed for a
 * built-in or plug-in entry, or when nothing was measured (verdicts fail
 * closed); 2 is bad input, reported where it is found (smx_die). Peers
 * never fail a command: their breaks are findings, counted and printed. */
struct smx_tally {
	const char *cmd;
	size_t measured; /* cells judged */
	size_t failed;	 /* cells whose verdict failed (built-in, plug-in) */
	size_t findings; /* peers' breaks */
	char first[320]; /* the first failure, for the summary */
};
void smx_tally_init(struct smx_tally *t, const char *cmd);
/* Count one judged cell; broken with its reason (why). Peers' breaks are
 * printed on stderr as findings. */
void smx_tally_add(struct smx_tally *t, const struct smx_impl *im, const char *cell, int broken,
		   const char *why);
/* Print the one-line summary on stderr and return the exit status (with
 * no_fail: 0 whatever was found, the summary still says it). */
int smx_tally_exit(const struct smx_tally *t, int no_fail);

/* The gate's headroom: the budget written for a fresh measurement v of
 * key i of an accuracy line at row length n (smx_bline_key order: max_ulp,
 * mean_ulp, sum_err_ulp or cond_err, bad_rows): max(2 v, v + a_i + b_i
 * sqrt(n)), with (a, b) = (4, 5) for max_ulp, sum_err_ulp and cond_err, and
 * (0.5, 2) for mean_ulp; bad_rows gets none. Rounded up at the fourth digit.
 * Why these figures: README, "smx check". */
double smx_budget(int key, double v, size_t n);

#endif
