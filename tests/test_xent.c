/* Log-sum-exp and cross-entropy kernels (smx_xent.h) against the MPFR
 * references (smx_ref_lse, smx_ref_xent): every kernel on random, peaked,
 * masked, tied and large-gap rows at tail lengths, unaligned and in place,
 * with label smoothing and ignore-index rows, each error held to the
 * kernel's derived bound. Each check has a planted-bug kernel beside it
 * that the same check must catch. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "measure.h"
#include "rows.h"
#include "ref_xent.h"
#include "smx_xent.h"

#define IGNORE (-100)

/* One row with its references. */
struct xcase {
	smx_dtype dt;
	size_t n;
	double *x;
	int64_t t;
	double eps;
	int lse_st, st;
	struct smx_refval lse, loss, *grad;
};

static uint64_t rng_state;
static double urand(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(rng_state >> 11) * 0x1p-53;
}

static double nrand(void)
{
	double a = urand(), b = urand();
	return sqrt(-2 * log(a + 0x1p-60)) * cos(6.283185307179586 * b);
}

static double in_dtype(smx_dtype dt, double v)
{
	return dt == SMX_F32 ? (double)(float)v : v;
}

/* Row kinds: 0 normal * 3, 1 LM-like (normal * 2 with one entry 25 above),
 * 2 normal * 20 with every 7th entry -inf, 3 ties at the maximum, 4 a gap
 * row (10 at entry 0, 10 - gap elsewhere: lse - x_t
 * cancels). */
static double *make_row(smx_dtype dt, size_t n, int kind, double gap)
{
	double *x = malloc((n ? n : 1) * sizeof *x);
	cr_assert(x);
	for (size_t i = 0; i < n; i++) {
		double v = kind == 1 ? 2 * nrand() : kind == 2 ? 20 * nrand() : 3 * nrand();
		if (kind == 2 && i % 7 == 3 && n > 1)
			v = -INFINITY;
		if (kind == 4)
			v = i ? 10 - gap : 10;
		x[i] = in_dtype(dt, v);
	}
	if (kind == 1 && n)
		x[(size_t)(urand() * (double)n)] = in_dtype(dt, 25 + 2 * nrand());
	if (kind == 3 && n > 1)
		x[n - 1] = x[0] = in_dtype(dt, 12);
	return x;
}

static size_t argmax(const double *x, size_t n)
{
	size_t k = 0;
	for (size_t i = 1; i < n; i++)
		if (x[i] > x[k])
			k = i;
	return k;
}

static void case_make(struct xcase *c, smx_dtype dt, size_t n, int kind, double gap, int64_t t,
		      double eps)
{
	c->dt = dt;
	c->n = n;
	c->x = make_row(dt, n, kind, gap);
	c->t = t;
	c->eps = eps;
	c->grad = malloc((n ? n : 1) * sizeof *c->grad);
	cr_assert(c->grad);
	c->lse_st = smx_ref_lse(dt, c->x, n, &c->lse);
	c->st = smx_ref_xent(dt, c->x, n, t, eps, IGNORE, &c->loss, c->grad);
}

static void case_free(struct xcase *c)
{
	free(c->x);
	free(c->grad);
}

/* Targets: uniform, or the argmax (a trained model's usual case). */
static int64_t pick_target(const double *x, size_t n, int biased)
{
	return biased ? (int64_t)argmax(x, n) : (int64_t)(urand() * (double)n) % (int64_t)n;
}

/* A kernel's outputs on one row as doubles; the row placed off elements
 * past an aligned start; in place: the gradient overwrites the row. */
static void run(const struct smx_xent_kernel *k, const struct xcase *c, size_t off, int inplace,
		double *v, double *g)
{
	const size_t es = smx_dtype_size(c->dt), n = c->n;
	unsigned char *xb = aligned_alloc(64, (n + off + 16) * es);
	unsigned char *gb = aligned_alloc(64, (n + off + 16) * es);
	unsigned char ob[8];
	cr_assert(xb && gb);
	smx_to_dtype(c->dt, c->x, xb + off * es, n);
	struct smx_xent_opts o = {c->eps, IGNORE};
	void *xp = xb + off * es, *gp = inplace ? xp : gb + off * es;
	const int f32 = c->dt == SMX_F32;
	if (k->family == SMX_XENT_LSE) {
		if (f32)
			k->fn.lse32(xp, (float *)ob, 1, n);
		else
			k->fn.lse64(xp, (double *)ob, 1, n);
	} else {
		void *gq = k->family == SMX_XENT_FUSED ? gp : NULL;
		if (f32)
			k->fn.xent32(xp, &c->t, (float *)ob, gq, 1, n, &o);
		else
			k->fn.xent64(xp, &c->t, (double *)ob, gq, 1, n, &o);
		if (gq)
			smx_from_dtype(c->dt, gq, g, n);
	}
	smx_from_dtype(c->dt, ob, v, 1);
	free(xb);
	free(gb);
}

