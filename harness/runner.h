/* The runner: calls of an entry in a separate, fresh process.
 *
 * smx starts itself in a hidden mode (`smx [--plugin P]... __runner`) with
 * posix_spawn, never by forking: smx may have OpenMP threads, and a fork
 * of a threaded process can deadlock in the child. The runner loads the
 * same plug-ins, so it has the same registry, and serves requests over a
 * socket; inputs and outputs travel through a shared memory file (memfd).
 * Inside the runner every buffer sits next to a PROT_NONE guard page, and
 * every call starts under the default floating-point environment, which is
 * checked afterwards. The runner is its own process group; smx kills the
 * group on a timeout, on the fatal signals and errors util.c handles, and
 * when it exits, and the runner dies with smx (PR_SET_PDEATHSIG) whatever
 * kills smx. After a
 * crash, an exit or a timeout the next request starts a new runner.
 *
 * Use from one thread only (smx calls it from its main thread). */
#ifndef SMX_RUNNER_H
#define SMX_RUNNER_H

#include <stddef.h>

#include "bench.h"
#include "run.h"
#include "smx.h"

/* The hidden command name. */
#define SMX_RUNNER_COMMAND "__runner"

/* Run entry im (built-in or plug-in; both run in the runner) on rows x n
 * inputs a (and b for two-input ops), writing rows x smx_op_out_len(op, n)
 * elements to out (written only when the call returned: OK or FPENV).
 * opts NULL: a guard directly after each buffer, out of place, the
 * default timeout. Returns 0 with *r filled, or -1 (and nothing run) for
 * options the op does not allow (in-place Jacobian, in_place 2 on a
 * one-input op) or out of range (misalign >= 64, a negative timeout). smx
 * itself cannot fail silently here: a runner that cannot be started is
 * exit 2 with one line. */
int smx_runner_call(const struct smx_impl *im, const void *a, const void *b, void *out, size_t rows,
		    size_t n, const struct smx_run_opts *opts, struct smx_run_result *r);

/* End the runner (if any): the next call starts a new one, with the
 * process's variant options (harness/variant.h) as they are then. */
void smx_runner_restart(void);
/* CPU time, in ms, of the runners: the live one's so far and every reaped
 * one's (all waited-for children). */
double smx_runner_cpu_ms(void);

/* smx_run_bench in the runner: the same subjects side by side, the timing
 * loop in the runner process on guarded buffers filled from b's first
 * buffer set. On a failed plug-in (crash, exit, timeout, FP environment)
 * returns -1 with *r saying how and *who the subject at fault (when the
 * runner died, the plug-in subjects are all suspects: the first one). */
int smx_runner_bench(struct smx_bench *b, size_t count, const enum smx_subject *subj,
		     const struct smx_impl *const *impls, struct smx_stats *out,
		     struct smx_run_result *r, size_t *who);

/* A buffer of bytes next to a guard page, placed as struct smx_run_opts
 * says (misalign < 64). */
struct smx_gbuf {
	void *map;
	size_t len;
};
void *smx_gbuf_alloc(struct smx_gbuf *g, size_t bytes, enum smx_guard where, size_t misalign);
void smx_gbuf_free(struct smx_gbuf *g);

/* The smx binary started as the runner: /proc/self/exe unless set (a
 * program linking libsmx, such as the tests, names build/smx). */
void smx_runner_set_exe(const char *path);

/* The runner's main loop (argv: SMX_RUNNER_COMMAND PARENT_PID). */
int smx_runner_main(int argc, char **argv);

/* The per-call time limit in seconds: take --timeout S (or --timeout=S)
 * out of argv; returns the new argc. */
int smx_timeout_from_argv(int argc, char **argv);
double smx_timeout(void);

/* The floating-point environment: MXCSR control bits (rounding, FTZ, DAZ,
 * exception masks) and the x87 control word. */
struct smx_fpenv {
	unsigned mxcsr, x87;
};
void smx_fpenv_get(struct smx_fpenv *e);
/* Set the default state (MXCSR 0x1f80, x87 0x037f). */
void smx_fpenv_default(void);
int smx_fpenv_is_default(const struct smx_fpenv *e);

#endif
