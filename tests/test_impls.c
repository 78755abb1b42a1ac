/* Every registry entry against the reference: each test iterates the
 * registry and names the failing implementation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dtype.h"
#include "op.h"
#include "measure.h"
#include "smx.h"

static const size_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000};
#define NSIZES (sizeof sizes / sizeof *sizes)

/* Row families inside every entry's declared domain (|x| <= 40). */
static const char *const dists[] = {"uniform:-10,10", "normal:3", "lm", "attn", "sorted"};
#define NDISTS (sizeof dists / sizeof *dists)

static void *dup_as(smx_dtype dt, const double *x, size_t count)
{
	void *p = malloc((count ? count : 1) * smx_dtype_size(dt));
	cr_assert(p);
	smx_to_dtype(dt, x, p, count);
	return p;
}

/* Run a check over every entry, size and family. */
static void each_case(void (*check)(const struct smx_impl *, const struct smx_case *))
{
	for (size_t i = 0; i < smx_registry_count(); i++) {
		const struct smx_impl *im = smx_registry_get(i);
		if (!smx_impl_runnable(im))
			continue;
		for (size_t d = 0; d < NDISTS; d++)
			for (size_t k = 0; k < NSIZES; k++) {
				if (im->op == SMX_OP_JACOBIAN && sizes[k] > 65)
					continue; /* n^2 outputs: the cost grows fast */
				struct smx_dist dist;
				cr_assert_eq(smx_dist_parse(dists[d], &dist), 0);
				struct smx_case c;
				smx_case_generate(&c, im->op, im->dtype, &dist, 11 + k, 3,
						  sizes[k]);
				check(im, &c);
				smx_case_free(&c);
			}
	}
}

/* Names the case in a message: WHO_F in the format, WHO_A last among the
 * arguments. */
#define WHO_F "%s %s %s n=%zu"
#define WHO_A(im, c) smx_op_name((im)->op), smx_dtype_name((im)->dtype), (im)->name, (c)->n

/* Whether every entry of the case lies in the entry's declared domain
 * (the rows its bound and its range speak of). */
static int in_domain(const struct smx_impl *im, const struct smx_case *c)
{
	for (size_t i = 0; im->bound.domain > 0 && i < c->rows * c->n; i++)
		if (fabs(c->x[i]) > im->bound.domain)
			return 0;
	return 1;
}

static void within_bound(const struct smx_impl *im, const struct smx_case *c)
{
	if (!isfinite(im->bound.c0) || !in_domain(im, c))
		return; /* peers claim no bound; no claim outside the domain */
	struct smx_metrics m;
	smx_metrics_init(&m);
	smx_measure(im, c, &m, NULL);
	cr_expect_eq(m.nan_rows + m.inf_rows + m.zero_rows, 0, WHO_F, WHO_A(im, c));
	cr_expect_eq(m.wrong_rows, 0, WHO_F, WHO_A(im, c));
	cr_expect(m.decl_ratio <= 1, "decl_ratio %g: " WHO_F, m.decl_ratio, WHO_A(im, c));
	/* sum(y) - 1 is bounded by the largest component bound (in eps). For
	 * log-softmax, sum(exp(y)) - 1 is to first order sum p_i (y'_i - y_i),
	 * each term within bound * ulp(y_i) <= bound * eps |y_i|, and
	 * sum p_i |y_i| is the entropy, <= ln n; 2^-20 covers the long double
	 * evaluation. */
	double worst = 0;
	for (size_t r = 0; r < c->rows; r++) {
		const double *x = c->x + r * c->n;
		double mx = -INFINITY, mn = INFINITY;
		for (size_t j = 0; j < c->n; j++) {
			mx = fmax(mx, x[j]);
			mn = fmin(mn, x[j]);
		}
		worst = fmax(worst, smx_bound_at(&im->bound, c->n, mx - mn, mx - mn));
	}
	if (im->op == SMX_OP_LOGSOFTMAX)
		worst = worst * log((double)c->n) + 0x1p-20;
	/* The ulp is floored at the output's least subnormal lam: each
	 * component may add that much more, n lam / eps in all (fp8; nothing
	 * in f32 and f64). */
	const smx_dtype od = smx_impl_out(im);
	worst *= 1 + (double)c->n * ldexp(1.0, smx_dtype_emin_sub(od) + smx_dtype_prec(od) - 1);
	if (im->bound.kind == SMX_BOUND_ULP && smx_op_forward(im->op))
		cr_expect(m.sum_err <= worst, "sum error %g > %g: " WHO_F, m.sum_err, worst,
			  WHO_A(im, c));
}

