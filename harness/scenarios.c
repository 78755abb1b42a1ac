/* The overflow and edge-row catalogue; see scenarios.h. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtype.h"
#include "op.h"
#include "rows.h"
#include "ref_out.h"
#include "run.h"
#include "smx_impls.h"
#include "scenarios.h"
#include "util.h"

static struct smx_scenario *add(struct smx_scenario *out, size_t *k, size_t max, const char *name,
				enum smx_scen_kind kind, size_t n)
{
	if (*k >= max)
		return NULL;
	struct smx_scenario *s = &out[(*k)++];
	snprintf(s->name, sizeof s->name, "%s", name);
	s->kind = kind;
	s->rk = kind == SMX_SCEN_NAN	      ? SMX_RK_NAN
		: kind == SMX_SCEN_ALL_NEGINF ? SMX_RK_MASKED
		: kind == SMX_SCEN_POS_INF    ? SMX_RK_POS_INF
					      : SMX_RK_NONE;
	s->n = n;
	return s;
}

/* A fixed pseudo-random row of the dtype, uniform in (-1, 1). */
static void unit_row(smx_dtype dt, double *x, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++) {
		x[i] = smx_dtype_info(dt)->round(2 * smx_uniform01(&seed) - 1);
	}
}

static double to_dt(smx_dtype dt, double v)
{
	/* Finite rows stay finite in formats whose range ends before v. */
	const struct smx_dtype_info *t = smx_dtype_info(dt);
	return t->round(isfinite(v) ? fmax(-t->max_finite, fmin(t->max_finite, v)) : v);
}

/* x[i] = v for i in [a, b). */
static void set_range(double *x, size_t a, size_t b, double v)
{
	for (size_t i = a; i < b; i++)
		x[i] = v;
}

/* Rows aimed at blocked and online code and at finite "-inf" sentinels
 * (README, "Edge profiles"): what masked attention feeds a softmax. */