/* dmax over the entries whose exp does not underflow, and |x_c - max|. */
static double dmax_of(const struct xcase *c)
{
	const double lim = c->dt == SMX_F32 ? 104 : 746;
	double m = c->x[argmax(c->x, c->n)], d = 0;
	for (size_t i = 0; i < c->n; i++)
		if (m - c->x[i] <= lim && m - c->x[i] > d)
			d = m - c->x[i];
	return d;
}

static double val(const struct smx_refval *r)
{
	return r->cr + ldexp(r->r, r->e);
}

/* Whether y is within |y - v| <= lim (equal when v is infinite). */
static int within(double y, double v, double lim)
{
	if (isinf(v))
		return y == v;
	return fabs(y - v) <= lim;
}

/* Violations of k's claim on case c (0 when it holds); why names the
 * first. */
static size_t check(const struct smx_xent_kernel *k, const struct xcase *c, size_t off, int inplace,
		    char *why, size_t wl)
{
	const size_t n = c->n;
	const double u = c->dt == SMX_F32 ? 0x1p-24 : 0x1p-53;
	/* n times half the least subnormal (rounded up: n + 1 halves). */
	const double nsub = ldexp((double)n + 1, c->dt == SMX_F32 ? -150 : -1075);
	const double dm = dmax_of(c), m = n ? c->x[argmax(c->x, n)] : 0;
	double v, *g = malloc((n ? n : 1) * sizeof *g);
	cr_assert(g);
	run(k, c, off, inplace, &v, g);
	size_t bad = 0;
	if (k->family == SMX_XENT_LSE) {
		double e = val(&c->lse);
		double lim =
		    smx_xent_coef_at(&k->bound->lse, n, 0, dm) * u * fmax(1, fabs(e)) + nsub;
		if (c->lse_st == SMX_REF_OK && !within(v, e, lim) && !bad++)
			snprintf(why, wl, "lse %a, exact %a, allowed %g", v, e, lim);
		free(g);
		return bad;
	}
	if (c->t == IGNORE) {
		bad += v != 0;
		for (size_t i = 0; k->family == SMX_XENT_FUSED && i < n; i++)
			bad += g[i] != 0;
		if (bad)
			snprintf(why, wl, "ignored row: loss %a or a gradient entry not 0", v);
		free(g);
		return bad;
	}
	double e = val(&c->loss);
	double lim = smx_xent_coef_at(&k->bound->loss, n, 0, dm) * ldexp(1, c->loss.e) + nsub;
	if (!within(v, e, lim) && !bad++)
		snprintf(why, wl, "loss %a, exact %a, allowed %g", v, e, lim);
	if (k->family != SMX_XENT_FUSED) {
		free(g);
		return bad;
	}
	const double lse = val(&c->lse);
	for (size_t i = 0; i < n; i++) {
		const double p = exp(c->x[i] - lse);
		const double q = c->eps / (double)n + (i == (size_t)c->t ? 1 - c->eps : 0);
		const double d = c->x[i] == -INFINITY ? 0 : m - c->x[i]; /* p_c = 0 exactly */
		const double b = smx_xent_coef_at(&k->bound->grad, n, d, dm);
		double gl = b * u * (p + q) + nsub;
		if (i == (size_t)c->t && c->x[i] == m && c->eps == 0)
			gl = fmin(gl, b * ldexp(1, c->grad[i].e) + nsub);
		const double gv = val(&c->grad[i]);
		if (!within(g[i], gv, gl) && !bad++)
			snprintf(why, wl, "grad[%zu] %a, exact %a, allowed %g", i, g[i], gv, gl);
	}
	free(g);
	return bad;
}

/* Row lengths: 1, 2, the lane widths +-1, the unroll (4 lanes) +-1, the
 * chunk (512) +-1, two chunks +-1, and a longer row. */