Test(impls, error_within_declared_bound, .timeout = 600)
{
	each_case(within_bound);
}

/* Outputs in range (forward ops), and the same bits when the output
 * overwrites an input (forward: y == x; backward: dx == g and dx == s; the
 * Jacobian writes n x n values and has no in-place form). */
static void range_and_inplace(const struct smx_impl *im, const struct smx_case *c)
{
	if (im->origin != SMX_ORIGIN_BUILTIN || !in_domain(im, c))
		return; /* a peer's behaviour is a finding; overflow past the domain */
	size_t total = c->rows * c->n, es = smx_dtype_size(c->dt);
	size_t outs = c->rows * smx_op_out_len(c->op, c->n);
	/* An fp8 output: its own element size, and p S up to the format's
	 * largest value when scaled. */
	const smx_dtype od = smx_impl_out(im);
	const size_t os = smx_dtype_size(od);
	const double top = im->out_scale != 0 ? smx_dtype_info(od)->max_finite : 1;
	void *a = dup_as(c->dt, c->in, total), *out = malloc(outs * es + 1);
	void *b = c->g ? dup_as(c->dt, c->g, total) : NULL;
	cr_assert(out);
	smx_impl_run(im, a, b, out, c->rows, c->n);
	const struct smx_op_info *oi = smx_op_info(im->op);
	if (oi->in_place)
		for (int which = 0; which < (b ? 2 : 1); which++) {
			void *io = dup_as(c->dt, which ? c->g : c->in, total);
			smx_impl_run(im, which ? a : io, which ? io : b, io, c->rows, c->n);
			cr_expect(!memcmp(out, io, total * os),
				  "in place (over input %d) differs: " WHO_F, which + 1,
				  WHO_A(im, c));
			free(io);
		}
	if (oi->sum != SMX_SUM_NONE) {
		double *y = malloc(total * sizeof *y);
		smx_from_dtype(od, out, y, total);
		/* Probabilities lie in [0, 1]; log-probabilities <= 0 only for
		 * entries with a relative (ulp) bound: an absolute bound lets
		 * x - log(sum) land above 0. */
		int inrange = 1;
		for (size_t i = 0; i < total; i++)
			inrange &= oi->sum == SMX_SUM_ONE
				       ? y[i] >= 0 && y[i] <= top
				       : y[i] <= 0 || im->bound.kind == SMX_BOUND_ABS;
		cr_expect(inrange, "output out of range: " WHO_F, WHO_A(im, c));
		free(y);
	}
	free(a);
	free(b);
	free(out);
}

Test(impls, range_and_in_place, .timeout = 600)
{
	each_case(range_and_inplace);
}

/* softmax(x + c) = softmax(x): on a grid where x + c is exact, both outputs
 * are within the bound of the same exact values. */
