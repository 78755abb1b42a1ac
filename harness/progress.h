/* Progress of long commands, on stderr only.
 *
 * A command announces its cells (smx_progress_begin), names each cell as it
 * starts (smx_progress_cell) and counts it when done (smx_progress_step).
 * A background thread does the printing, so a single long cell still shows
 * signs of life:
 * - stderr a terminal: one line redrawn in place after the first 2 s, with
 *   cells done of total, the current cell, elapsed and remaining time;
 * - otherwise: a one-line heartbeat, the first after 2 s, then at intervals
 *   growing by 2 s up to 10 s;
 * - `--quiet` (a global option) or a run under 2 s: nothing.
 * Nothing is ever written to stdout. Calls nest: only the outermost
 * begin/end pair counts, so a command used inside another stays silent. */
#ifndef SMX_PROGRESS_H
#define SMX_PROGRESS_H

#include <stddef.h>

/* Take `--quiet` out of argv (anywhere on the line); returns the new argc. */
int smx_quiet_from_argv(int argc, char **argv);
int smx_quiet(void);

/* total_work: the cells' summed cost in any unit (e.g. elements), used for
 * the time remaining; 0 means every cell costs the same. */
void smx_progress_begin(const char *what, size_t cells, double total_work);
/* The cell about to run and its cost (ignored when total_work was 0). */
void smx_progress_cell(double work, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void smx_progress_step(void);
void smx_progress_end(void);

/* The line the printer would show now (for the tests). */
void smx_progress_line(char *buf, size_t len, double elapsed_ms);

#endif