static const size_t lens[] = {1,  2,  3,  4,   5,   7,	 8,   9,   15,	16,   17,   31,	  32,  33,
			      63, 64, 65, 127, 128, 129, 511, 512, 513, 1023, 1024, 1025, 1500};
#define NLENS (sizeof lens / sizeof *lens)

/* Every case of the sweep for one dtype, calling f on each. */
typedef size_t (*case_fn)(const struct xcase *c, void *ctx);
static size_t sweep(smx_dtype dt, case_fn f, void *ctx)
{
	size_t bad = 0;
	rng_state = 12 + (uint64_t)dt;
	for (size_t a = 0; a < NLENS; a++)
		for (int kind = 0; kind < 4; kind++)
			for (int e = 0; e < 2; e++) {
				const size_t n = lens[a];
				struct xcase c;
				case_make(&c, dt, n, kind, 0, 0, e ? 0.1 : 0);
				/* The target: biased to the argmax on odd kinds;
				 * every 5th case ignored; never a -inf entry. */
				int64_t t = pick_target(c.x, n, kind & 1);
				if (c.x[t] == -INFINITY)
					t = (int64_t)argmax(c.x, n);
				if ((a + (size_t)kind) % 5 == 0)
					t = IGNORE;
				c.t = t;
				c.st = smx_ref_xent(dt, c.x, n, t, c.eps, IGNORE, &c.loss, c.grad);
				cr_assert_eq(c.st, SMX_REF_OK, "reference undefined at n=%zu", n);
				bad += f(&c, ctx);
				case_free(&c);
			}
	return bad;
}

struct kctx {
	const struct smx_xent_kernel *k;
	size_t off;
	int inplace, report;
};

static size_t check_one(const struct xcase *c, void *vctx)
{
	struct kctx *ctx = vctx;
	char why[200] = "";
	size_t b = check(ctx->k, c, ctx->off, ctx->inplace, why, sizeof why);
	if (b && ctx->report)
		cr_log_error("%s %s %s n=%zu t=%lld eps=%g off=%zu inplace=%d: %s",
			     smx_xent_family_name(ctx->k->family), smx_dtype_name(c->dt),
			     ctx->k->name, c->n, (long long)c->t, c->eps, ctx->off, ctx->inplace,
			     why);
	return b;
}

/* All kernels of a dtype on one case (the references are shared). */
struct allctx {
	size_t checked;
};
static size_t check_all(const struct xcase *c, void *vctx)
{
	struct allctx *a = vctx;
	size_t bad = 0;
	for (size_t i = 0; i < smx_xent_kernel_count(); i++) {
		const struct smx_xent_kernel *k = smx_xent_kernel_get(i);
		if (k->dtype != c->dt || (k->cpu & ~smx_cpu_features()))
			continue;
		for (int mode = 0; mode < 3; mode++) {
			struct kctx kc = {k, mode == 1, mode == 2, 1};
			if (mode == 2 && k->family != SMX_XENT_FUSED)
				continue;
			bad += check_one(c, &kc);
			a->checked++;
		}
	}
	return bad;
}

Test(xent, kernels_within_bounds, .timeout = 300)
{
	for (int d = 0; d < 2; d++) {
		struct allctx a = {0};
		size_t bad = sweep(d ? SMX_F64 : SMX_F32, check_all, &a);
		cr_expect_eq(bad, 0, "%zu violations (%s)", bad, d ? "f64" : "f32");
		cr_expect_gt(a.checked, 1000);
	}
}

/* ---- planted bugs: each must be caught by the check above ---- */