Test(impls, shift_invariance)
{
	uint64_t st = 5;
	enum { N = 37 };
	double x[N], xs[N];
	for (size_t i = 0; i < N; i++) {
		x[i] = floor(smx_uniform01(&st) * 4096 - 2048) / 256; /* multiples of 2^-8 */
		xs[i] = x[i] + 17;
	}
	for (size_t k = 0; k < smx_registry_count(); k++) {
		const struct smx_impl *im = smx_registry_get(k);
		if (!smx_impl_runnable(im) || !isfinite(im->bound.c0) || !smx_op_forward(im->op))
			continue;
		struct smx_case a, b;
		struct smx_rows ra, rb;
		smx_rows_alloc(&ra, im->dtype, 1, N);
		smx_rows_alloc(&rb, im->dtype, 1, N);
		double *xa = ra.x, *xb = rb.x;
		/* The narrow formats take a coarser grid: |x + 17| < 32 leaves
		 * prec - 5 fraction bits. */
		int p = smx_dtype_info(im->dtype)->prec - 5, fb = p < 8 ? p : 8;
		for (size_t i = 0; i < N; i++) {
			xa[i] = ldexp(floor(ldexp(x[i], fb)), -fb);
			xb[i] = xa[i] + (xs[i] - x[i]);
		}
		smx_case_adopt(&a, im->op, &ra);
		smx_case_adopt(&b, im->op, &rb);
		if (im->op == SMX_OP_SOFTMAX)
			cr_assert_eq(memcmp(a.ref, b.ref, N * sizeof *a.ref), 0);
		double ea[N], eb[N];
		struct smx_metrics m;
		smx_metrics_init(&m);
		smx_measure(im, &a, &m, ea);
		smx_measure(im, &b, &m, eb);
		cr_expect_eq(m.wrong_rows, 0, "%s %s %s: shifted input leaves the bound",
			     smx_op_name(im->op), smx_dtype_name(im->dtype), im->name);
		smx_case_free(&a);
		smx_case_free(&b);
	}
}

Test(impls, registry_names_are_unique_and_parseable)
{
	for (size_t i = 0; i < smx_registry_count(); i++) {
		const struct smx_impl *a = smx_registry_get(i);
		const char *slash = strchr(a->name, '/');
		cr_expect(slash && !strncmp(a->name, a->algo, (size_t)(slash - a->name)) &&
			      !strcmp(slash + 1, a->isa),
			  "%s is not <algo>/<isa>", a->name);
		cr_expect_eq(smx_registry_find(a->op, a->dtype, a->name), a, "%s not unique",
			     a->name);
	}
	for (int op = 0; op < SMX_OP_COUNT; op++)
		for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
			if (smx_dtype_info((smx_dtype)dt)->sweep)
				cr_expect(smx_registry_best((smx_op)op, (smx_dtype)dt) != NULL);
}

/* Bug caught: --impl best ("the most accurate built-in") passing over an
 * entry that claims a tighter bound of the same kind, as it did over
 * cr/ (0.503 ulp) for accurate/ (1.7) in f32 softmax. From n = 32: at
 * n = 1 a constant claim (f64 accurate log-softmax, 12 ulp) may exceed an
 * n-dependent one. */
Test(registry, best_claims_the_tightest_bound)
{
	for (int op = 0; op < SMX_OP_COUNT; op++)
		for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
			if (smx_dtype_info((smx_dtype)dt)->sweep) {
				const struct smx_impl *b =
				    smx_registry_best((smx_op)op, (smx_dtype)dt);
				if (!b)
					continue;
				for (size_t i = 0; i < smx_registry_count(); i++) {
					const struct smx_impl *a = smx_registry_get(i);
					if (a->op != (smx_op)op || a->dtype != (smx_dtype)dt ||
					    a->origin != SMX_ORIGIN_BUILTIN ||
					    !smx_impl_runnable(a) ||
					    a->bound.kind != b->bound.kind ||
					    smx_impl_out(a) != smx_impl_out(b))
						continue; /* ulps of another format do not compare
							   */
					for (size_t n = 32; n <= 1 << 20; n *= 32)
						cr_expect(smx_bound_at(&a->bound, n, 0, 0) >=
							      smx_bound_at(&b->bound, n, 0, 0),
							  "%s %s: best is %s, but %s claims less "
							  "at n = %zu",
							  smx_op_name(a->op),
							  smx_dtype_name(a->dtype), b->name,
							  a->name, n);
				}
			}
}