static void edge_rows(smx_dtype dt, struct smx_scenario *out, size_t *k, size_t max)
{
	struct smx_scenario *s;
	char name[48];
	/* The first block all -inf, the rest far below 0: a running max that
	 * a masked block leaves at 0 underflows every later term to 0 and
	 * the row to 0/0 (flash-attention #2082). Blocks: 64 entries (the
	 * widest step of the online kernels, four AVX-512 f32 vectors) and
	 * the blocked kernels' block (f32's for the 16-bit formats, whose
	 * kernels do not block: SMX_SCEN_MAX_N holds no longer row). */
	const size_t es = smx_dtype_size(dt) < 4 ? 4 : smx_dtype_size(dt);
	const size_t firsts[2] = {64, SMX_BLOCK_BYTES / es};
	for (size_t j = 0; j < 2; j++) {
		snprintf(name, sizeof name, "first-block-masked:n=%zu", firsts[j] + 37);
		if (!(s = add(out, k, max, name, SMX_SCEN_FINITE, firsts[j] + 37)))
			return;
		s->rk = SMX_RK_FIRST_BLOCK;
		unit_row(dt, s->x, s->n, 17);
		for (size_t i = 0; i < s->n; i++)
			s->x[i] = to_dt(dt, 4 * s->x[i] - 1000);
		set_range(s->x, 0, firsts[j], -INFINITY);
	}
	/* Finite sentinels: every entry at -5e4 (a finite "-inf" that some
	 * kernels take for a mask and return zeros: flashinfer #4267) or at
	 * -FLT_MAX truncated to -3.402823e38 (uniform rows, exactly), and rows
	 * wholly below them (-5e4 minus up to 8; the sentinel and the one or
	 * two floats below it). */
	static const double sentinels[2] = {-5e4, -3.402823e38};
	for (size_t j = 0; j < 2; j++) {
		/* Formats whose range ends before it take their own largest. */
		const double v = to_dt(dt, fmax(sentinels[j], -smx_dtype_info(dt)->max_finite));
		snprintf(name, sizeof name, "sentinel:%.7g", sentinels[j]);
		if (!(s = add(out, k, max, name, SMX_SCEN_FINITE, 37)))
			return;
		s->rk = SMX_RK_SENTINEL;
		set_range(s->x, 0, 37, v);
		snprintf(name, sizeof name, "below-sentinel:%.7g", sentinels[j]);
		if (!(s = add(out, k, max, name, SMX_SCEN_FINITE, 37)))
			return;
		s->rk = SMX_RK_SENTINEL;
		unit_row(dt, s->x, 37, 19);
		const struct smx_dtype_info *t = smx_dtype_info(dt);
		const double below = t->next(v, -t->max_finite),
			     below2 = t->next(below, -t->max_finite);
		for (size_t i = 0; i < 37; i++)
			s->x[i] = j == 0       ? to_dt(dt, v - 4 * (s->x[i] + 1))
				  : i % 3 == 0 ? v
				  : i % 3 == 1 ? below
					       : below2;
	}
	/* Masks in the SIMD tail: n = 37 leaves 5 entries past the last full
	 * vector of 16 or 8 lanes (1 of 4); n = 7 is all tail. */
	static const struct {
		const char *name;
		size_t n, a, b; /* entries [a, b) are -inf */
	} tails[] = {
	    {"tail-masked:n=37", 37, 32, 37},
	    {"tail-only:n=37", 37, 0, 32},
	    {"tail-masked:n=7", 7, 4, 7},
	};
	for (size_t j = 0; j < sizeof tails / sizeof *tails; j++) {
		if (!(s = add(out, k, max, tails[j].name, SMX_SCEN_FINITE, tails[j].n)))
			return;
		s->rk = SMX_RK_TAIL_MASK;
		unit_row(dt, s->x, s->n, 23);
		for (size_t i = 0; i < s->n; i++)
			s->x[i] = to_dt(dt, 4 * s->x[i]);
		set_range(s->x, tails[j].a, tails[j].b, -INFINITY);
	}
	/* Fully masked rows through the tail, the online steps and the blocks. */
	const size_t masked[3] = {7, 69, firsts[1] + 37};
	for (size_t j = 0; j < 3; j++) {
		snprintf(name, sizeof name, "all-masked:n=%zu", masked[j]);
		if (!(s = add(out, k, max, name, SMX_SCEN_ALL_NEGINF, masked[j])))
			return;
		set_range(s->x, 0, masked[j], -INFINITY);
	}
	/* Mixed +-inf: -inf first, +inf in the tail, finite between; and a
	 * row of -inf with one +inf. */
	for (size_t j = 0; j < 2; j++) {
		if (!(s = add(out, k, max, j ? "mixed-inf-masked:n=37" : "mixed-inf:n=37",
			      SMX_SCEN_POS_INF, 37)))
			return;
		s->rk = SMX_RK_MIXED_INF;
		unit_row(dt, s->x, 37, 29);
		for (size_t i = 0; i < 37; i++)
			s->x[i] = j ? -INFINITY : to_dt(dt, 4 * s->x[i]);
		s->x[0] = s->x[3] = -INFINITY;
		s->x[34] = INFINITY;
	}
	/* benchdnn's structured fills (rows.c). */
	static const char *const fills[2] = {"benchdnn+", "benchdnn-"};
	for (size_t j = 0; j < 2; j++)
		if ((s = add(out, k, max, fills[j], SMX_SCEN_FINITE, 64))) {
			struct smx_dist d;
			smx_dist_parse(fills[j], &d);
			smx_dist_fill(&d, dt, 3, 1, 64, s->x);
		}
}

