/* Small shared services of the smx CLI: errors, checked allocation,
 * number parsing, atomic output files. */
#ifndef SMX_UTIL_H
#define SMX_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Bad input: "smx: <what>: <why>" on stderr as one line (control
 * characters shown as '?'), temporary outputs removed, exit status 2. */
_Noreturn void smx_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For the fuzz targets: hook receives the line (control characters shown
 * as '?') before it is printed; a hook that does not return (longjmp)
 * makes a refusal recoverable. */
void smx_die_hook(void (*hook)(const char *line));

/* A failed verdict that ends the run (a plug-in entry crashed, exited or
 * timed out): the same one line and clean-up, exit status 1. */
_Noreturn void smx_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocation that reports failure (exit 2) instead of crashing; n * size is
 * checked for overflow. */
void *smx_alloc(size_t n, size_t size);
void *smx_calloc(size_t n, size_t size);
void *smx_realloc(void *p, size_t n, size_t size);
int smx_mul_overflows(size_t a, size_t b, size_t *out);

/* Strict parsers: the whole string must be a number in range; they return 0
 * or -1 and never print. */
int smx_parse_size(const char *s, size_t lo, size_t hi, size_t *out);
int smx_parse_u64(const char *s, uint64_t *out);
int smx_parse_double(const char *s, double *out);

/* Split a comma-separated list in place; returns the number of items,
 * which may exceed max (only the first max are stored): callers refuse. */
size_t smx_split(char *s, char **items, size_t max);

/* Output that appears complete or not at all: written to a temporary file
 * beside path (beside the file a symbolic link names) and renamed by
 * smx_out_commit, keeping the replaced file's mode (new files: 0666 less
 * the umask). A target that is not a regular file (device, FIFO) is written
 * in place. path "-" (or NULL) is standard output. Every write, flush,
 * close and rename is checked (exit 2). On a fatal error or signal the
 * temporary file is removed. */
FILE *smx_out_open(const char *path);
void smx_out_commit(FILE *f);

/* Temporary paths (files, or directories of plain files) removed on a
 * fatal error or a fatal signal (INT, TERM, HUP, QUIT, PIPE, USR1, USR2)
 * until smx_temp_done. Returns the slot. */
int smx_temp_add(const char *path, int dir);
void smx_temp_done(int slot);
/* The child process to kill before cleaning up (0: none). */
void smx_child_set(pid_t pid);
/* A process group to kill as well (the plug-in runner's; 0: none). */
void smx_child_group_set(pid_t pgid);
/* The process's umask (read without changing it for long). */
mode_t smx_umask(void);

/* Plug-ins may print: smx_stdout_protect points file descriptor 1 at
 * standard error, and smx's own output goes to smx_stdout(), a copy of
 * the original standard output. */
void smx_stdout_protect(void);
FILE *smx_stdout(void);

/* Milliseconds since an arbitrary origin (monotonic). */
double smx_now_ms(void);

/* qsort's comparison for doubles, ascending. */
int smx_cmp_double(const void *a, const void *b);

#endif
