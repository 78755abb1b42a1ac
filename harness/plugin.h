/* Loading plug-ins (impls/smx_plugin.h) and running their entries so that a
 * crash is reported, not suffered. */
#ifndef SMX_PLUGIN_LOAD_H
#define SMX_PLUGIN_LOAD_H

#include <stddef.h>

#include "smx.h"

/* Take every --plugin PATH (or --plugin=PATH) out of argv, load each (bad
 * plug-ins: one line on stderr, exit 2) and return the new argc. */
int smx_plugins_from_argv(int argc, char **argv);

/* Run im like smx_impl_run; a plug-in entry runs in a child process and a
 * crash ends smx with a line naming the entry (exit 2). out_len is the
 * number of output elements. */
void smx_run_guarded(const struct smx_impl *im, const void *a, const void *b, void *out,
		     size_t rows, size_t n);

/* Take --threads T (or --threads=T) out of argv: the reference and the
 * accuracy sweeps use T threads (results do not depend on T), and perf adds
 * a T-thread measurement of each implementation. Returns the new argc. */
int smx_threads_from_argv(int argc, char **argv);
/* T, or 1 when not given. */
int smx_threads(void);

#endif