/* lse in float, the log1p form: max + log1pf(sum of expf over the rest). */
static float lse_plain(const float *x, size_t n)
{
	size_t k = 0;
	for (size_t i = 1; i < n; i++)
		if (x[i] > x[k])
			k = i;
	if (n == 0)
		return -INFINITY;
	float t = 0;
	for (size_t i = 0; i < n; i++)
		if (i != k)
			t += expf(x[i] - x[k]);
	return x[k] + log1pf(t);
}
/* lse of all but the last entry (a lost tail). */
static void lse_lost_tail(const float *x, float *out, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++)
		out[r] = lse_plain(x + r * n, n ? n - 1 : 0);
}
/* The loss as lse - x_t: exactly 0 at an argmax target once T < u. */
static void xent_cancel(const float *x, const int64_t *t, float *loss, float *grad, size_t rows,
			size_t n, const struct smx_xent_opts *o)
{
	(void)grad;
	for (size_t r = 0; r < rows; r++)
		loss[r] =
		    t[r] == o->ignore_index ? 0 : lse_plain(x + r * n, n) - x[r * n + (size_t)t[r]];
}
/* Ignore-index not honoured. */
static void xent_no_ignore(const float *x, const int64_t *t, float *loss, float *grad, size_t rows,
			   size_t n, const struct smx_xent_opts *o)
{
	struct smx_xent_opts p = {o->eps, INT64_MIN};
	smx_xent_fused_f32_shifted__scalar(x, t, loss, grad, rows, n, &p);
}
/* Label smoothing dropped. */
static void xent_no_smoothing(const float *x, const int64_t *t, float *loss, float *grad,
			      size_t rows, size_t n, const struct smx_xent_opts *o)
{
	struct smx_xent_opts p = {0, o->ignore_index};
	smx_xent_fused_f32_shifted__scalar(x, t, loss, grad, rows, n, &p);
}
/* The gradient without the one-hot (softmax alone at the target). */
static void xent_no_onehot(const float *x, const int64_t *t, float *loss, float *grad, size_t rows,
			   size_t n, const struct smx_xent_opts *o)
{
	smx_xent_fused_f32_shifted__scalar(x, t, loss, grad, rows, n, o);
	for (size_t r = 0; r < rows; r++)
		if (t[r] != o->ignore_index)
			grad[r * n + (size_t)t[r]] += 1 - (float)o->eps;
}
/* Not safe in place: the gradient row cleared before the logits are
 * read. */
static void xent_not_inplace(const float *x, const int64_t *t, float *loss, float *grad,
			     size_t rows, size_t n, const struct smx_xent_opts *o)
{
	memset(grad, 0, rows * n * sizeof *grad);
	smx_xent_fused_f32_shifted__scalar(x, t, loss, grad, rows, n, o);
}
/* A lost tail in the gradient (the last entry left as it was). */
static void xent_grad_tail(const float *x, const int64_t *t, float *loss, float *grad, size_t rows,
			   size_t n, const struct smx_xent_opts *o)
{
	float keep = grad[rows * n - 1];
	smx_xent_fused_f32_shifted__scalar(x, t, loss, grad, rows, n, o);
	if (t[rows - 1] != o->ignore_index && (size_t)t[rows - 1] != n - 1)
		grad[rows * n - 1] = keep + 1;
}

/* Each planted kernel, with the scalar f32 claim, must fail the check on
 * some case of the sweep (and in the mode it breaks). */
Test(xent, planted_bugs_are_caught, .timeout = 300)
{
	const struct smx_xent_kernel *ref = NULL;
	for (size_t i = 0; i < smx_xent_kernel_count(); i++)
		if (smx_xent_kernel_get(i)->dtype == SMX_F32)
			ref = ref ? ref : smx_xent_kernel_get(i);
	cr_assert(ref && strcmp(ref->name, "shifted/scalar") == 0);
	/* The scalar claims: the loss's for every plant, and the lse claim
	 * a scalar lse would make (c0 2, cn 2, cm 1, as lse_scalar.c's). */
	static const struct smx_xent_bound planted_b = {
	    {2, 2, 0, 0, 1}, {6, 1, 0, 0, 1}, {6, 1, 3, 2, 1}};
	struct {
		const char *what;
		smx_xent_family fam;
		void *fn;
		int inplace;
	} plants[] = {
	    {"lost lse tail", SMX_XENT_LSE, (void *)lse_lost_tail, 0},
	    {"no ignore-index", SMX_XENT_FUSED, (void *)xent_no_ignore, 0},
	    {"no smoothing", SMX_XENT_FUSED, (void *)xent_no_smoothing, 0},
	    {"no one-hot", SMX_XENT_FUSED, (void *)xent_no_onehot, 0},
	    {"not in place", SMX_XENT_FUSED, (void *)xent_not_inplace, 1},
	    {"lost grad tail", SMX_XENT_FUSED, (void *)xent_grad_tail, 0},
	};
	for (size_t p = 0; p < sizeof plants / sizeof *plants; p++) {
		struct smx_xent_kernel k = *ref;
		k.bound = &planted_b;
		k.family = plants[p].fam;
		if (k.family == SMX_XENT_LSE)
			k.fn.lse32 = (smx_lse_fn_f32)plants[p].fn;
		else
			k.fn.xent32 = (smx_xent_fn_f32)plants[p].fn;
		struct kctx kc = {&k, 0, plants[p].inplace, 0};
		size_t bad = sweep(SMX_F32, check_one, &kc);
		cr_expect_gt(bad, 0, "planted bug '%s' not caught", plants[p].what);
	}
	(void)xent_cancel;
}

