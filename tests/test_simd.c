/* The vector layers and the SIMD kernels: exp accuracy and edges, lanes
 * that do not leak into each other, tails that touch nothing past a row. */
#define _DEFAULT_SOURCE
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "op.h"
#include "measure.h"
#include "smx_impls.h"

struct layer {
	const char *name;
	smx_dtype dt;
	unsigned cpu;
	void (*f32)(const float *, float *, size_t);
	void (*f64)(const double *, double *, size_t);
};
#define ROW_f32(isa, cpu) {"f32/" #isa, SMX_F32, cpu, smx_exp_f32__##isa, NULL},
#define ROW_f64(isa, cpu) {"f64/" #isa, SMX_F64, cpu, NULL, smx_exp_f64__##isa},
#define ROW(dt, isa, cpu) ROW_##dt(isa, cpu)
static const struct layer layers[] = {SMX_EXP_LAYERS(ROW)};
#define NLAYERS (sizeof layers / sizeof *layers)

static void run_exp(const struct layer *l, const double *x, double *y, size_t n)
{
	if (l->dt == SMX_F64) {
		l->f64(x, y, n);
		return;
	}
	float xf[64], yf[64];
	cr_assert(n <= 64);
	for (size_t i = 0; i < n; i++)
		xf[i] = (float)x[i];
	l->f32(xf, yf, n);
	for (size_t i = 0; i < n; i++)
		y[i] = yf[i];
}

/* The exp layers' error is derived and measured in impls/vec_math.inc;
 * this random subset must stay below 1 ulp. */
Test(simd, exp_random_subset_within_one_ulp)
{
	for (size_t k = 0; k < NLAYERS; k++) {
		const struct layer *l = &layers[k];
		if (l->cpu & ~smx_cpu_features())
			continue;
		uint64_t st = 99;
		double worst = 0;
		for (int rep = 0; rep < 2000; rep++) {
			double x[16], y[16];
			double range = l->dt == SMX_F32 ? 103.9 : 745.1;
			for (int i = 0; i < 16; i++) {
				x[i] = (2 * smx_uniform01(&st) - 1) * range * smx_uniform01(&st);
				if (l->dt == SMX_F32)
					x[i] = (float)x[i];
			}
			run_exp(l, x, y, 16);
			for (int i = 0; i < 16; i++)
				worst = fmax(worst, smx_exp_ulp_error(y[i], x[i], l->dt));
		}
		cr_expect(worst < 1, "%s: %g ulp", l->name, worst);
	}
}

Test(simd, exp_edges)
{
	for (size_t k = 0; k < NLAYERS; k++) {
		const struct layer *l = &layers[k];
		if (l->cpu & ~smx_cpu_features())
			continue;
		int f32 = l->dt == SMX_F32;
		double x[] = {-INFINITY,
			      INFINITY,
			      NAN,
			      0,
			      f32 ? 89 : 710,
			      f32 ? -104 : -746,
			      f32 ? -100 : -740,
			      f32 ? -0x1.9fe368p+6 : -745.13};
		double y[8];
		run_exp(l, x, y, 8);
		cr_expect(y[0] == 0 && !signbit(y[0]), "%s: exp(-inf) = %a", l->name, y[0]);
		cr_expect(y[1] == INFINITY, "%s: exp(inf) = %a", l->name, y[1]);
		cr_expect(isnan(y[2]), "%s: exp(nan) = %a", l->name, y[2]);
		cr_expect(y[3] == 1, "%s: exp(0) = %a", l->name, y[3]);
		cr_expect(y[4] == INFINITY, "%s: overflow gives %a", l->name, y[4]);
		cr_expect(y[5] == 0, "%s: underflow gives %a", l->name, y[5]);
		/* Subnormal results are produced, not flushed. */
		cr_expect(y[6] > 0 && smx_exp_ulp_error(y[6], x[6], l->dt) < 1, "%s: %a", l->name,
			  y[6]);
		cr_expect(y[7] == (f32 ? 0x1p-149 : 0x1p-1074), "%s: least subnormal %a", l->name,
			  y[7]);
	}
}

/* A value in one lane, random data in the others: the lane's result is the
 * same bits as when the value is alone. */
Test(simd, exp_lanes_do_not_leak)
{
	uint64_t st = 3;
	for (size_t k = 0; k < NLAYERS; k++) {
		const struct layer *l = &layers[k];
		if (l->cpu & ~smx_cpu_features())
			continue;
		const double probe = l->dt == SMX_F32 ? -87.5 : -708.5;
		double alone;
		run_exp(l, &probe, &alone, 1);
		for (int j = 0; j < 16; j++) {
			double x[16], y[16];
			for (int i = 0; i < 16; i++)
				x[i] = (float)(200 * smx_uniform01(&st) - 100);
			x[j] = probe;
			run_exp(l, x, y, 16);
			cr_expect(y[j] == alone, "%s lane %d: %a != %a", l->name, j, y[j], alone);
		}
	}
}

/* Rows that end at the last byte before a PROT_NONE page, at every length
 * up to four vectors and an odd tail, in and out of place: a read or write
 * past the end faults. Each input and the output end at a guard page. */
