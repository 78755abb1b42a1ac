/* Identity of the reference's fast path with its MPFR path: every value
 * rounded bit for bit alike (zeros' signs included), the same status, and
 * offsets r 2^e within 1e-6 ulp. Shared by tests/test_ref_fast.c (a
 * subset, in `make test`) and tests/tools/ref_identity.c (`make
 * ref-identity`). The rows: the generator families, the hard rows of
 * tests/data/ref_hard.txt, and rows built here to land on midpoints,
 * subnormal outputs, FLT_MAX / DBL_MAX and cancellations in the backward
 * ops. */
#ifndef SMX_REF_IDENTITY_H
#define SMX_REF_IDENTITY_H

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref.h"
#include "ref_internal.h"
#include "rows.h"

struct ident {
	unsigned long long values, mismatches;
	unsigned long long fast_values, fell_back; /* the fast mode's counters */
	char first[512];			   /* the first mismatch, described */
};

static int ident_same(const struct smx_refval *a, const struct smx_refval *b)
{
	if (memcmp(&a->cr, &b->cr, sizeof a->cr))
		return 0;
	if (isinf(a->cr))
		return 1;
	/* the offsets, in units of the MPFR path's ulp */
	double ra = ldexp(a->r, a->e - b->e);
	return fabs(ra - b->r) <= 1e-6;
}

/* Evaluate (op, or lse when lse) both ways and compare; thread-safe. */
static void ident_row(struct ident *id, smx_op op, int lse, smx_dtype dt, const double *x,
		      const double *g, size_t n, struct smx_refval *fa, struct smx_refval *mp)
{
	size_t outs = lse ? 1 : smx_op_out_len(op, n);
	int sf = lse		      ? smx_ref_lse(dt, x, n, fa)
		 : smx_op_forward(op) ? smx_ref_row(op, dt, x, n, fa)
				      : smx_ref_backward(op, dt, 0, x, g, n, fa);
	int sm = lse		      ? smx_ref_lse_mpfr(dt, x, n, mp)
		 : smx_op_forward(op) ? smx_ref_row_mpfr(op, dt, x, n, mp)
				      : smx_ref_backward_mpfr(op, dt, 0, x, g, n, mp);
	unsigned long long bad = sf != sm, count = 0;
	size_t at = outs;
	for (size_t i = 0; i < outs && sf == sm && sf == SMX_REF_OK; i++) {
		count++;
		if (!ident_same(&fa[i], &mp[i]) && !bad++)
			at = i;
	}
#pragma omp atomic
	id->values += count;
	if (!bad)
		return;
#pragma omp critical(ident_first)
	{
		if (!id->mismatches)
			snprintf(id->first, sizeof id->first,
				 "%s %s n=%zu: status %d vs %d; i=%zu: fast %a r=%.9g e=%d, "
				 "mpfr %a r=%.9g e=%d",
				 lse ? "lse" : smx_op_name(op), smx_dtype_name(dt), n, sf, sm, at,
				 at < outs ? fa[at].cr : 0.0, at < outs ? fa[at].r : 0.0,
				 at < outs ? fa[at].e : 0, at < outs ? mp[at].cr : 0.0,
				 at < outs ? mp[at].r : 0.0, at < outs ? mp[at].e : 0);
		id->mismatches += bad;
	}
}

/* Every op the fast path covers on one row of logits x: softmax,
 * log-softmax, lse, and vjp / jvp from s = the rounded softmax, g given. */
static void ident_all_ops(struct ident *id, smx_dtype dt, const double *x, const double *g,
			  size_t n, double *s, struct smx_refval *fa, struct smx_refval *mp)
{
	ident_row(id, SMX_OP_SOFTMAX, 0, dt, x, NULL, n, fa, mp);
	ident_row(id, SMX_OP_LOGSOFTMAX, 0, dt, x, NULL, n, fa, mp);
	ident_row(id, SMX_OP_SOFTMAX, 1, dt, x, NULL, n, fa, mp);
	if (smx_ref_row(SMX_OP_SOFTMAX, dt, x, n, fa) != SMX_REF_OK)
		return;
	for (size_t i = 0; i < n; i++)
		s[i] = fa[i].cr;
	ident_row(id, SMX_OP_VJP, 0, dt, s, g, n, fa, mp);
}