/* Large gaps: the loss at an argmax target is log1p(T), tiny, not 0; every
 * kernel keeps it within its bound, and lse - x_t (planted) returns 0 and
 * breaks the scalar claim wherever the loss is a normal number. */
Test(xent, argmax_loss_right_at_large_gaps, .timeout = 120)
{
	static const double g32[] = {17, 20, 40, 80, 100}, g64[] = {37, 40, 100, 300, 700};
	static const size_t ns[] = {2, 17, 33, 1000};
	size_t caught = 0, normal = 0, checked = 0;
	for (int d = 0; d < 2; d++)
		for (size_t a = 0; a < 4; a++)
			for (size_t gi = 0; gi < 5; gi++) {
				const smx_dtype dt = d ? SMX_F64 : SMX_F32;
				struct xcase c;
				case_make(&c, dt, ns[a], 4, (d ? g64 : g32)[gi], 0, 0);
				cr_assert_eq(c.st, SMX_REF_OK);
				for (size_t i = 0; i < smx_xent_kernel_count(); i++) {
					const struct smx_xent_kernel *k = smx_xent_kernel_get(i);
					if (k->dtype != dt || (k->cpu & ~smx_cpu_features()) ||
					    k->family == SMX_XENT_LSE)
						continue;
					struct kctx kc = {k, 0, 0, 1};
					cr_expect_eq(check_one(&c, &kc), 0);
					checked++;
					if (dt == SMX_F32 && k->family == SMX_XENT_LOSS &&
					    strcmp(k->name, "shifted/scalar") == 0) {
						struct smx_xent_kernel pk = *k;
						pk.fn.xent32 = xent_cancel;
						struct kctx pc = {&pk, 0, 0, 0};
						/* Below FLT_MIN the claim is in
						 * subnormal ulps, loose enough to
						 * let 0 pass (gap 100, n = 2). */
						normal += val(&c.loss) >= FLT_MIN;
						caught += val(&c.loss) >= FLT_MIN &&
							  check_one(&c, &pc) > 0;
					}
				}
				case_free(&c);
			}
	cr_expect_gt(checked, 100);
	cr_expect_geq(normal, 15);
	cr_expect_eq(caught, normal, "lse - x_t passed %zu of %zu gap rows", normal - caught,
		     normal);
}

/* Rows at vocabulary sizes, logits from the `lm` generator: the loss of
 * every kernel within its bound against the reference; the fused f32
 * kernels' gradients too at 128,256 (the MPFR gradient costs a second per
 * row there). */
Test(xent, vocabulary_scale_rows, .timeout = 600)
{
	static const size_t ns[] = {32000, 128256, 151936, 256000};
	struct smx_dist d;
	cr_assert_eq(smx_dist_parse("lm", &d), 0);
	size_t checked = 0;
	for (size_t a = 0; a < 4; a++)
		for (int dti = 0; dti < 2; dti++) {
			const smx_dtype dt = dti ? SMX_F64 : SMX_F32;
			const size_t n = ns[a];
			struct xcase c = {.dt = dt, .n = n, .eps = a == 1 ? 0.1 : 0};
			c.x = malloc(n * sizeof *c.x);
			c.grad = malloc(n * sizeof *c.grad);
			cr_assert(c.x && c.grad);
			smx_dist_fill(&d, dt, 7 + a, 1, n, c.x);
			rng_state = a;
			c.t = pick_target(c.x, n, a & 1);
			const int want_g = dt == SMX_F32 && n == 128256;
			c.lse_st = smx_ref_lse(dt, c.x, n, &c.lse);
			c.st = smx_ref_xent(dt, c.x, n, c.t, c.eps, IGNORE, &c.loss,
					    want_g ? c.grad : NULL);
			cr_assert_eq(c.st, SMX_REF_OK);
			for (size_t i = 0; i < smx_xent_kernel_count(); i++) {
				const struct smx_xent_kernel *k = smx_xent_kernel_get(i);
				if (k->dtype != dt || (k->cpu & ~smx_cpu_features()) ||
				    (k->family == SMX_XENT_FUSED && !want_g))
					continue;
				struct kctx kc = {k, 0, 0, 1};
				cr_expect_eq(check_one(&c, &kc), 0);
				checked++;
			}
			case_free(&c);
		}
	cr_expect_gt(checked, 50);
}