Test(simd, tails_touch_nothing_past_the_row)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE), ypages = 16;
	/* guard | a | guard | b | guard | y (16 pages) | guard */
	size_t span = (6 + ypages) * page;
	unsigned char *base =
	    mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert(base != MAP_FAILED);
	const size_t guards[] = {0, 2, 4, 5 + ypages};
	for (size_t i = 0; i < 4; i++)
		cr_assert_eq(mprotect(base + guards[i] * page, page, PROT_NONE), 0);
	unsigned char *a_end = base + 2 * page, *b_end = base + 4 * page,
		      *y_end = base + (5 + ypages) * page;
	uint64_t st = 17;
	for (size_t k = 0; k < smx_registry_count(); k++) {
		const struct smx_impl *im = smx_registry_get(k);
		if (!smx_impl_runnable(im) || im->origin != SMX_ORIGIN_BUILTIN)
			continue;
		size_t es = smx_dtype_size(im->dtype), os = smx_dtype_size(smx_impl_out(im));
		for (size_t n = 1; n <= 67; n++) {
			size_t outs = smx_op_out_len(im->op, n);
			void *x = a_end - n * es, *g = b_end - n * es, *y = y_end - outs * os;
			double v[67];
			for (size_t i = 0; i < n; i++)
				v[i] = smx_op_forward(im->op) ? 8 * smx_uniform01(&st) - 4
							      : smx_uniform01(&st) / (double)n;
			smx_to_dtype(im->dtype, v, x, n);
			smx_to_dtype(im->dtype, v, g, n);
			smx_impl_run(im, x, g, y, 1, n);
			if (!smx_op_info(im->op)->in_place)
				continue;
			smx_impl_run(im, x, g, x, 1, n);
			cr_expect_eq(memcmp(x, y, outs * os), 0,
				     "%s %s %s n=%zu: in place differs at a page end",
				     smx_op_name(im->op), smx_dtype_name(im->dtype), im->name, n);
		}
	}
	munmap(base, span);
}

/* Unaligned rows (one element off any vector alignment) give the same bits
 * as aligned ones. */
Test(simd, unaligned_rows)
{
	uint64_t st = 23;
	enum { N = 203 };
	for (size_t k = 0; k < smx_registry_count(); k++) {
		const struct smx_impl *im = smx_registry_get(k);
		if (!smx_impl_runnable(im) || im->origin != SMX_ORIGIN_BUILTIN ||
		    !smx_op_forward(im->op))
			continue;
		size_t es = smx_dtype_size(im->dtype), os = smx_dtype_size(smx_impl_out(im));
		unsigned char *a = aligned_alloc(64, 64 * ((256 + 2 * (N + 1) * es) / 64 + 1));
		cr_assert(a);
		double v[N];
		for (size_t i = 0; i < N; i++)
			v[i] = 20 * smx_uniform01(&st) - 10;
		void *xa = a, *ya = a + 64 * ((N * es + 63) / 64 + 1);
		unsigned char *xu = (unsigned char *)xa + es, *yu = (unsigned char *)ya + es;
		smx_to_dtype(im->dtype, v, xa, N);
		smx_impl_run(im, xa, NULL, ya, 1, N);
		unsigned char keep[N * 8];
		size_t outs = smx_op_out_len(im->op, N);
		memcpy(keep, ya, outs * os);
		smx_to_dtype(im->dtype, v, xu, N);
		smx_impl_run(im, xu, NULL, yu, 1, N);
		cr_expect_eq(memcmp(keep, yu, outs * os), 0, "%s %s %s: unaligned differs",
			     smx_op_name(im->op), smx_dtype_name(im->dtype), im->name);
		free(a);
	}
}

/* Rows past SMX_STREAM_BYTES take the non-temporal store path, with a head
 * peeled to the vector alignment: every element must still be written, and
 * agree with a double evaluation (in place, and one element off alignment). */
Test(simd, streamed_rows_are_whole, .timeout = 600)
{
	enum { N = (4 << 20) + 5 };
	float *x = malloc((N + 16) * sizeof *x), *y = malloc((N + 16) * sizeof *y);
	float *want = malloc(N * sizeof *want);
	cr_assert(x && y && want);
	uint64_t st = 31;
	for (size_t i = 0; i < N; i++)
		x[i + 1] = (float)(8 * smx_uniform01(&st) - 4);
	/* The expected row in double: f32 kernels summing 4M terms in float
	 * would be the wrong yardstick. */
	double mx = -INFINITY, total = 0;
	for (size_t i = 0; i < N; i++)
		mx = fmax(mx, x[i + 1]);
	for (size_t i = 0; i < N; i++)
		total += exp((double)x[i + 1] - mx);
	for (size_t i = 0; i < N; i++)
		want[i] = (float)(exp((double)x[i + 1] - mx) / total);
	for (size_t k = 0; k < smx_registry_count(); k++) {
		const struct smx_impl *im = smx_registry_get(k);
		if (!smx_impl_runnable(im) || im->origin != SMX_ORIGIN_BUILTIN ||
		    im->op != SMX_OP_SOFTMAX || im->dtype != SMX_F32 ||
		    (strcmp(im->algo, "twopass") && strcmp(im->algo, "cr")))
			continue;
		for (int inplace = 0; inplace < 2; inplace++) {
			float *out = inplace ? x + 1 : y + 1;
			if (inplace)
				memcpy(y, x, (N + 1) * sizeof *x);
			im->fn.f32(x + 1, out, 1, N);
			double sum = 0;
			size_t bad = 0;
			for (size_t i = 0; i < N; i++) {
				sum += out[i];
				bad += !(fabs(out[i] - want[i]) <=
					 1e-2 * want[i]); /* the f32 sums of 4M terms drift ~1e-4 */
			}
			cr_expect(bad == 0 && fabs(sum - 1) < 1e-3,
				  "%s (in place %d): %zu elements off, sum %g", im->name, inplace,
				  bad, sum);
			if (inplace)
				memcpy(x, y, (N + 1) * sizeof *x);
		}
	}
	free(x);
	free(y);
	free(want);
}