/* x of an f32 row must hold floats. */
static double ident_dt(smx_dtype dt, double v)
{
	return dt == SMX_F32 ? (double)(float)v : v;
}

/* Hard rows built to land where the fast path must decline or decide
 * exactly: midpoints of log-softmax (d an exact midpoint, T below
 * e^-1500), outputs in and below the subnormal range, the largest finite
 * values, exact softmax values (ties), and backward rows whose g_i - <s,
 * g> cancels (g constant; g_i equal to <s, g> rounded). rows[k] has len[k]
 * values; returns the count. */
#define IDENT_HARD_MAX 64
#define IDENT_HARD_N 8
static size_t ident_hard_rows(smx_dtype dt, double rows[][IDENT_HARD_N], size_t *len)
{
	double big = dt == SMX_F32 ? FLT_MAX : DBL_MAX;
	double mid = dt == SMX_F32 ? 0x1p24 : 0x1p53; /* m - 1 is a midpoint away */
	double sub = dt == SMX_F32 ? 103.5 : 744.5;   /* e^-sub near the least subnormal */
	size_t k = 0;
#define ROW(...)                                                                                   \
	do {                                                                                       \
		double r_[] = {__VA_ARGS__};                                                       \
		len[k] = sizeof r_ / sizeof *r_;                                                   \
		for (size_t i_ = 0; i_ < len[k]; i_++)                                             \
			rows[k][i_] = ident_dt(dt, r_[i_]);                                        \
		k++;                                                                               \
	} while (0)
	ROW(mid, -1);
	ROW(mid, -3, -5);
	ROW(2 * mid, 1, 3);
	ROW(0, -sub, -sub - 0.25, -sub - 0.5, -sub - 1, -sub - 2);
	ROW(0, -sub + 10, -sub + 20, -1500, -1501, -1e6);
	ROW(big, -big);
	ROW(big, big, -big, 0);
	ROW(-big, -big);
	ROW(big, 0x1.fffffcp+127, 0);
	ROW(1, 1, 1, 1);
	ROW(-3.25, -3.25, -3.25);
	ROW(0, 0, -INFINITY, 0);
	ROW(0x1p-149, -0x1p-149, 0);
	ROW(0, -0x1p-30, -0x1p-60);
	ROW(5);
	ROW(-INFINITY, 2, -INFINITY);
	ROW(-0.0, 0.0, -0.0);
	ROW(INFINITY, 0, INFINITY);
	ROW(0, -708.375, -708.5, -745, -745.25); /* near DBL_MIN and below */
	ROW(0, -87.25, -87.375, -86.5);		 /* near FLT_MIN */
	ROW(big, 0.5 * big, -0.5 * big);
#undef ROW
	return k;
}

/* Rows of the generator families and of the hard rows (each with g = 1
 * and with g normal) until at least `target` values are compared, in
 * parallel (OpenMP); hard_path is tests/data/ref_hard.txt. Every (family,
 * dtype, n) cell gets rows in turn. The fast mode's counters are those
 * of the whole run. */
#define IDENT_MAXN 4096
static void ident_cell(struct ident *id, uint64_t seed, uint64_t c, double *x, double *g, double *s,
		       struct smx_refval *fa, struct smx_refval *mp)
{
	static const size_t ns[] = {1, 2, 3, 5, 8, 16, 33, 100, 1000, IDENT_MAXN};
	const size_t nn = sizeof ns / sizeof *ns;
	size_t n = ns[c % nn], d = c / nn % smx_dist_ndefaults;
	smx_dtype dt = (smx_dtype)(c / nn / smx_dist_ndefaults % SMX_DTYPE_COUNT);
	uint64_t row = c / nn / smx_dist_ndefaults / SMX_DTYPE_COUNT;
	struct smx_dist dist, gd;
	smx_dist_parse(smx_dist_defaults[d], &dist);
	smx_dist_parse("normal:1", &gd);
	smx_dist_fill(&dist, dt, seed + row, 1, n, x);
	smx_dist_fill(&gd, dt, ~seed - row, 1, n, g);
	/* backward cancellation: g_i set to <s, g> rounded */
	if (row % 4 == 3 && smx_ref_row(SMX_OP_SOFTMAX, dt, x, n, fa) == SMX_REF_OK) {
		double dot = 0;
		for (size_t i = 0; i < n; i++)
			dot += fa[i].cr * g[i];
		g[row % n] = ident_dt(dt, dot);
	}
	ident_all_ops(id, dt, x, g, n, s, fa, mp);
}

