/* Timing: samples of a kernel call, taken side by side with the memory
 * ceilings of the same bytes (DESIGN.md, "Performance method"). */
#ifndef SMX_BENCH_H
#define SMX_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "smx.h"

enum smx_cache { SMX_CACHE_HOT, SMX_CACHE_COLD };

/* What is timed: an implementation, or a ceiling over the same bytes. */
enum smx_subject { SMX_SUBJ_IMPL, SMX_SUBJ_MEMCPY, SMX_SUBJ_READ, SMX_SUBJ_MEMSET };

struct smx_stats {
	size_t iters, reps;			  /* calls per sample, samples */
	double median, q1, q3, mean, stddev, min; /* ns per call */
	double cycles; /* per call (median sample), NaN when no counter */
};

struct smx_bench {
	smx_op op;
	smx_dtype dt;
	size_t rows, n;
	size_t bytes;	  /* bytes of one input (rows x n elements): memcpy, read */
	size_t out_bytes; /* bytes of the output (rows x out_len): memset */
	size_t moved;	  /* bytes an op must read and write at the least */
	enum smx_cache cache;
	size_t nbuf;	    /* buffer sets rotated (1 when hot) */
	void **x, **g, **y; /* set i's buffers, in arena */
	void *arena;
	double min_ms;
	size_t reps;
	int cycles_fd; /* perf counter, -1 when unavailable */
	int threads;   /* implementations run on rows split across threads */
	/* In the runner: a hook after every sample (nonzero stops the run)
	 * and where to note the subject being sampled. NULL elsewhere. */
	int (*beat)(size_t subject);
	volatile uint32_t *current;
};

/* Allocate the buffers (cold: enough sets to exceed twice the LLC) filled
 * with the given rows x n values (g: the second input of two-input ops). */
void smx_bench_init(struct smx_bench *b, smx_op op, smx_dtype dt, const double *vals,
		    const double *g, size_t rows, size_t n, enum smx_cache cache, double min_ms,
		    size_t reps);
void smx_bench_free(struct smx_bench *b);

/* Measure several subjects side by side in this process (through
 * smx_run_bench, run.h, which takes plug-ins to the runner): calibrate
 * each, then take one sample of every subject per round, reps rounds
 * after a warm-up round. -1 when b->beat stopped it (*stopped: the
 * subject), else 0. */
int smx_bench_run_here(struct smx_bench *b, size_t count, const enum smx_subject *subj,
		       const struct smx_impl *const *impls, struct smx_stats *out, size_t *stopped);

/* Pin the calling thread to a CPU, or to count CPUs from first (threads
 * started afterwards inherit the set); -1 on failure. */
int smx_pin(int cpu);
int smx_pin_range(int first, int count);

#endif
