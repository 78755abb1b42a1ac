/* Timing; see bench.h. */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"
#include "op.h"
#include "env.h"
#include "measure.h"
#include "util.h"
#include "variant.h"

int smx_pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof set, &set);
}

int smx_pin_range(int first, int count)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	for (int c = first; c < first + count; c++)
		CPU_SET(c, &set);
	return sched_setaffinity(0, sizeof set, &set);
}

/* A cycle counter for this thread, or -1 (no PMU in a VM, paranoid
 * settings): then cycles are omitted, never guessed. */
static int open_cycles(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.type = PERF_TYPE_HARDWARE;
	a.size = sizeof a;
	a.config = PERF_COUNT_HW_CPU_CYCLES;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	int fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0)
		return -1;
	uint64_t v;
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	if (read(fd, &v, sizeof v) != sizeof v || v == 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint64_t read_cycles(int fd)
{
	uint64_t v = 0;
	if (fd >= 0 && read(fd, &v, sizeof v) != sizeof v)
		v = 0;
	return v;
}

void smx_bench_init(struct smx_bench *b, smx_op op, smx_dtype dt, const double *vals,
		    const double *g, size_t rows, size_t n, enum smx_cache cache, double min_ms,
		    size_t reps)
{
	memset(b, 0, sizeof *b);
	b->op = op;
	b->dt = dt;
	b->rows = rows;
	b->n = n;
	b->cache = cache;
	b->min_ms = min_ms;
	b->reps = reps;
	size_t es = smx_dtype_size(dt), cells;
	if (smx_mul_overflows(rows * n, es, &b->bytes) ||
	    smx_mul_overflows(rows, smx_op_out_len(op, n), &cells) ||
	    smx_mul_overflows(cells, es, &b->out_bytes))
		smx_die("perf: rows x n overflows");
	b->moved = b->bytes * (size_t)smx_op_arity(op) + b->out_bytes;
	/* Targets are read one value a row (the head of the row). */
	if (smx_op_info(op)->in[1] == SMX_ARG_TARGETS)
		b->moved = b->bytes + rows * es + b->out_bytes;
	/* One arena holds every buffer set (x, g, y), each buffer padded by
	 * 64 bytes and to whole cache lines: tiny rows cost no per-allocation
	 * overhead. The output also takes memcpy's copy of the input. */
	size_t ob = b->out_bytes > b->bytes ? b->out_bytes : b->bytes;
	size_t sx = (b->bytes + 127) / 64 * 64, sy = (ob + 127) / 64 * 64;
	size_t set = sx * (g ? 2 : 1) + sy, total;
	b->nbuf = 1;
	if (cache == SMX_CACHE_COLD) {
		/* Sets spanning twice the LLC. */
		size_t llc = smx_env_cache(3) ? smx_env_cache(3) : (size_t)64 << 20;
		b->nbuf = (2 * llc) / set + 1;
	}
	if (smx_mul_overflows(b->nbuf, set, &total))
		smx_die("perf: buffers of %zu x %zu bytes overflow", b->nbuf, set);
	b->arena = aligned_alloc(64, total);
	if (!b->arena)
		smx_die("out of memory: cannot allocate %zu bytes", total);
	b->x = smx_calloc(b->nbuf, sizeof *b->x);
	b->g = smx_calloc(b->nbuf, sizeof *b->g);
	b->y = smx_calloc(b->nbuf, sizeof *b->y);
	for (size_t i = 0; i < b->nbuf; i++) {
		char *p = (char *)b->arena + i * set;
		b->x[i] = p;
		smx_to_dtype(dt, vals, b->x[i], rows * n);
		if (g) {
			b->g[i] = p + sx;
			smx_to_dtype(dt, g, b->g[i], rows * n);
		}
		b->y[i] = p + sx * (g ? 2 : 1);
		memset(b->y[i], 0, ob);
	}
	b->cycles_fd = open_cycles();
	b->threads = 1;
}

void smx_bench_free(struct smx_bench *b)
{
	free(b->arena);
	free(b->x);
	free(b->g);
	free(b->y);
	if (b->cycles_fd >= 0)
		close(b->cycles_fd);
}

/* The read ceiling: every byte loaded once, folded so the loads are
 * needed. */
static volatile uint64_t sink;
static void stream_read(const void *p, size_t bytes)
{
	const uint64_t *q = p;
	uint64_t a = 0, c = 0, d = 0, e = 0;
	size_t k = bytes / 8, i = 0;
	for (; i + 4 <= k; i += 4) {
		a ^= q[i];
		c ^= q[i + 1];
		d ^= q[i + 2];
		e ^= q[i + 3];
	}
	for (; i < k; i++)
		a ^= q[i];
	sink = a ^ c ^ d ^ e;
}

static void call(struct smx_bench *b, enum smx_subject s, const struct smx_impl *im, size_t k)
{
	void *x = b->x[k % b->nbuf], *y = b->y[k % b->nbuf];
	switch (s) {
	case SMX_SUBJ_IMPL:
		if (b->threads > 1) {
			/* Rows split into equal runs, one a thread. */
			size_t es = smx_dtype_size(b->dt), olen = smx_op_out_len(b->op, b->n);
			const char *g = b->g[k % b->nbuf];
			int T = b->threads;
#pragma omp parallel for num_threads(T) schedule(static, 1)
			for (int t = 0; t < T; t++) {
				size_t r0 = b->rows * (size_t)t / (size_t)T,
				       r1 = b->rows * (size_t)(t + 1) / (size_t)T;
				smx_variant_run(im, (const char *)x + r0 * b->n * es,
						g ? g + r0 * b->n * es : NULL,
						(char *)y + r0 * olen * es, r1 - r0, b->n, r0);
			}
		} else {
			smx_variant_run(im, x, b->g[k % b->nbuf], y, b->rows, b->n, 0);
		}
		break;
	case SMX_SUBJ_MEMSET:
		memset(y, 0, b->out_bytes);
		break;
	case SMX_SUBJ_MEMCPY:
		memcpy(y, x, b->bytes);
		break;
	case SMX_SUBJ_READ:
		stream_read(x, b->bytes);
		break;
	}
}

/* One sample: iters calls; ns per call; cycles per call in *cyc. */
static double sample(struct smx_bench *b, enum smx_subject s, const struct smx_impl *im,
		     size_t iters, double *cyc)
{
	uint64_t c0 = read_cycles(b->cycles_fd);
	double t0 = smx_now_ms();
	for (size_t k = 0; k < iters; k++)
		call(b, s, im, k);
	double t1 = smx_now_ms();
	uint64_t c1 = read_cycles(b->cycles_fd);
	*cyc = b->cycles_fd >= 0 ? (double)(c1 - c0) / (double)iters : NAN;
	return (t1 - t0) * 1e6 / (double)iters;
}

/* Quantile by linear interpolation of the sorted samples. */
static double quantile(const double *s, size_t k, double q)
{
	double pos = q * (double)(k - 1);
	size_t i = (size_t)pos;
	double f = pos - (double)i;
	return i + 1 < k ? s[i] * (1 - f) + s[i + 1] * f : s[i];
}

/* One sample in the runner: the subject noted first, the beat after. */
static double sample_noted(struct smx_bench *b, const enum smx_subject *subj,
			   const struct smx_impl *const *impls, size_t j, size_t iters, double *cyc,
			   int *stop)
{
	if (b->current)
		*b->current = (uint32_t)j;
	double ns = sample(b, subj[j], impls[j], iters, cyc);
	if (b->beat && b->beat(j))
		*stop = 1;
	return ns;
}

int smx_bench_run_here(struct smx_bench *b, size_t count, const enum smx_subject *subj,
		       const struct smx_impl *const *impls, struct smx_stats *out, size_t *stopped)
{
	double cyc;
	int stop = 0;
	/* Calibrate: double the calls until a sample lasts min_ms. */
	for (size_t j = 0; j < count; j++) {
		size_t iters = 1;
		for (;;) {
			double ns = sample_noted(b, subj, impls, j, iters, &cyc, &stop);
			if (stop) {
				*stopped = j;
				return -1;
			}
			if (ns * (double)iters >= b->min_ms * 1e6 || iters >= (size_t)1 << 30)
				break;
			double want = b->min_ms * 1e6 / (ns > 0 ? ns : 1);
			iters = want > 2.0 * (double)iters ? (size_t)(want * 1.2) : 2 * iters;
		}
		out[j] = (struct smx_stats){.iters = iters, .reps = b->reps};
	}
	double *t = smx_alloc(count * b->reps, sizeof *t);
	double *cy = smx_alloc(count * b->reps, sizeof *cy);
	for (size_t k = 0; k < (b->reps + 1) * count; k++) {
		/* A warm-up round, then reps rounds. */
		size_t j = k % count, r = k / count;
		double ns = sample_noted(b, subj, impls, j, out[j].iters,
					 r ? &cy[j * b->reps + r - 1] : &cyc, &stop);
		if (stop) {
			*stopped = j;
			free(t);
			free(cy);
			return -1;
		}
		if (r)
			t[j * b->reps + r - 1] = ns;
	}
	for (size_t j = 0; j < count; j++) {
		double *s = t + j * b->reps, sum = 0, sq = 0;
		double c_med = NAN;
		if (b->cycles_fd >= 0) {
			qsort(cy + j * b->reps, b->reps, sizeof *cy, smx_cmp_double);
			c_med = quantile(cy + j * b->reps, b->reps, 0.5);
		}
		qsort(s, b->reps, sizeof *s, smx_cmp_double);
		for (size_t r = 0; r < b->reps; r++) {
			sum += s[r];
			sq += s[r] * s[r];
		}
		double mean = sum / (double)b->reps;
		double var = sq / (double)b->reps - mean * mean;
		out[j].median = quantile(s, b->reps, 0.5);
		out[j].q1 = quantile(s, b->reps, 0.25);
		out[j].q3 = quantile(s, b->reps, 0.75);
		out[j].mean = mean;
		out[j].stddev = var > 0 ? sqrt(var * (double)b->reps / (double)(b->reps - 1)) : 0;
		out[j].min = s[0];
		out[j].cycles = c_med;
	}
	free(t);
	free(cy);
	return 0;
}
