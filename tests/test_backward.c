/* The Jacobian and the backward ops: every entry within its declared bound
 * on random and edge rows, the invariants, agreement of J v with J^T v, and
 * a finite-difference check of the analytic gradient. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dtype.h"
#include "measure.h"
#include "op.h"
#include "smx.h"
#include "smx_impls.h"

/* Logit rows that make the backward formulas work: s with one component
 * near 1, s nearly uniform, an ordinary row. */
static void edge_logits(size_t n, int kind, double *x)
{
	uint64_t st = 77 + (uint64_t)kind;
	for (size_t i = 0; i < n; i++) {
		double u = smx_uniform01(&st);
		x[i] = kind == 0 ? (i == 0 ? 30 : u) : kind == 1 ? u * 0x1p-10 : 6 * u - 3;
		x[i] = (float)x[i];
	}
}

/* Upstream gradients: constant (exact answer 0 end to end), huge, random. */
static void edge_grad(smx_dtype dt, size_t n, int kind, double *g)
{
	uint64_t st = 91 + (uint64_t)kind;
	for (size_t i = 0; i < n; i++) {
		double u = 2 * smx_uniform01(&st) - 1;
		g[i] = kind == 0 ? 0.75 : kind == 1 ? u * (dt == SMX_F32 ? 1e30 : 1e300) : u;
		g[i] = dt == SMX_F32 ? (float)g[i] : g[i];
	}
}

static void check_entry(const struct smx_impl *im, size_t n, int xk, int gk, int from_x)
{
	struct smx_rows x;
	smx_rows_alloc(&x, im->dtype, 1, n);
	edge_logits(n, xk, x.x);
	struct smx_case c;
	struct smx_case_opts o = {.from_x = from_x};
	smx_case_adopt_opts(&c, im->op, &x, 1, &o);
	if (c.g)
		edge_grad(im->dtype, n, gk, c.g);
	/* the reference again, for the edge gradient */
	smx_ref_backward_rows(im->op, im->dtype, from_x, from_x ? c.x : c.in, c.g, 1, n, c.ref,
			      c.status);
	struct smx_metrics m;
	smx_metrics_init(&m);
	smx_measure(im, &c, &m, NULL);
	if (!from_x) {
		cr_expect_eq(m.wrong_rows + m.nan_rows + m.inf_rows, 0,
			     "%s %s %s n=%zu rows %d/%d: cond %g, declared ratio %g",
			     smx_op_name(im->op), smx_dtype_name(im->dtype), im->name, n, xk, gk,
			     m.cond_err, m.decl_ratio);
	} else {
		/* End to end adds s's own rounding (<= 1/2 ulp per component):
		 * the error stays within a few units of the condition scale
		 * beyond the claim, however the row cancels. */
		cr_expect(m.cond_err <= smx_bound_at(&im->bound, n, 0, 0) + 2 * (double)n + 4,
			  "%s %s %s n=%zu end to end: cond %g", smx_op_name(im->op),
			  smx_dtype_name(im->dtype), im->name, n, m.cond_err);
	}
	smx_case_free(&c);
}

Test(backward, every_entry_within_its_bound_on_edge_rows, .timeout = 600)
{
	static const size_t ns[] = {1, 2, 3, 16, 17, 64, 200};
	for (size_t k = 0; k < smx_registry_count(); k++) {
		const struct smx_impl *im = smx_registry_get(k);
		/* xent's second input is targets (test_xent_cli.c). */
		if (smx_op_forward(im->op) || !smx_impl_runnable(im) ||
		    smx_op_info(im->op)->in[1] == SMX_ARG_TARGETS)
			continue;
		for (size_t j = 0; j < sizeof ns / sizeof *ns; j++)
			for (int xk = 0; xk < 3; xk++)
				for (int gk = 0; gk < (smx_op_arity(im->op) == 2 ? 3 : 1); gk++)
					for (int fx = 0; fx < 2; fx++)
						check_entry(im, ns[j], xk, gk, fx);
	}
}

/* A constant g is in the null space of J^T: the exact VJP of the exact
 * softmax is 0, and the reference says so. */
Test(backward, constant_gradient_gives_exact_zero)
{
	double x[5] = {0.5, -1, 2, 0.25, 3}, g[5] = {0.75, 0.75, 0.75, 0.75, 0.75};
	struct smx_refval out[5];
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep) {
			cr_assert_eq(smx_ref_backward(SMX_OP_VJP, (smx_dtype)dt, 1, x, g, 5, out),
				     SMX_REF_OK);
			for (int i = 0; i < 5; i++)
				cr_expect(out[i].cr == 0 && !signbit(out[i].cr), "dx[%d] = %a", i,
					  out[i].cr);
		}
}

/* The symmetric and streamed Jacobians are exactly symmetric, and every row
 * sums to 0 within a few u s_i. */
