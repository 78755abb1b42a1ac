/* Claims against hard rows: tests/data/claims.txt replayed against every
 * forward entry's bound, planted bugs that the replay must catch, and the
 * SIMD kernels at their block and chunk boundaries. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dtype.h"
#include "measure.h"
#include "ref_out.h"
#include "smx.h"
#include "smx_impls.h"
#include "testutil.h"

/* Every value of the row is a float (so the row is replayed in f32 too). */
static int row_is_f32(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i]) && (double)(float)x[i] != x[i])
			return 0;
	return 1;
}

/* Rows of claims.txt for dtype dt (f32: the float rows only), one case per
 * row for op. Returns the number of cases. */
static size_t claim_cases(smx_op op, smx_dtype dt, struct smx_case **out)
{
	struct smx_rows rs;
	smx_test_rows(SMX_TESTDATA "/claims.txt", SMX_F64, &rs);
	struct smx_case *cs = calloc(rs.count, sizeof *cs);
	cr_assert(cs);
	size_t k = 0;
	for (size_t r = 0; r < rs.count; r++) {
		size_t n = rs.off[r + 1] - rs.off[r];
		const double *x = rs.x + rs.off[r];
		if (dt == SMX_F32 && !row_is_f32(x, n))
			continue;
		struct smx_rows copy;
		smx_rows_copy(&copy, dt, x, 1, n);
		smx_case_adopt(&cs[k++], op, &copy);
	}
	smx_rows_free(&rs);
	*out = cs;
	return k;
}

/* The largest error over claim of im on the cases (one row each) whose
 * finite entries lie in the claim's domain (-inf entries are exact zeros
 * and allowed); +inf when an output is NaN or infinite where the
 * reference is finite. */
static double worst_ratio(const struct smx_impl *im, const struct smx_case *cs, size_t count,
			  size_t *which)
{
	double worst = 0;
	for (size_t k = 0; k < count; k++) {
		const struct smx_case *c = &cs[k];
		double mx = -INFINITY, mn = INFINITY;
		int inside = c->status[0] == SMX_REF_OK;
		for (size_t i = 0; i < c->n; i++)
			if (isfinite(c->x[i])) {
				mx = fmax(mx, c->x[i]);
				mn = fmin(mn, c->x[i]);
				inside &=
				    !(im->bound.domain > 0) || fabs(c->x[i]) <= im->bound.domain;
			} else {
				inside &= c->x[i] == -INFINITY;
			}
		if (!inside)
			continue;
		/* An fp8 output against the reference of that output. */
		const smx_dtype od = smx_impl_out(im);
		size_t es = smx_dtype_size(c->dt);
		void *in = malloc(c->n * es), *out = malloc(c->n * smx_dtype_size(od));
		double *y = malloc(c->n * sizeof *y);
		struct smx_refval *ref = c->ref, *oref = malloc(c->n * sizeof *oref);
		cr_assert(in && out && y && oref);
		int st;
		if (od != c->dt || im->out_scale != 0) {
			smx_ref_out_rows(od, im->out_scale, c->x, 1, c->n, oref, &st);
			ref = oref;
		}
		smx_to_dtype(c->dt, c->x, in, c->n);
		smx_impl_run(im, in, NULL, out, 1, c->n);
		smx_from_dtype(od, out, y, c->n);
		for (size_t i = 0; i < c->n; i++) {
			double d = isfinite(c->x[i]) ? mx - c->x[i] : 0;
			double lim = smx_bound_at(&im->bound, c->n, d, mx - mn);
			double r = smx_bound_measure(&im->bound, od, &ref[i], y[i]) / lim;
			if (isnan(y[i]) || (isinf(y[i]) && y[i] != ref[i].cr))
				r = INFINITY;
			if (r > worst) {
				worst = r;
				*which = k;
			}
		}
		free(in);
		free(out);
		free(y);
		free(oref);
	}
	return worst;
}

static void free_cases(struct smx_case *cs, size_t count)
{
	for (size_t k = 0; k < count; k++)
		smx_case_free(&cs[k]);
	free(cs);
}

Test(claims, hard_rows_hold_every_claim, .timeout = 600)
{
	const smx_op ops[] = {SMX_OP_SOFTMAX, SMX_OP_LOGSOFTMAX};
	for (size_t o = 0; o < 2; o++)
		for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
			if (smx_dtype_info((smx_dtype)dt)->sweep) {
				struct smx_case *cs;
				size_t count = claim_cases(ops[o], (smx_dtype)dt, &cs);
				cr_assert(count > 0);
				for (size_t i = 0; i < smx_registry_count(); i++) {
					const struct smx_impl *im = smx_registry_get(i);
					if (im->op != ops[o] || im->dtype != (smx_dtype)dt ||
					    !smx_impl_runnable(im) || !isfinite(im->bound.c0))
						continue;
					size_t k = 0;
					double r = worst_ratio(im, cs, count, &k);
					cr_expect(
					    r <= 1,
					    "%s %s %s: error / claim %g on claims row %zu (n=%zu)",
					    smx_op_name(im->op), smx_dtype_name(im->dtype),
					    im->name, r, k, cs[k].n);
				}
				free_cases(cs, count);
			}
}