size_t smx_scenarios(smx_dtype dt, struct smx_scenario *out, size_t max)
{
	size_t k = 0;
	struct smx_scenario *s;
	const int f32 = dt != SMX_F64; /* the narrow formats take f32's rows */
	const struct smx_dtype_info *t = smx_dtype_info(dt);
	const double big = t->max_finite;
	char name[48];
	/* Scale sweep: a row in (-1, 1) times 1, 10, ..., then the largest value. */
	for (int e = 0; e <= (int)ceil(t->emax * log10(2.0)); e += (e < 4 ? 1 : f32 ? 6 : 38)) {
		snprintf(name, sizeof name, "scale:1e%d", e);
		if (!(s = add(out, &k, max, name, SMX_SCEN_FINITE, 64)))
			return k;
		unit_row(dt, s->x, 64, 7);
		for (size_t i = 0; i < 64; i++)
			s->x[i] = to_dt(dt, s->x[i] * pow(10, e));
	}
	if ((s = add(out, &k, max, "scale:max", SMX_SCEN_FINITE, 64))) {
		unit_row(dt, s->x, 64, 7);
		for (size_t i = 0; i < 64; i++)
			s->x[i] = to_dt(dt, s->x[i] * big);
	}
	const struct {
		const char *name;
		double v;
	} equal[] = {
	    {"equal:+100", 100}, {"equal:+1e30", 1e30}, {"equal:max", big}, {"equal:-1000", -1000}};
	for (size_t j = 0; j < sizeof equal / sizeof *equal; j++)
		if ((s = add(out, &k, max, equal[j].name, SMX_SCEN_FINITE, 16)))
			for (size_t i = 0; i < 16; i++)
				s->x[i] = to_dt(dt, equal[j].v);
	/* Infinities, masks and NaN on a row in (-4, 4). */
	static const struct {
		const char *name;
		enum smx_scen_kind kind;
		double v;
		size_t every; /* set entries i % every == 0 (0: only entry 5) */
	} marks[] = {
	    {"one+inf", SMX_SCEN_POS_INF, INFINITY, 0},
	    {"three+inf", SMX_SCEN_POS_INF, INFINITY, 11},
	    {"one-inf", SMX_SCEN_FINITE, -INFINITY, 0},
	    {"half-masked", SMX_SCEN_FINITE, -INFINITY, 2},
	    {"all-inf-masked", SMX_SCEN_ALL_NEGINF, -INFINITY, 1},
	    {"one-nan", SMX_SCEN_NAN, NAN, 0},
	};
	for (size_t j = 0; j < sizeof marks / sizeof *marks; j++) {
		if (!(s = add(out, &k, max, marks[j].name, marks[j].kind, 33)))
			return k;
		unit_row(dt, s->x, 33, 11);
		for (size_t i = 0; i < 33; i++) {
			s->x[i] = to_dt(dt, 4 * s->x[i]);
			if (marks[j].every ? i % marks[j].every == 0 : i == 5)
				s->x[i] = marks[j].v;
		}
	}
	/* Subnormal inputs: the row is tiny, softmax is nearly uniform. */
	if ((s = add(out, &k, max, "subnormal-inputs", SMX_SCEN_FINITE, 17))) {
		double tiny = ldexp(1, t->emin_sub + (dt == SMX_F64 ? 14 : dt == SMX_F32 ? 9 : 3));
		for (size_t i = 0; i < 17; i++)
			s->x[i] = (double)(i % 5) * tiny - 2 * tiny;
	}
	/* Around exp's thresholds: overflow, the least normal, the least
	 * subnormal (88.72 / -87.34 / -103.97 in f32). */
	const double ovf = f32 ? 88.72283f : 709.782712893384,
		     nrm = f32 ? -87.33654f : -708.3964185322641,
		     sub = f32 ? -103.97208f : -745.1332191019411;
	if ((s = add(out, &k, max, "near-exp-overflow", SMX_SCEN_FINITE, 6))) {
		const double v[6] = {ovf, ovf - 0.5, ovf + 0.5, 0, -1, ovf + 2};
		for (size_t i = 0; i < 6; i++)
			s->x[i] = to_dt(dt, v[i]);
	}
	if ((s = add(out, &k, max, "near-exp-underflow", SMX_SCEN_FINITE, 6))) {
		const double v[6] = {0, nrm, nrm - 1, sub, sub + 0.5, sub - 0.5};
		for (size_t i = 0; i < 6; i++)
			s->x[i] = to_dt(dt, v[i]);
	}
	if ((s = add(out, &k, max, "subnormal-outputs", SMX_SCEN_FINITE, 33))) {
		unit_row(dt, s->x, 33, 13);
		for (size_t i = 0; i < 33; i++)
			s->x[i] = to_dt(dt, nrm + (sub - nrm) * (s->x[i] + 1) / 2);
		s->x[0] = 0;
	}
	add(out, &k, max, "n=0", SMX_SCEN_EMPTY, 0);
	if ((s = add(out, &k, max, "n=1", SMX_SCEN_FINITE, 1)))
		s->x[0] = to_dt(dt, 12.5);
	/* The smallest rows with NaN and infinities: the paths for n <= 2
	 * (often scalar tails or special cases) see them too. */
	static const struct {
		const char *name;
		enum smx_scen_kind kind;
		size_t n;
		double v[2];
	} tiny[] = {
	    {"n=1:nan", SMX_SCEN_NAN, 1, {NAN, 0}},
	    {"n=1:-inf", SMX_SCEN_ALL_NEGINF, 1, {-INFINITY, 0}},
	    {"n=1:+inf", SMX_SCEN_POS_INF, 1, {INFINITY, 0}},
	    {"n=2:nan", SMX_SCEN_NAN, 2, {0.5, NAN}},
	    {"n=2:-inf", SMX_SCEN_FINITE, 2, {0.5, -INFINITY}},
	    {"n=2:+inf", SMX_SCEN_POS_INF, 2, {0.5, INFINITY}},
	};
	for (size_t j = 0; j < sizeof tiny / sizeof *tiny; j++)
		if ((s = add(out, &k, max, tiny[j].name, tiny[j].kind, tiny[j].n)))
			memcpy(s->x, tiny[j].v, tiny[j].n * sizeof *s->x);
	/* The maximum last, above the rest by more than exp's range, even a
	 * long double one (a kernel that takes the max over n - 1 entries
	 * overflows), in a 2-entry row and in one past a vector. */
	const double far = 20000;
	for (size_t n = 2; n <= 17; n += 15) {
		char nm[48];
		snprintf(nm, sizeof nm, "max-last-far:n=%zu", n);
		if ((s = add(out, &k, max, nm, SMX_SCEN_FINITE, n))) {
			for (size_t i = 0; i + 1 < n; i++)
				s->x[i] = to_dt(dt, -(double)i / 4);
			s->x[n - 1] = far;
		}
	}
	if ((s = add(out, &k, max, "ascending", SMX_SCEN_FINITE, 1000))) {
		struct smx_dist d;
		smx_dist_parse("sorted", &d);
		smx_dist_fill(&d, dt, 5, 1, 1000, s->x);
	}
	edge_rows(dt, out, &k, max);
	return k;
}

