/* Loading plug-ins (impls/smx_plugin.h, ABI 1 and 2). Their entries run in
 * the runner (runner.h), called through the run layer (run.h), so that a
 * crash, an exit or a hang is reported, not suffered. */
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

#endif
