/* The cross-entropy options on the command line: --label-smoothing EPS and
 * --ignore-index I (impls/smx_xent_params.h says what they compute).
 *
 * Process-wide like the variants (variant.h): taken out of argv at
 * start-up, anywhere on the line, passed on to the runner process, and
 * applied to every entry of the xent and xent_fused ops and to their
 * reference. Built-in entries take them; a plug-in entry takes them
 * through ABI 2's f32_x / f64_x functions, and one without is not run
 * under options other than the defaults. */
#ifndef SMX_XENT_OPTS_H
#define SMX_XENT_OPTS_H

#include <stddef.h>

#include "smx.h"

/* Take the options out of argv (bad values: exit 2 with one line) and make
 * them the process's. Returns the new argc. */
int smx_xent_opts_from_argv(int argc, char **argv);
/* The options were given (even at their default values). */
int smx_xent_opts_given(void);
/* The options as given, e.g. "--label-smoothing 0.1" ("" when none). */
const char *smx_xent_opts_text(void);
/* The options as argv items for the runner (at most 4); the count. */
size_t smx_xent_opts_argv(const char **out);
/* Commands that take them: accuracy and perf. */
int smx_xent_opts_command_ok(const char *cmd);
/* Whether im runs under the options in force: always at the defaults;
 * otherwise every entry but a plug-in of a xent op without f32_x/f64_x. */
int smx_xent_opts_admit(const struct smx_impl *im);

#endif