/* One call of im on one row: guarded when r is NULL, else isolated with
 * guard pages, its result in r. 1 when the call returned (outputs
 * written). */
static int scen_call(const struct smx_impl *im, void *in, void *in2, void *out, size_t n,
		     struct smx_run_result *r)
{
	if (!r) {
		smx_run_guarded(im, in, in2, out, 1, n);
		return 1;
	}
	return smx_run_isolated(im, in, in2, out, 1, n, NULL, r) == 1;
}

enum smx_outcome smx_scenario_run(const struct smx_impl *im, const struct smx_scenario *s,
				  double *max_ulp)
{
	return smx_scenario_run_in(im, s, max_ulp, NULL);
}

enum smx_outcome smx_scenario_run_in(const struct smx_impl *im, const struct smx_scenario *s,
				     double *max_ulp, struct smx_run_result *r)
{
	*max_ulp = NAN;
	if (smx_op_out_len(im->op, s->n) == 0) {
		/* Nothing may be written: a sentinel just past an empty row (in
		 * the runner, a guard page). */
		const struct smx_dtype_info *out = smx_dtype_info(smx_impl_out(im));
		_Alignas(8) unsigned char row[8], sentinel[2 * 8];
		out->store(sentinel, 1, 7);
		if (!scen_call(im, row, NULL, sentinel + out->size, 0, r))
			return SMX_OUT_WRONG;
		return out->load(sentinel, 1) == 7 ? SMX_OUT_OK : SMX_OUT_WRONG;
	}
	struct smx_rows x;
	smx_rows_copy(&x, im->dtype, s->x, 1, s->n);
	struct smx_case c;
	smx_case_adopt(&c, im->op, &x);
	const smx_dtype od = smx_impl_out(im);
	if (od != im->dtype || im->out_scale != 0)
		smx_ref_out_rows(od, im->out_scale, c.x, 1, s->n, c.ref, c.status);
	size_t es = smx_dtype_size(im->dtype);
	size_t outs = smx_op_out_len(im->op, s->n);
	void *in = smx_alloc(s->n, es), *out = smx_alloc(outs, smx_dtype_size(od)), *in2 = NULL;
	double *y = smx_alloc(outs, sizeof *y);
	smx_to_dtype(im->dtype, c.x, in, s->n);
	if (smx_op_info(im->op)->in[1] == SMX_ARG_TARGETS) {
		/* The row's own target, not a generated one: the reference again. */
		c.g[0] = (double)s->target;
		smx_op_info(im->op)->ref_rows(im->op, im->dtype, 0, c.x, c.g, 1, s->n, c.ref,
					      c.status);
		in2 = smx_alloc(s->n, es);
		smx_to_dtype(im->dtype, c.g, in2, s->n);
	}
	if (!scen_call(im, in, in2, out, s->n, r)) {
		free(in2);
		free(in);
		free(out);
		free(y);
		smx_case_free(&c);
		return SMX_OUT_WRONG;
	}
	smx_from_dtype(od, out, y, outs);
	free(in2);
	double ratio = NAN;
	if (in2 && c.status[0] == SMX_REF_OK) {
		/* Loss in ulps, gradient in units of u (p_c + q_c): accuracy's
		 * measure (xent_metrics.c). */
		struct smx_metrics m;
		smx_metrics_init(&m);
		smx_case_fold(im, &c, y, &m);
		*max_ulp = m.max_ulp;
		ratio = isfinite(im->bound.c0) ? m.decl_ratio : m.max_ulp / SMX_PEER_OK_ULP;
	} else if (c.status[0] == SMX_REF_OK) {
		double worst = 0, dmax = 0, xm = -INFINITY;
		ratio = 0;
		for (size_t i = 0; i < s->n; i++)
			if (c.x[i] > xm)
				xm = c.x[i];
		for (size_t i = 0; i < s->n; i++)
			if (isfinite(c.x[i]) && xm - c.x[i] > dmax)
				dmax = xm - c.x[i];
		for (size_t i = 0; i < outs; i++) {
			double e = smx_ulp_error(&c.ref[i], y[i]);
			worst = e > worst ? e : worst;
			double lim = SMX_PEER_OK_ULP, m = e;
			if (isfinite(im->bound.c0)) {
				double d = outs == s->n && isfinite(c.x[i]) ? xm - c.x[i] : 0;
				lim = smx_bound_at(&im->bound, s->n, d, dmax);
				m = smx_bound_measure(&im->bound, od, &c.ref[i], y[i]);
			}
			ratio = m / lim > ratio ? m / lim : ratio;
		}
		*max_ulp = worst;
	}
	enum smx_outcome o = smx_classify(im->op, c.status[0], y, c.ref, outs, ratio);
	free(in);
	free(out);
	free(y);
	smx_case_free(&c);
	return o;
}