Test(backward, jacobian_invariants)
{
	enum { N = 37 };
	double x[N];
	edge_logits(N, 2, x);
	for (size_t k = 0; k < smx_registry_count(); k++) {
		const struct smx_impl *im = smx_registry_get(k);
		if (im->op != SMX_OP_JACOBIAN || !smx_impl_runnable(im))
			continue;
		struct smx_rows xx;
		smx_rows_copy(&xx, im->dtype, x, 1, N);
		struct smx_case c;
		smx_case_adopt(&c, im->op, &xx);
		size_t es = smx_dtype_size(im->dtype);
		void *s = malloc(N * es), *jac = malloc(N * N * es);
		smx_to_dtype(im->dtype, c.in, s, N);
		smx_impl_run(im, s, NULL, jac, 1, N);
		double *j = malloc(N * N * sizeof *j);
		smx_from_dtype(im->dtype, jac, j, N * N);
		if (strcmp(im->algo, "naive"))
			for (size_t a = 0; a < N; a++)
				for (size_t b = 0; b < N; b++)
					cr_expect_eq(j[a * N + b], j[b * N + a],
						     "%s %s: J not symmetric at %zu,%zu",
						     smx_dtype_name(im->dtype), im->name, a, b);
		struct smx_metrics m;
		smx_metrics_init(&m);
		smx_measure(im, &c, &m, NULL);
		cr_expect(m.invariant <= 2 * N, "%s %s: row sums %g u s_i",
			  smx_dtype_name(im->dtype), im->name, m.invariant);
		free(s);
		free(jac);
		free(j);
		smx_case_free(&c);
	}
}

/* J v computed by rows (jvp naive) agrees with J^T v (vjp naive and the
 * fused kernels) within their bounds. */
Test(backward, jvp_agrees_with_vjp)
{
	enum { N = 29 };
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++)
		if (smx_dtype_info((smx_dtype)dt)->sweep) {
			const struct smx_impl *j =
			    smx_registry_find(SMX_OP_JVP, (smx_dtype)dt, "naive/scalar");
			const struct smx_impl *v =
			    smx_registry_find(SMX_OP_VJP, (smx_dtype)dt, "naive/scalar");
			cr_assert(j && v);
			double x[N], g[N], s[N], a[N], b[N];
			edge_logits(N, 2, x);
			edge_grad((smx_dtype)dt, N, 2, g);
			double m = -INFINITY, sum = 0;
			for (int i = 0; i < N; i++)
				m = fmax(m, x[i]);
			for (int i = 0; i < N; i++)
				sum += exp(x[i] - m);
			for (int i = 0; i < N; i++)
				s[i] = dt == SMX_F32 ? (float)(exp(x[i] - m) / sum)
						     : exp(x[i] - m) / sum;
			size_t es = smx_dtype_size((smx_dtype)dt);
			void *sb = malloc(N * es), *gb = malloc(N * es), *ob = malloc(N * es);
			smx_to_dtype((smx_dtype)dt, s, sb, N);
			smx_to_dtype((smx_dtype)dt, g, gb, N);
			smx_impl_run(j, sb, gb, ob, 1, N);
			smx_from_dtype((smx_dtype)dt, ob, a, N);
			smx_impl_run(v, sb, gb, ob, 1, N);
			smx_from_dtype((smx_dtype)dt, ob, b, N);
			double u = dt == SMX_F32 ? 0x1p-24 : 0x1p-53, sg = 0;
			for (int i = 0; i < N; i++)
				sg += fabs(s[i] * g[i]);
			for (int i = 0; i < N; i++) {
				double scale = s[i] * (fabs(g[i]) + sg);
				cr_expect(fabs(a[i] - b[i]) <= 2 * (N + 4) * u * scale,
					  "%s: J v and J^T v differ at %d: %a %a",
					  dt ? "f64" : "f32", i, a[i], b[i]);
			}
			free(sb);
			free(gb);
			free(ob);
		}
}

/* f(x) = <g, softmax(x)> has gradient J^T g. Central differences in f64
 * against the f64 softmax agree to O(h^2): halving h quarters the error. */
static double f_of(const double *x, const double *g, size_t n)
{
	double y[16], m = -INFINITY, sum = 0, f = 0;
	for (size_t i = 0; i < n; i++)
		m = fmax(m, x[i]);
	for (size_t i = 0; i < n; i++)
		sum += y[i] = exp(x[i] - m);
	for (size_t i = 0; i < n; i++)
		f += g[i] * y[i] / sum;
	return f;
}

Test(backward, finite_differences_agree_to_second_order)
{
	enum { N = 9 };
	double x[N], g[N], s[N], dx[N];
	edge_logits(N, 2, x);
	edge_grad(SMX_F64, N, 2, g);
	double m = -INFINITY, sum = 0;
	for (int i = 0; i < N; i++)
		m = fmax(m, x[i]);
	for (int i = 0; i < N; i++)
		sum += exp(x[i] - m);
	for (int i = 0; i < N; i++)
		s[i] = exp(x[i] - m) / sum;
	smx_vjp_f64_accurate__scalar(s, g, dx, 1, N);
	double err[2] = {0, 0};
	const double hs[2] = {1e-3, 5e-4};
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < N; i++) {
			double xp[N], xm[N];
			memcpy(xp, x, sizeof x);
			memcpy(xm, x, sizeof x);
			xp[i] += hs[k];
			xm[i] -= hs[k];
			double fd = (f_of(xp, g, N) - f_of(xm, g, N)) / (2 * hs[k]);
			err[k] = fmax(err[k], fabs(fd - dx[i]));
		}
	cr_expect(err[0] < 1e-6, "h = 1e-3: error %g", err[0]);
	double ratio = err[0] / err[1];
	cr_expect(ratio > 3.5 && ratio < 4.5, "halving h divides the error by %g (want ~4)", ratio);
}
