/* The run layer: calling an entry's kernel, guarded or isolated, timing
 * it, and the threads every command shares. Measurement code calls
 * kernels only through here, so it never needs the plug-in loader or the
 * runner (runner.h) behind it. */
#ifndef SMX_RUN_H
#define SMX_RUN_H

#include <stddef.h>

#include "bench.h"
#include "smx.h"

/* Where the guard pages go, relative to every input and output buffer. */
enum smx_guard {
	/* A guard page directly after the buffer's last byte: any read or
	 * write past the end faults (the start is then only element-aligned). */
	SMX_GUARD_AFTER,
	/* A guard page directly before the first byte, which is page-aligned:
	 * reads or writes before the start fault. */
	SMX_GUARD_BEFORE,
};

struct smx_run_opts {
	enum smx_guard guard;
	/* 0: out of place. 1: the output is the first input's buffer (y == x),
	 * 2: the second input's (two-input ops). Not for the Jacobian. */
	int in_place;
	/* Bytes added to every buffer's start (e.g. 4 for an unaligned run):
	 * with SMX_GUARD_BEFORE the start is page + misalign; with
	 * SMX_GUARD_AFTER the start is congruent to misalign modulo 64 and
	 * as close to the guard as that allows. 0: the placements above. */
	size_t misalign;
	double timeout_s; /* per call; 0: --timeout (60 s by default) */
	size_t row0;	  /* under a variant: the first row's query position */
};

enum smx_run_status {
	SMX_RUN_OK,
	SMX_RUN_CRASH,	 /* code: the signal */
	SMX_RUN_EXIT,	 /* the entry ended the process; code: the exit status */
	SMX_RUN_TIMEOUT, /* the call did not return within the time limit */
	SMX_RUN_FPENV,	 /* returned, but the FP environment was changed (by the
			    call, or by loading the entry's plug-in): outputs are
			    valid, the state has been restored */
};

struct smx_run_result {
	enum smx_run_status status;
	int code;
	int fpenv_at_load;	       /* FPENV: loading the plug-in made the change */
	unsigned mxcsr, x87;	       /* FPENV: the state found (MXCSR, x87 control word) */
	unsigned mxcsr_want, x87_want; /* ... and the state every call starts from */
	double limit_s;		       /* the time limit that applied */
};

/* What happened, for one line: "returned", "crashed (signal 11,
 * Segmentation fault)", "did not return within 1 s (--timeout)", ...
 * (static storage, overwritten by the next call). */
const char *smx_run_describe(const struct smx_run_result *r);

/* Run im like smx_impl_run (out may alias a or b). A built-in runs here;
 * a plug-in entry runs in the runner (runner.h), and a crash, an exit, a
 * timeout or a change of the FP environment ends smx with one line naming
 * the entry (exit 1, a verdict on the entry). */
void smx_run_guarded(const struct smx_impl *im, const void *a, const void *b, void *out,
		     size_t rows, size_t n);

/* Run im in the runner, built-in or plug-in, on buffers placed as o says
 * (NULL: a guard page after each buffer, out of place, the default
 * timeout); *r says how the call ended. Returns 1 when it returned (OK or
 * FPENV: out is written), 0 when not, -1 (nothing run) for options the op
 * does not allow (see smx_runner_call). */
int smx_run_isolated(const struct smx_impl *im, const void *a, const void *b, void *out,
		     size_t rows, size_t n, const struct smx_run_opts *o, struct smx_run_result *r);

/* Time count subjects side by side on b (smx_bench_run_here). With a
 * plug-in among them the whole measurement runs in the runner, and a
 * plug-in that crashes, exits, hangs or changes the FP environment ends
 * smx with one line naming it (exit 1). */
void smx_run_bench(struct smx_bench *b, size_t count, const enum smx_subject *subj,
		   const struct smx_impl *const *impls, struct smx_stats *out);

/* Take --threads T (or --threads=T) out of argv: the reference and the
 * accuracy sweeps use T threads (results do not depend on T), and perf adds
 * a T-thread measurement of each implementation. The OpenMP team starts
 * here; threads that cannot be created are exit 2 with one line. Returns
 * the new argc. */
int smx_threads_from_argv(int argc, char **argv);
/* T, or 1 when not given. */
int smx_threads(void);
/* T, or 0 when not given (the runner is started with the same option). */
int smx_threads_given(void);

/* CPU time in ms spent by this process and by the runners it started, so a
 * budget of effort counts a plug-in's work wherever it runs. */
double smx_run_cpu_ms(void);

#endif