enum smx_outcome smx_scenario_expect(const struct smx_impl *im, const struct smx_scenario *s,
				     int *any)
{
	*any = 0;
	switch (s->kind) {
	case SMX_SCEN_NAN:
		return SMX_OUT_NAN;
	case SMX_SCEN_ALL_NEGINF:
		return im->policy.all_neginf == SMX_EDGE_ZERO	 ? SMX_OUT_ZERO
		       : im->policy.all_neginf == SMX_EDGE_LIMIT ? SMX_OUT_OK
								 : SMX_OUT_NAN;
	case SMX_SCEN_POS_INF:
		return im->policy.pos_inf == SMX_EDGE_LIMIT ? SMX_OUT_OK : SMX_OUT_NAN;
	case SMX_SCEN_EMPTY:
		return SMX_OUT_OK;
	case SMX_SCEN_FINITE:
		break;
	}
	if (im->bound.domain > 0)
		for (size_t i = 0; i < s->n; i++)
			if (isfinite(s->x[i]) && fabs(s->x[i]) > im->bound.domain)
				*any = 1;
	return SMX_OUT_OK;
}

/* The first t = log2 of the scale at which the row fill(t) leaves ok: a
 * scan in steps of one binade (eight in f64), as outcomes need not be
 * monotone, then bisection inside the step. */
static double bisect(const struct smx_impl *im, void (*fill)(smx_dtype, double, double *),
		     enum smx_outcome *becomes)
{
	struct smx_scenario s = {.kind = SMX_SCEN_FINITE, .n = 64};
	/* Past 2^(emax + 1) the rows are capped at max_finite, the same row:
	 * the scan ends there, in at most 128 steps. */
	const double top = smx_dtype_info(im->dtype)->emax + 1, step = fmax(1, top / 128);
	double u, lo = -1, hi = -1;
	for (double t = 0; t <= top; t += step) {
		fill(im->dtype, t, s.x);
		enum smx_outcome o = smx_scenario_run(im, &s, &u);
		if (o != SMX_OUT_OK) {
			*becomes = o;
			lo = t - step;
			hi = t;
			break;
		}
	}
	if (hi < 0) {
		*becomes = SMX_OUT_OK;
		return 0;
	}
	for (int it = 0; it < 24; it++) {
		double mid = (lo + hi) / 2;
		fill(im->dtype, mid, s.x);
		enum smx_outcome o = smx_scenario_run(im, &s, &u);
		if (o == SMX_OUT_OK) {
			lo = mid;
		} else {
			hi = mid;
			*becomes = o;
		}
	}
	return exp2(hi);
}

static void fill_scale(smx_dtype dt, double l2, double *x)
{
	unit_row(dt, x, 64, 7);
	double big = smx_dtype_info(dt)->max_finite, sc = fmin(exp2(l2), big);
	for (size_t i = 0; i < 64; i++)
		x[i] = to_dt(dt, x[i] * sc);
}

static void fill_range(smx_dtype dt, double l2, double *x)
{
	double big = smx_dtype_info(dt)->max_finite, r = fmin(exp2(l2), big);
	for (size_t i = 0; i < 64; i++)
		x[i] = to_dt(dt, -r * (double)(i % 4) / 3);
}

double smx_threshold_scale(const struct smx_impl *im, enum smx_outcome *becomes)
{
	return bisect(im, fill_scale, becomes);
}

double smx_threshold_range(const struct smx_impl *im, enum smx_outcome *becomes)
{
	return bisect(im, fill_range, becomes);
}