static void ident_hard(struct ident *id, smx_dtype dt, uint64_t seed, const double *x, size_t n,
		       double *g, double *s, struct smx_refval *fa, struct smx_refval *mp)
{
	struct smx_dist gd;
	smx_dist_parse("normal:1", &gd);
	for (size_t i = 0; i < n; i++)
		g[i] = 1;
	ident_all_ops(id, dt, x, g, n, s, fa, mp);
	smx_dist_fill(&gd, dt, seed, 1, n, g);
	ident_all_ops(id, dt, x, g, n, s, fa, mp);
}

/* stop, when not NULL, is polled between rounds: nonzero ends the run. */
static void ident_run(struct ident *id, unsigned long long target, uint64_t seed,
		      const char *hard_path, int (*stop)(const struct ident *))
{
	struct smx_ref_stats before, after;
	smx_ref_stats_get(&before);
	double *x = malloc(IDENT_MAXN * sizeof *x), *g = malloc(IDENT_MAXN * sizeof *g),
	       *s = malloc(IDENT_MAXN * sizeof *s);
	struct smx_refval *fa = malloc(IDENT_MAXN * sizeof *fa),
			  *mp = malloc(IDENT_MAXN * sizeof *mp);
	if (!x || !g || !s || !fa || !mp)
		abort();
	/* The hard rows are written for f32 and f64 (the swept formats). */
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++) {
		if (!smx_dtype_info((smx_dtype)dt)->sweep)
			continue;
		struct smx_rows hr;
		FILE *f = fopen(hard_path, "r");
		char err[256];
		if (!f || smx_rows_parse(f, hard_path, (smx_dtype)dt, &hr, err, sizeof err))
			abort(); /* the test data is part of the tree */
		fclose(f);
		for (size_t r = 0; r < hr.count; r++)
			ident_hard(id, (smx_dtype)dt, seed + r, hr.x + hr.off[r],
				   hr.off[r + 1] - hr.off[r], g, s, fa, mp);
		smx_rows_free(&hr);
		double rows[IDENT_HARD_MAX][IDENT_HARD_N];
		size_t len[IDENT_HARD_MAX], k = ident_hard_rows((smx_dtype)dt, rows, len);
		for (size_t r = 0; r < k; r++)
			ident_hard(id, (smx_dtype)dt, seed + r, rows[r], len[r], g, s, fa, mp);
	}
	free(x);
	free(g);
	free(s);
	free(fa);
	free(mp);
	const long batch = 240; /* cells per round: a multiple of every cycle */
	for (uint64_t c0 = 0; id->values < target && !(stop && stop(id)); c0 += (uint64_t)batch)
#pragma omp parallel
	{
		double *tx = malloc(IDENT_MAXN * sizeof *tx), *tg = malloc(IDENT_MAXN * sizeof *tg),
		       *ts = malloc(IDENT_MAXN * sizeof *ts);
		struct smx_refval *tf = malloc(IDENT_MAXN * sizeof *tf),
				  *tm = malloc(IDENT_MAXN * sizeof *tm);
		if (!tx || !tg || !ts || !tf || !tm)
			abort();
#pragma omp for schedule(dynamic, 1)
		for (long c = 0; c < batch; c++)
			ident_cell(id, seed, c0 + (uint64_t)c, tx, tg, ts, tf, tm);
		free(tx);
		free(tg);
		free(ts);
		free(tf);
		free(tm);
	}
	smx_ref_stats_get(&after);
	id->fast_values += after.fast_values - before.fast_values;
	id->fell_back += after.mpfr_values - before.mpfr_values;
}

#endif
