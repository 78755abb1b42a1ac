/* Log-softmax at large gaps, where x - max - log(sum) returns exactly 0 at
 * the argmax, and the vector log1p the SIMD kernels use. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <mpfr.h>

#include "dtype.h"
#include "measure.h"
#include "smx_impls.h"

/* Row: 0 at entries [0, ties), -gap elsewhere; n entries. The argmax
 * entries' exact value is -log(ties + (n - ties) e^-gap): tiny, not 0,
 * once ties = 1. */
static struct smx_rows *gap_row(struct smx_rows *rs, smx_dtype dt, size_t n, size_t ties,
				double gap)
{
	smx_rows_alloc(rs, dt, 1, n);
	for (size_t i = 0; i < n; i++)
		rs->x[i] = i < ties ? 0 : -gap;
	return rs;
}

/* x - max - log(sum exp(x - max)) in the dtype: the usual formula. */
static double naive_at_argmax(smx_dtype dt, const double *x, size_t n)
{
	if (dt != SMX_F64) { /* the narrow formats: in f32, rounded to the format */
		float s = 0;
		for (size_t i = 0; i < n; i++)
			s += expf((float)x[i]);
		return smx_dtype_info(dt)->round((float)x[0] - logf(s));
	}
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += exp(x[i]);
	return x[0] - log(s);
}

static const size_t gap_ns[] = {2, 17, 33, 1000};
static const double gaps_f32[] = {17, 20, 40, 80, 100};
static const double gaps_f64[] = {37, 40, 100, 300, 700};

/* Every log-softmax entry with a relative (ulp) bound keeps the argmax
 * entry within that bound whatever the gap; the naive formula, run on the
 * same rows, returns 0 and breaks that bound, which shows the
 * check can fail. */
Test(logsoftmax, argmax_right_at_large_gaps, .timeout = 120)
{
	size_t checked = 0;
	for (size_t k = 0; k < smx_registry_count(); k++) {
		const struct smx_impl *im = smx_registry_get(k);
		if (im->op != SMX_OP_LOGSOFTMAX || !smx_impl_runnable(im) ||
		    im->origin != SMX_ORIGIN_BUILTIN || im->bound.kind != SMX_BOUND_ULP ||
		    im->bound.domain > 0)
			continue;
		const double *gaps = im->dtype == SMX_F64 ? gaps_f64 : gaps_f32;
		for (size_t a = 0; a < sizeof gap_ns / sizeof *gap_ns; a++)
			for (size_t g = 0; g < 5; g++)
				for (size_t ties = 1; ties <= 2; ties++) {
					size_t n = gap_ns[a];
					struct smx_case c;
					struct smx_rows rs;
					smx_case_adopt(&c, im->op,
						       gap_row(&rs, im->dtype, n, ties, gaps[g]));
					double y[1000];
					size_t es = smx_dtype_size(im->dtype);
					void *in = malloc(n * es), *out = malloc(n * es);
					cr_assert(in && out);
					smx_to_dtype(im->dtype, c.x, in, n);
					smx_impl_run(im, in, NULL, out, 1, n);
					smx_from_dtype(im->dtype, out, y, n);
					double lim = smx_bound_at(&im->bound, n, 0, gaps[g]);
					for (size_t i = 0; i < n; i++) {
						double e = smx_ulp_error(&c.ref[i], y[i]);
						double li = smx_bound_at(
						    &im->bound, n, i < ties ? 0 : gaps[g], gaps[g]);
						cr_expect(
						    e <= li,
						    "%s %s n=%zu gap=%g ties=%zu: y[%zu] = %a, "
						    "exact %a, %g ulp > %g",
						    smx_dtype_name(im->dtype), im->name, n, gaps[g],
						    ties, i, y[i], smx_ref_value(&c.ref[i]), e, li);
					}
					/* Where the exact argmax value is normal (at gap
					 * 100 in f32 it is a few subnormal ulps). */
					double tiny = ldexp(1, smx_dtype_info(im->dtype)->emin);
					if (ties == 1 && fabs(smx_ref_value(&c.ref[0])) >= tiny) {
						cr_expect(y[0] != 0, "%s %s: argmax gave 0",
							  smx_dtype_name(im->dtype), im->name);
						double nv = naive_at_argmax(im->dtype, c.x, n);
						cr_expect(
						    smx_ulp_error(&c.ref[0], nv) > lim,
						    "naive formula at gap %g: %a, within the bound",
						    gaps[g], nv);
					}
					checked++;
					free(in);
					free(out);
					smx_case_free(&c);
				}
	}
	cr_expect(checked >= 4 * 5 * 2 * 2, "only %zu rows checked", checked);
}

/* |y - log1p(t)| in ulps of the exact value (MPFR at 200 bits). */
static double log1p_ulps(double y, double t)
{
	mpfr_t m;
	mpfr_init2(m, 200);
	mpfr_set_d(m, t, MPFR_RNDN);
	mpfr_log1p(m, m, MPFR_RNDN);
	double v = mpfr_get_d(m, MPFR_RNDN);
	mpfr_sub_d(m, m, y, MPFR_RNDN);
	double d = fabs(mpfr_get_d(m, MPFR_RNDN));
	mpfr_clear(m);
	int e = ilogb(v) - 52;
	return d / ldexp(1.0, e < -1074 ? -1074 : e);
}

