/* The edge catalogue of the cross-entropy ops (xent, xent_fused): logit
 * rows with a class target each, the row kinds the edge profiles speak of
 * (profiles.h) and rows aimed at cross-entropy code. What a row must give
 * comes from the entry's policy (scenarios.c) or from a profile; on
 * finite rows, the reference within the claim. A -inf logit at the target
 * is a finite row whose exact loss is +inf (and whose gradient, softmax
 * minus one-hot, is finite). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dtype.h"
#include "op.h"
#include "scenarios.h"
#include "rows.h"

struct cat {
	struct smx_scenario *out;
	size_t k, max;
	smx_dtype dt;
};

static double to_dt(smx_dtype dt, double v)
{
	const struct smx_dtype_info *t = smx_dtype_info(dt);
	return t->round(isfinite(v) ? fmax(-t->max_finite, fmin(t->max_finite, v)) : v);
}

/* A row of n entries uniform in (lo, hi) (a fixed stream per row name),
 * target t; NULL when the catalogue is full. */
static struct smx_scenario *row(struct cat *c, const char *name, enum smx_scen_kind kind,
				enum smx_rowkind rk, size_t n, size_t t, double lo, double hi)
{
	if (c->k >= c->max)
		return NULL;
	struct smx_scenario *s = &c->out[c->k++];
	snprintf(s->name, sizeof s->name, "%s", name);
	s->kind = kind;
	s->rk = rk;
	s->n = n;
	s->target = (int64_t)t;
	uint64_t seed = 0x243f6a8885a308d3u ^ (uint64_t)c->k;
	for (size_t i = 0; i < n; i++)
		s->x[i] = to_dt(c->dt, lo + (hi - lo) * smx_uniform01(&seed));
	return s;
}

static void set(struct smx_scenario *s, size_t i, double v)
{
	if (s && i < s->n)
		s->x[i] = v;
}

/* The rows the profiles name. */
static void profile_rows(struct cat *c)
{
	const smx_dtype dt = c->dt;
	struct smx_scenario *s;
	/* -inf at the target: the loss is +inf exactly; mid-row, in the SIMD
	 * tail, and beside other -inf entries. */
	set(row(c, "target-neginf:n=37", SMX_SCEN_FINITE, SMX_RK_TARGET_NEGINF, 37, 11, -4, 4), 11,
	    -INFINITY);
	set(row(c, "target-neginf-tail:n=7", SMX_SCEN_FINITE, SMX_RK_TARGET_NEGINF, 7, 6, -4, 4), 6,
	    -INFINITY);
	if ((s = row(c, "target-neginf-masked:n=37", SMX_SCEN_FINITE, SMX_RK_TARGET_NEGINF, 37, 0,
		     -4, 4)))
		for (size_t i = 0; i < 37; i += 3)
			s->x[i] = -INFINITY;
	/* Fully masked rows: through the tail, and past the online steps. */
	static const size_t masked[2] = {7, 69};
	for (size_t j = 0; j < 2; j++) {
		char name[48];
		snprintf(name, sizeof name, "all-masked:n=%zu", masked[j]);
		if ((s = row(c, name, SMX_SCEN_ALL_NEGINF, SMX_RK_MASKED, masked[j], masked[j] / 2,
			     0, 0)))
			for (size_t i = 0; i < s->n; i++)
				s->x[i] = -INFINITY;
	}
	/* +inf: elsewhere, at the target; mixed with -inf. */
	set(row(c, "one+inf:n=33", SMX_SCEN_POS_INF, SMX_RK_POS_INF, 33, 3, -4, 4), 20, INFINITY);
	set(row(c, "target+inf:n=33", SMX_SCEN_POS_INF, SMX_RK_POS_INF, 33, 20, -4, 4), 20,
	    INFINITY);
	if ((s = row(c, "mixed-inf:n=37", SMX_SCEN_POS_INF, SMX_RK_MIXED_INF, 37, 5, -4, 4))) {
		s->x[0] = s->x[3] = -INFINITY;
		s->x[34] = INFINITY;
	}
	/* NaN: elsewhere, at the target. */
	set(row(c, "one-nan:n=33", SMX_SCEN_NAN, SMX_RK_NAN, 33, 3, -4, 4), 5, NAN);
	set(row(c, "target-nan:n=33", SMX_SCEN_NAN, SMX_RK_NAN, 33, 5, -4, 4), 5, NAN);
	/* Every entry at a finite "-inf" sentinel (the loss is log n), and
	 * the target alone below it among ordinary logits (a finite loss of
	 * about the sentinel's size, which a kernel that takes the sentinel for
	 * a mask makes +inf). */
	static const double sentinels[2] = {-5e4, -3.402823e38};
	for (size_t j = 0; j < 2; j++) {
		const double v = to_dt(dt, fmax(sentinels[j], -smx_dtype_info(dt)->max_finite));
		char name[48];
		snprintf(name, sizeof name, "sentinel:%.7g", sentinels[j]);
		row(c, name, SMX_SCEN_FINITE, SMX_RK_SENTINEL, 37, 9, v, v);
		snprintf(name, sizeof name, "target-below-sentinel:%.7g", sentinels[j]);
		const struct smx_dtype_info *t = smx_dtype_info(dt);
		set(row(c, name, SMX_SCEN_FINITE, SMX_RK_TARGET_SENTINEL, 37, 33, -4, 4), 33,
		    j ? v : t->next(v, -t->max_finite));
	}
	/* The first block of 64 masked (the online kernels' widest step), the
	 * rest far below 0, the target among them. */
	if ((s = row(c, "first-block-masked:n=101", SMX_SCEN_FINITE, SMX_RK_FIRST_BLOCK, 101, 77,
		     -1004, -996)))
		for (size_t i = 0; i < 64; i++)
			s->x[i] = -INFINITY;
	/* Masks in the SIMD tail (37 = 32 + 5), the target outside them; all
	 * but the tail masked, the target in it. */
	if ((s = row(c, "tail-masked:n=37", SMX_SCEN_FINITE, SMX_RK_TAIL_MASK, 37, 3, -4, 4)))
		for (size_t i = 32; i < 37; i++)
			s->x[i] = -INFINITY;
	if ((s = row(c, "tail-only:n=37", SMX_SCEN_FINITE, SMX_RK_TAIL_MASK, 37, 34, -4, 4)))
		for (size_t i = 0; i < 32; i++)
			s->x[i] = -INFINITY;
}

