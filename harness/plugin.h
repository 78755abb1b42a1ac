/* Loading plug-ins (impls/smx_plugin.h, ABI 1 and 2) and running their
 * entries in the runner (runner.h) so that a crash, an exit or a hang is
 * reported, not suffered. */
#ifndef SMX_PLUGIN_LOAD_H
#define SMX_PLUGIN_LOAD_H

#include <stddef.h>

#include "smx.h"

/* Take every --plugin PATH (or --plugin=PATH) out of argv, load each (bad
 * plug-ins: one line on stderr, exit 2) and return the new argc. A load
 * that changes the FP environment is undone and remembered. */
int smx_plugins_from_argv(int argc, char **argv);

/* The absolute paths of the plug-ins loaded, in load order (at most max). */
size_t smx_plugin_paths(const char **paths, size_t max);
/* " --plugin PATH" for each of them, for the command lines that replay a
 * finding. */
void smx_plugin_argv_text(char *buf, size_t len);
/* 1 when loading im's plug-in changed the FP environment (*found: the
 * state it left), else 0 (built-ins: 0). */
struct smx_fpenv;
int smx_plugin_fpenv_at_load(const struct smx_impl *im, struct smx_fpenv *found);

/* Run im like smx_impl_run (out may alias a or b). A built-in runs here;
 * a plug-in entry runs in the runner, and a crash, an exit, a timeout or a
 * change of the FP environment ends smx with one line naming the entry
 * (exit 1, a verdict on the entry). */
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

#endif