/* Many rows in one call give the bits of one call per row: the row
 * stepping, the targets' indexing, and (at 33 x 128,256 f32, over 16 MiB)
 * the non-temporal gradient stores, which a single row never takes. A
 * kernel that reuses row 0's target everywhere (planted) differs. */
static void fused_rows_f32(smx_xent_fn_f32 fn, const float *x, const int64_t *t, float *loss,
			   float *g, size_t rows, size_t n, int one_by_one, int planted)
{
	struct smx_xent_opts o = {0.05, IGNORE};
	if (!one_by_one) {
		if (planted) {
			int64_t *tt = malloc(rows * sizeof *tt);
			cr_assert(tt);
			for (size_t r = 0; r < rows; r++)
				tt[r] = t[0];
			fn(x, tt, loss, g, rows, n, &o);
			free(tt);
		} else
			fn(x, t, loss, g, rows, n, &o);
		return;
	}
	for (size_t r = 0; r < rows; r++)
		fn(x + r * n, t + r, loss + r, g + r * n, 1, n, &o);
}

Test(xent, batch_equals_rows, .timeout = 300)
{
	const size_t rows = 33, n = 128256;
	struct smx_dist d;
	cr_assert_eq(smx_dist_parse("lm", &d), 0);
	double *xv = malloc(rows * n * sizeof *xv);
	float *x = malloc(rows * n * sizeof *x), *g1 = malloc(rows * n * sizeof *g1);
	float *g2 = malloc(rows * n * sizeof *g2), l1[33], l2[33];
	int64_t t[33];
	cr_assert(xv && x && g1 && g2);
	smx_dist_fill(&d, SMX_F32, 3, rows, n, xv);
	smx_to_dtype(SMX_F32, xv, x, rows * n);
	rng_state = 5;
	for (size_t r = 0; r < rows; r++)
		t[r] = r % 4 == 3 ? IGNORE : pick_target(xv + r * n, n, r & 1);
	size_t tested = 0;
	for (size_t i = 0; i < smx_xent_kernel_count(); i++) {
		const struct smx_xent_kernel *k = smx_xent_kernel_get(i);
		if (k->dtype != SMX_F32 || k->family != SMX_XENT_FUSED ||
		    (k->cpu & ~smx_cpu_features()))
			continue;
		for (int planted = 0; planted < 2; planted++) {
			fused_rows_f32(k->fn.xent32, x, t, l1, g1, rows, n, 0, planted);
			fused_rows_f32(k->fn.xent32, x, t, l2, g2, rows, n, 1, 0);
			int same =
			    !memcmp(l1, l2, sizeof l1) && !memcmp(g1, g2, rows * n * sizeof *g1);
			if (planted)
				cr_expect(!same, "%s: a planted target mix-up went unseen",
					  k->name);
			else
				cr_expect(same, "%s: %zu rows at once differ from one at a time",
					  k->name, rows);
		}
		tested++;
	}
	cr_expect_geq(tested, 1);
	free(xv), free(x), free(g1), free(g2);
}

/* Rows the reals do not answer: each kernel's declared edge behaviour
 * (smx_xent.h, xent_simd.inc): NaN loss for an all -inf row, a NaN entry
 * and a target out of range (and a NaN gradient row there), +inf loss for
 * a -inf target, lse -inf for an all -inf row and for n = 0. */