/* Finite rows aimed at cross-entropy code, judged against the claim. */
static void finite_rows(struct cat *c)
{
	const int f32 = c->dt != SMX_F64;
	const double gap = f32 ? 17 : 38; /* past 1 - p_t's rounding to 0 */
	const double big = smx_dtype_info(c->dt)->max_finite;
	struct smx_scenario *s;
	/* The target at the maximum by a gap: loss log1p(R), which a
	 * log-softmax in the element type rounds to 0, and by a gap past
	 * exp's range (a subnormal or zero loss). */
	set(row(c, "target-argmax-gap:n=37", SMX_SCEN_FINITE, SMX_RK_NONE, 37, 17, -1, 0), 17, gap);
	set(row(c, "target-argmax-far:n=37", SMX_SCEN_FINITE, SMX_RK_NONE, 37, 36, -1, 0), 36,
	    f32 ? 100 : 740);
	/* The target at the minimum by a gap: a large loss. */
	set(row(c, "target-argmin-gap:n=37", SMX_SCEN_FINITE, SMX_RK_NONE, 37, 2, -1, 0), 2, -1e4);
	/* First, last, in the tail (n = 9, 15: one and seven tail lanes). */
	row(c, "target-first:n=37", SMX_SCEN_FINITE, SMX_RK_NONE, 37, 0, -4, 4);
	row(c, "target-last:n=9", SMX_SCEN_FINITE, SMX_RK_NONE, 9, 8, -4, 4);
	row(c, "target-tail:n=15", SMX_SCEN_FINITE, SMX_RK_NONE, 15, 12, -4, 4);
	row(c, "target-tail:n=1001", SMX_SCEN_FINITE, SMX_RK_NONE, 1001, 1000, -4, 4);
	/* Ties at the maximum: every entry equal (loss log n). */
	row(c, "equal:n=37", SMX_SCEN_FINITE, SMX_RK_NONE, 37, 30, 2.5, 2.5);
	/* Large logits: a kernel without the max shift overflows. */
	row(c, "scale:1e2", SMX_SCEN_FINITE, SMX_RK_NONE, 64, 7, -100, 100);
	row(c, f32 ? "scale:1e30" : "scale:1e300", SMX_SCEN_FINITE, SMX_RK_NONE, 64, 40,
	    f32 ? -1e30 : -1e300, f32 ? 1e30 : 1e300);
	row(c, "equal:max", SMX_SCEN_FINITE, SMX_RK_NONE, 16, 3, big, big);
	/* The maximum last, far above the rest (a max over n - 1 entries
	 * overflows); n = 1 (loss 0). */
	set(row(c, "max-last-far:n=17", SMX_SCEN_FINITE, SMX_RK_NONE, 17, 4, -2, 0), 16, 20000);
	row(c, "n=1", SMX_SCEN_FINITE, SMX_RK_NONE, 1, 0, 12.5, 12.5);
	/* Around exp's thresholds below the maximum. */
	if ((s = row(c, "near-exp-underflow:n=6", SMX_SCEN_FINITE, SMX_RK_NONE, 6, 3, 0, 0))) {
		const double nrm = f32 ? -87.33654f : -708.3964185322641,
			     sub = f32 ? -103.97208f : -745.1332191019411;
		const double v[6] = {0, nrm, nrm - 1, sub, sub + 0.5, sub - 0.5};
		for (size_t i = 0; i < 6; i++)
			s->x[i] = to_dt(c->dt, v[i]);
	}
}

size_t smx_xent_scenarios(smx_dtype dt, struct smx_scenario *out, size_t max)
{
	struct cat c = {out, 0, max, dt};
	profile_rows(&c);
	finite_rows(&c);
	return c.k;
}

int smx_scenario_op(smx_op op)
{
	return smx_op_forward(op) || smx_op_info(op)->in[1] == SMX_ARG_TARGETS;
}

size_t smx_scenarios_for(smx_op op, smx_dtype dt, struct smx_scenario *out, size_t max)
{
	if (smx_op_info(op)->in[1] == SMX_ARG_TARGETS)
		return smx_xent_scenarios(dt, out, max);
	return smx_scenarios(dt, out, max);
}
