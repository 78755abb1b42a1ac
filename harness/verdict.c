/* Verdicts; see verdict.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "op.h"
#include "verdict.h"

const char *smx_outcome_name(enum smx_outcome o)
{
	static const char *const names[] = {"ok", "nan", "inf", "zero-row", "wrong", "undefined"};
	return names[o];
}

enum smx_outcome smx_classify(smx_op op, int status, const double *y, const struct smx_refval *ref,
			      size_t outs, double ratio)
{
	int nan = 0, inf = 0, zero = outs > 0, ref_zero = 1;
	for (size_t i = 0; i < outs; i++) {
		nan |= isnan(y[i]);
		inf |= isinf(y[i]) && !(status == SMX_REF_OK && y[i] == ref[i].cr);
		zero &= y[i] == 0;
		if (status == SMX_REF_OK)
			ref_zero &= ref[i].cr == 0 && ref[i].r == 0;
	}
	return smx_classify_facts(op, status, nan, inf, zero, ref_zero, ratio);
}

enum smx_outcome smx_classify_facts(smx_op op, int status, int nan, int inf, int zero, int ref_zero,
				    double ratio)
{
	if (nan)
		return SMX_OUT_NAN;
	if (inf)
		return SMX_OUT_INF;
	if (smx_op_info(op)->zero_row && zero && (status != SMX_REF_OK || !ref_zero))
		return SMX_OUT_ZERO;
	if (status != SMX_REF_OK)
		return SMX_OUT_UNDEFINED;
	return ratio > 1 ? SMX_OUT_WRONG : SMX_OUT_OK;
}

int smx_policy_holds(enum smx_outcome got, enum smx_outcome want, int any)
{
	return any || got == want;
}

int smx_verdict_metrics(const struct smx_impl *im, const struct smx_metrics *m, char *why,
			size_t len)
{
	/* Rows outside the claim's domain are excused only for an entry that
	 * declares that finite rows overflow; NaN rows on +inf or all -inf
	 * input only for an entry whose edge policy declares NaN there. */
	size_t bad = m->nan_rows + m->inf_rows + m->zero_rows;
	size_t excused = im->policy.overflows ? m->unclaimed_bad_rows : 0;
	/* A +inf row is never claimed (so among the unclaimed when there is a
	 * bound); an all -inf row is. */
	if (im->policy.pos_inf == SMX_EDGE_NAN && m->pinf_nan_rows > excused)
		excused = m->pinf_nan_rows;
	excused += im->policy.all_neginf == SMX_EDGE_NAN ? m->neginf_nan_rows : 0;
	if (bad > excused) {
		snprintf(why, len, "%zu nan, %zu inf, %zu zero rows where the reference is finite",
			 m->nan_rows, m->inf_rows, m->zero_rows);
		return 1;
	}
	if (m->wrong_rows || m->decl_ratio > 1) {
		snprintf(why, len, "claim broken: %zu rows beyond the bound, decl_ratio %.4g",
			 m->wrong_rows, m->decl_ratio);
		return 1;
	}
	return 0;
}

void smx_tally_init(struct smx_tally *t, const char *cmd)
{
	*t = (struct smx_tally){.cmd = cmd};
}

void smx_tally_add(struct smx_tally *t, const struct smx_impl *im, const char *cell, int broken,
		   const char *why)
{
	t->measured++;
	if (!broken)
		return;
	if (im->origin == SMX_ORIGIN_PEER) {
		t->findings++;
		fprintf(stderr, "smx: %s: finding: %s: %s\n", t->cmd, cell, why);
		return;
	}
	if (t->failed++ == 0)
		snprintf(t->first, sizeof t->first, "%s: %s", cell, why);
}

int smx_tally_exit(const struct smx_tally *t, int no_fail)
{
	char peers[64] = "";
	if (t->findings)
		snprintf(peers, sizeof peers, "; %zu peer findings", t->findings);
	if (t->measured == 0) {
		fprintf(stderr, "smx: %s: FAIL: nothing was measured\n", t->cmd);
		return no_fail ? 0 : 1;
	}
	if (t->failed) {
		fprintf(stderr, "smx: %s: FAIL: %zu of %zu cells break a verdict%s; first: %s\n",
			t->cmd, t->failed, t->measured, peers, t->first);
		return no_fail ? 0 : 1;
	}
	fprintf(stderr, "smx: %s: ok: every verdict holds in %zu cells%s\n", t->cmd, t->measured,
		peers);
	return 0;
}

double smx_budget(int key, double v, size_t n)
{
	static const double a[4] = {4, 0.5, 4, 0}, b[4] = {5, 2, 5, 0};
	/* NaN: the entry's own outputs were NaN or inf on some row (an
	 * overflow outside its domain). No figure bounds that; the budget is
	 * inf, and bad_rows, gated exactly, holds the count of such rows. */
	if (isnan(v))
		return INFINITY;
	if (!(v >= 0) || isinf(v))
		return v;
	double t = key == 3 ? v : fmax(2 * v, v + a[key] + b[key] * sqrt((double)n));
	if (t == 0)
		return 0;
	/* Up at the fourth significant digit: the written figure is never
	 * below the budget. */
	double scale = pow(10, 3 - floor(log10(t)));
	return ceil(t * scale - 1e-9) / scale;
}
