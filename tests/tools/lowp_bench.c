/* Time per element of the bf16>f32>bf16 and f16>f32>f16 shifted softmax,
 * log-softmax or lse kernels against the f32 shifted kernel of the same
 * op and ISA, side by side in
 * one run: for each n, each kernel is timed in turn, K rounds, each round
 * the mean of repeated calls over >= 5 ms of this thread's CPU time (the
 * machine is shared: wall time would count other processes), hot cache;
 * prints the medians of the rounds and ratios. The buffers are laid out as
 * `smx perf` lays them out (64-byte aligned), and the rows are its rows
 * (16384 / n, or 1 from n = 16384; --rows R sets them): malloc aligns
 * to 16 bytes only, and with the f32 buffers 32 and 48 bytes into a line
 * every 64-byte access of the f32 kernel split a cache line and few
 * 32-byte ones of the 16-bit kernels did, which flattered their ratio. `smx
 * perf` is the measure; this tool times the kernels alone, without the
 * ceilings or the CLI. Build and run it as
 *   make build/libsmx.a
 *   cc -std=c11 -O2 -Iimpls -Iharness -Ireference tests/tools/lowp_bench.c \
 *      build/libsmx.a -lmpfr -lgmp -lm -ldl -fopenmp -o build/lowp-bench
 *   taskset -c 1 build/lowp-bench avx512 4096 16777216
 *   taskset -c 1 build/lowp-bench --rows 16 logsoftmax avx512 4096
 * (the library may also need -lXNNPACK -ldnnl when those peers were found). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lowp.h"
#include "lowp_scalar.h"
#include "smx.h"
#include "smx_impls.h"

typedef void (*fn16)(const uint16_t *, uint16_t *, size_t, size_t);
typedef void (*fn32)(const float *, float *, size_t, size_t);

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Seconds per call: calls repeated until 5 ms pass, the mean of those. */
static double sample(int which, fn16 f16, fn32 f32, const void *x, void *y, size_t rows, size_t n)
{
	size_t calls = 0;
	const double t0 = now();
	double t;
	do {
		if (which)
			f16(x, y, rows, n);
		else
			f32(x, y, rows, n);
		calls++;
		t = now() - t0;
	} while (t < 5e-3);
	return t / (double)calls;
}

/* The kernels by op and ISA. */
#define LB_ROW(op, isa)                                                                            \
	{                                                                                          \
#op, #isa, smx_##op##_f32_shifted__##isa, smx_##op##_bf16_shifted_acc32__##isa,    \
		    smx_##op##_f16_shifted_acc32__##isa                                            \
	}
static const struct {
	const char *op, *isa;
	fn32 f32;
	fn16 bf, hf;
} kernels[] = {
    LB_ROW(softmax, scalar),	LB_ROW(softmax, avx2),	  LB_ROW(softmax, avx512),
    LB_ROW(logsoftmax, scalar), LB_ROW(logsoftmax, avx2), LB_ROW(logsoftmax, avx512),
    LB_ROW(lse, scalar),	LB_ROW(lse, avx2),	  LB_ROW(lse, avx512),
};
#undef LB_ROW

/* count 16-bit or f32 values, 64-byte aligned. */
static void *lines(size_t count, size_t size)
{
	return aligned_alloc(64, (count * size + 63) / 64 * 64);
}

int main(int argc, char **argv)
{
	size_t fixed_rows = 0;
	if (argc > 2 && !strcmp(argv[1], "--rows")) {
		fixed_rows = strtoull(argv[2], NULL, 10);
		argv += 2;
		argc -= 2;
	}
	/* an optional op (softmax, logsoftmax, lse) before the ISA */
	const int has_op = argc > 1 && (!strcmp(argv[1], "softmax") ||
					!strcmp(argv[1], "logsoftmax") || !strcmp(argv[1], "lse"));
	const char *op = has_op ? argv[1] : "softmax";
	argv += has_op;
	argc -= has_op;
	size_t kk = 0;
	while (argc >= 3 && kk < sizeof kernels / sizeof *kernels &&
	       (strcmp(kernels[kk].op, op) || strcmp(kernels[kk].isa, argv[1])))
		kk++;
	if (argc < 3 || kk == sizeof kernels / sizeof *kernels) {
		fprintf(stderr, "usage: lowp-bench [--rows R] [softmax|logsoftmax|lse] "
				"avx2|avx512|scalar n...\n");
		return 2;
	}
	const fn32 f32 = kernels[kk].f32;
	const fn16 bf = kernels[kk].bf, hf = kernels[kk].hf;
	for (int a = 2; a < argc; a++) {
		const size_t n = strtoull(argv[a], NULL, 10);
		const size_t rows = fixed_rows	 ? fixed_rows
				    : n >= 16384 ? 1
						 : 16384 / n,
			     count = rows * n;
		float *xf = lines(count, sizeof *xf), *yf = lines(count, sizeof *yf);
		uint16_t *xb = lines(count, 2), *xh = lines(count, 2), *y16 = lines(count, 2);
		if (!xf || !yf || !xb || !xh || !y16)
			return 2;
		uint64_t s = 88172645463325252u;
		for (size_t i = 0; i < count; i++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			const double v = 20 * ((double)(s >> 11) * 0x1p-53) - 10;
			xb[i] = smx_bf16_from_double(v);
			xh[i] = smx_f16_from_double(v);
			xf[i] = smx_bf16_to_float(xb[i]);
		}
		enum { K = 11 };
		double t[3][K];
		for (int k = 0; k < K; k++) {
			t[0][k] = sample(0, NULL, f32, xf, yf, rows, n);
			t[1][k] = sample(1, bf, NULL, xb, y16, rows, n);
			t[2][k] = sample(1, hf, NULL, xh, y16, rows, n);
		}
		for (int j = 0; j < 3; j++)
			qsort(t[j], K, sizeof **t, cmp);
		const double ns = 1e9 / (double)count;
		printf(
		    "%s %s n=%zu rows=%zu  f32 %.4f ns/elem  bf16 %.4f (%.3fx)  f16 %.4f (%.3fx)\n",
		    op, argv[1], n, rows, t[0][K / 2] * ns, t[1][K / 2] * ns,
		    t[1][K / 2] / t[0][K / 2], t[2][K / 2] * ns, t[2][K / 2] / t[0][K / 2]);
		free(xf);
		free(yf);
		free(xb);
		free(xh);
		free(y16);
	}
	return 0;
}
