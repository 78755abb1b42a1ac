/* The run layer: calling an entry's kernel, guarded or not, and the
 * threads every command shares. Measurement code calls kernels only
 * through here, so it never needs the plug-in loader. */
#ifndef SMX_RUN_H
#define SMX_RUN_H

#include <stddef.h>

#include "smx.h"

/* Run im like smx_impl_run (out may alias a or b). A built-in runs here;
 * a plug-in entry runs in the runner (runner.h), and a crash, an exit, a
 * timeout or a change of the FP environment ends smx with one line naming
 * the entry (exit 1, a verdict on the entry). */
void smx_run_guarded(const struct smx_impl *im, const void *a, const void *b, void *out,
		     size_t rows, size_t n);

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