typedef void (*log1p_fn)(const double *, double *, size_t);
static const struct {
	const char *isa;
	unsigned cpu;
	log1p_fn f;
} log1p_layers[] = {
#define ROW(isa, cpu) {#isa, cpu, smx_log1p_f64__##isa},
    SMX_LOG1P_LAYERS(ROW)
#undef ROW
};

/* Random t against MPFR: t = -1 + 2^-a (1 + v) / 2 (a in [0, 53), v in
 * [0, 1): all of (-1, 0)), t = 2^b (1 + v) with b in [-60, 1) and in
 * [-60, 1000): within the derived 4 ulps (vec_log.inc). */
Test(logsoftmax, log1p_layer_within_bound, .timeout = 120)
{
	for (size_t k = 0; k < sizeof log1p_layers / sizeof *log1p_layers; k++) {
		if (log1p_layers[k].cpu & ~smx_cpu_features())
			continue;
		uint64_t st = 41;
		double worst = 0, at = 0;
		enum { CH = 64 };
		for (int rep = 0; rep < 4000; rep++) {
			double t[CH], y[CH];
			for (int i = 0; i < CH; i++) {
				double u = smx_uniform01(&st), v = smx_uniform01(&st);
				if (i % 3 == 0)
					t[i] = -1 + ldexp(1 + v, -(int)(53 * u)) / 2;
				else
					t[i] =
					    ldexp(1 + v, (int)((i % 3 == 1 ? 61 : 1060) * u) - 60);
			}
			log1p_layers[k].f(t, y, CH);
			for (int i = 0; i < CH; i++) {
				double e = log1p_ulps(y[i], t[i]);
				if (!(e <= worst)) {
					worst = e;
					at = t[i];
				}
			}
		}
		cr_log_info("log1p/%s: max %.4f ulp at %a", log1p_layers[k].isa, worst, at);
		cr_expect(worst <= 4, "log1p/%s: %g ulp at %a", log1p_layers[k].isa, worst, at);
		double e[] = {-1, INFINITY, NAN, 0, 0x1p-1074, DBL_MAX}, ye[6];
		log1p_layers[k].f(e, ye, 6);
		cr_expect(ye[0] == -INFINITY && ye[1] == INFINITY && isnan(ye[2]) && ye[3] == 0 &&
			      ye[4] == 0x1p-1074 && log1p_ulps(ye[5], DBL_MAX) <= 4,
			  "log1p/%s edges: %a %a %a %a %a %a", log1p_layers[k].isa, ye[0], ye[1],
			  ye[2], ye[3], ye[4], ye[5]);
	}
}

/* Rows past the non-temporal store threshold (16 MiB of output), one
 * element off the vector alignment, in and out of place: every element
 * written, and within 1e-3 of a double evaluation (f32 sums of 4M terms
 * drift by about 1e-4 in the log). */
Test(logsoftmax, streamed_rows_are_whole, .timeout = 600)
{
	enum { N = (4 << 20) + 5 };
	float *x = malloc((N + 16) * sizeof *x), *y = malloc((N + 16) * sizeof *y);
	float *keep = malloc((N + 1) * sizeof *keep);
	cr_assert(x && y && keep);
	uint64_t st = 37;
	for (size_t i = 0; i < N; i++)
		x[i + 1] = (float)(8 * smx_uniform01(&st) - 4);
	memcpy(keep, x, (N + 1) * sizeof *x);
	double mx = -INFINITY, total = 0;
	for (size_t i = 0; i < N; i++)
		mx = fmax(mx, x[i + 1]);
	for (size_t i = 0; i < N; i++)
		total += exp((double)x[i + 1] - mx);
	const double lse = mx + log(total);
	size_t checked = 0;
	for (size_t k = 0; k < smx_registry_count(); k++) {
		const struct smx_impl *im = smx_registry_get(k);
		if (!smx_impl_runnable(im) || im->origin != SMX_ORIGIN_BUILTIN ||
		    im->op != SMX_OP_LOGSOFTMAX || im->dtype != SMX_F32 ||
		    !strcmp(im->isa, "scalar"))
			continue;
		for (int inplace = 0; inplace < 2; inplace++) {
			float *out = inplace ? x + 1 : y + 1;
			for (size_t i = 0; i < N; i++)
				y[i + 1] = NAN; /* an element left unwritten shows */
			im->fn.f32(x + 1, out, 1, N);
			size_t bad = 0;
			for (size_t i = 0; i < N; i++)
				bad += !(fabs(out[i] - ((double)keep[i + 1] - lse)) <= 1e-3);
			cr_expect(bad == 0, "%s (in place %d): %zu elements off", im->name, inplace,
				  bad);
			memcpy(x, keep, (N + 1) * sizeof *x);
			checked++;
		}
	}
	cr_expect(checked >= 8, "only %zu runs", checked);
	free(x);
	free(y);
	free(keep);
}