/* Planted bugs, with the claims of the kernels they imitate. clamp: the
 * former two-pass handling of padding, 8 - n % 8 lanes of e^-1e6 in the sum
 * (f32, 7.5 + n ulps for |x| <= 1e6). inherit: terms from the float vector
 * exp, the sum in double and one rounding of t/S, so the sum inherits the
 * terms' exp error (f32, 1.7 ulps). */
static void planted_clamp(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		double m = -INFINITY, s = 0;
		for (size_t i = 0; i < n; i++)
			m = fmax(m, x[i]);
		for (size_t i = 0; i < n; i++)
			s += exp(x[i] - m);
		s += (double)((8 - n % 8) % 8) * exp(-1e6 - m);
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp(x[i] - m) / s);
	}
}

static void planted_inherit(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		float m = -INFINITY;
		for (size_t i = 0; i < n; i++)
			m = fmaxf(m, x[i]);
		double s = 0;
		for (size_t i = 0; i < n; i++) {
			float d = x[i] - m;
			smx_exp_f32__avx2(&d, &y[i], 1);
			s += y[i];
		}
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(y[i] / s);
	}
}

/* round2: the term rounded to float before the division, which accurate
 * allows for and cr does not (f32, 0.503 ulps). */
static void planted_round2(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		double m = -INFINITY, s = 0;
		for (size_t i = 0; i < n; i++)
			m = fmax(m, x[i]);
		for (size_t i = 0; i < n; i++)
			s += exp(x[i] - m);
		for (size_t i = 0; i < n; i++)
			y[i] = (float)((float)exp(x[i] - m) / s);
	}
}

Test(claims, replay_catches_planted_bugs, .timeout = 600)
{
	if (!(smx_cpu_features() & SMX_CPU_AVX2))
		cr_skip_test("no AVX2 for the planted exp");
	struct smx_impl clamp = {.name = "planted/clamp",
				 .op = SMX_OP_SOFTMAX,
				 .dtype = SMX_F32,
				 .fn.f32 = planted_clamp,
				 .bound = {SMX_BOUND_ULP, 7.5, 1, 0, 0, 1e6}};
	struct smx_impl inherit = {.name = "planted/inherit",
				   .op = SMX_OP_SOFTMAX,
				   .dtype = SMX_F32,
				   .fn.f32 = planted_inherit,
				   .bound = {SMX_BOUND_ULP, 1.7, 0, 0, 0, 0}};
	struct smx_impl round2 = {.name = "planted/round2",
				  .op = SMX_OP_SOFTMAX,
				  .dtype = SMX_F32,
				  .fn.f32 = planted_round2,
				  .bound = {SMX_BOUND_ULP, 0.503, 0, 0, 0, 0}};
	struct smx_case *cs;
	size_t count = claim_cases(SMX_OP_SOFTMAX, SMX_F32, &cs), k = 0;
	cr_expect(worst_ratio(&clamp, cs, count, &k) > 1, "the clamp bug passes the claims rows");
	cr_expect(worst_ratio(&inherit, cs, count, &k) > 1,
		  "the inherited exp error passes the claims rows");
	cr_expect(worst_ratio(&round2, cs, count, &k) > 1,
		  "the double rounding passes the claims rows");
	free_cases(cs, count);
}

/* The SIMD softmax kernels on rows one short of, at and one past their
 * boundaries (accurate's chunk of 2048, blocked's blocks of 4096 floats or
 * 2048 doubles, twice that): within the claim, in place the same bits. */
Test(claims, simd_block_and_chunk_boundaries, .timeout = 600)
{
	static const size_t sizes[] = {2047, 2048, 2049, 4095, 4096, 4097, 8191, 8193};
	struct smx_dist d;
	cr_assert_eq(smx_dist_parse("normal:3", &d), 0);
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep)
			for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
				struct smx_case c;
				smx_case_generate(&c, SMX_OP_SOFTMAX, (smx_dtype)dt, &d, 5 + s, 2,
						  sizes[s]);
				size_t total = c.rows * c.n, es = smx_dtype_size(c.dt);
				void *y = malloc(total * es), *io = malloc(total * es);
				cr_assert(y && io);
				for (size_t i = 0; i < smx_registry_count(); i++) {
					const struct smx_impl *im = smx_registry_get(i);
					if (im->op != SMX_OP_SOFTMAX ||
					    im->dtype != (smx_dtype)dt || !smx_impl_runnable(im) ||
					    !strcmp(im->isa, "scalar") ||
					    im->origin != SMX_ORIGIN_BUILTIN)
						continue;
					size_t k = 0;
					double r = worst_ratio(im, &c, 1, &k);
					cr_expect(r <= 1, "%s %s n=%zu: error / claim %g",
						  smx_dtype_name(c.dt), im->name, c.n, r);
					smx_to_dtype(c.dt, c.x, io, total);
					smx_impl_run(im, io, NULL, y, c.rows, c.n);
					smx_impl_run(im, io, NULL, io, c.rows, c.n);
					/* the output's bytes (fp8: the first quarter) */
					cr_expect(!memcmp(y, io,
							  total * smx_dtype_size(smx_impl_out(im))),
						  "%s %s n=%zu: in place differs",
						  smx_dtype_name(c.dt), im->name, c.n);
				}
				free(y);
				free(io);
				smx_case_free(&c);
			}
}