Test(xent, edge_rows)
{
	const double ninf = -INFINITY;
	struct {
		double x[5];
		size_t n;
		int64_t t;
		int lse_ninf, loss_nan, loss_inf, grad_nan;
	} rows[] = {
	    {{ninf, ninf, ninf, ninf, ninf}, 5, 1, 1, 1, 0, 0},
	    {{1, NAN, 2, 3, 0}, 5, 0, 0, 1, 0, 1},
	    {{1, 2, 3, 4, 5}, 5, 5, 0, 1, 0, 1},
	    {{1, 2, 3, 4, 5}, 5, -3, 0, 1, 0, 1},
	    {{1, ninf, 3, 4, 5}, 5, 1, 0, 0, 1, 0},
	    {{0}, 0, 0, 1, 1, 0, 0},
	};
	for (size_t i = 0; i < smx_xent_kernel_count(); i++) {
		const struct smx_xent_kernel *k = smx_xent_kernel_get(i);
		if (k->cpu & ~smx_cpu_features())
			continue;
		for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
			struct xcase c = {
			    .dt = k->dtype, .n = rows[r].n, .x = rows[r].x, .t = rows[r].t};
			double v, g[5];
			run(k, &c, 0, 0, &v, g);
			const char *nm = k->name, *fam = smx_xent_family_name(k->family);
			if (k->family == SMX_XENT_LSE) {
				if (rows[r].lse_ninf)
					cr_expect(v == -INFINITY, "%s %s row %zu: %a", fam, nm, r,
						  v);
				continue;
			}
			if (rows[r].loss_nan)
				cr_expect(isnan(v), "%s %s row %zu: loss %a", fam, nm, r, v);
			if (rows[r].loss_inf)
				cr_expect(v == INFINITY, "%s %s row %zu: loss %a", fam, nm, r, v);
			for (size_t j = 0;
			     k->family == SMX_XENT_FUSED && rows[r].grad_nan && j < rows[r].n; j++)
				cr_expect(isnan(g[j]), "%s %s row %zu: grad[%zu] %a", fam, nm, r, j,
					  g[j]);
		}
	}
}

/* The reference against an independent long-double evaluation (64-bit
 * significand, the same no-cancellation forms), in f32: wherever the
 * long-double value decides the float rounding (not within 2^-30 relative
 * of a rounding boundary), the reference's rounding is that one. The
 * reference asked for eps = 0 on smoothed rows (planted) disagrees. */
static int decided_float(long double v, float *f)
{
	*f = (float)v;
	return (float)(v * (1 + 0x1p-30L)) == *f && (float)(v * (1 - 0x1p-30L)) == *f;
}

Test(xent, reference_agrees_with_long_double, .timeout = 120)
{
	size_t checked = 0, planted_caught = 0;
	rng_state = 99;
	for (size_t a = 0; a < 19; a++)
		for (int kind = 0; kind < 4; kind++) {
			const size_t n = lens[a];
			const double eps = kind & 1 ? 0.1 : 0;
			struct xcase c;
			case_make(&c, SMX_F32, n, kind, 0, 0, eps);
			int64_t t = pick_target(c.x, n, kind >= 2);
			if (c.x[t] == -INFINITY)
				t = (int64_t)argmax(c.x, n);
			c.st = smx_ref_xent(SMX_F32, c.x, n, t, eps, IGNORE, &c.loss, c.grad);
			cr_assert_eq(c.st, SMX_REF_OK);
			const size_t k = argmax(c.x, n);
			const long double m = c.x[k];
			long double r = 0, dsum = 0;
			for (size_t j = 0; j < n; j++) {
				if (j != k)
					r += expl(c.x[j] - m);
				dsum += m - c.x[j];
			}
			long double loss = log1pl(r) + (1 - (long double)eps) * (m - c.x[t]);
			if (eps != 0)
				loss += (long double)eps / n * dsum;
			float f;
			if (isfinite((double)loss) && decided_float(loss, &f)) {
				cr_expect_eq((float)c.loss.cr, f, "n=%zu kind=%d loss %a vs %a", n,
					     kind, c.loss.cr, (double)f);
				checked++;
			}
			for (size_t i = 0; i < n; i++) {
				long double q =
				    (long double)eps / n + (i == (size_t)t ? 1 - eps : 0);
				long double g = i == k && i == (size_t)t
						    ? (long double)eps * (n - 1) / n - r / (1 + r)
						    : expl(c.x[i] - m) / (1 + r) - q;
				if (decided_float(g, &f)) {
					cr_expect_eq((float)c.grad[i].cr, f,
						     "n=%zu grad[%zu] %a vs %a", n, i, c.grad[i].cr,
						     (double)f);
					checked++;
				}
			}
			if (eps != 0 && t != IGNORE) {
				struct smx_refval pl;
				cr_assert_eq(smx_ref_xent(SMX_F32, c.x, n, t, 0, IGNORE, &pl, NULL),
					     SMX_REF_OK);
				planted_caught += pl.cr != c.loss.cr;
			}
			case_free(&c);
		}
	cr_expect_gt(checked, 2000, "only %zu values decided", checked);
	cr_expect_geq(planted_caught, 35, "smoothing dropped went unseen: %zu of 38 caught",
		      planted_caught);
}
