/* Small shared services of the smx CLI: errors, checked allocation,
 * number parsing, atomic output files. */
#ifndef SMX_UTIL_H
#define SMX_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Bad input: "smx: <what>: <why>" on stderr, temporary outputs removed,
 * exit status 2. */
_Noreturn void smx_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
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

/* Split a comma-separated list in place; returns the number of items. */
size_t smx_split(char *s, char **items, size_t max);

/* Output that appears complete or not at all: written to a temporary file
 * beside path and renamed by smx_out_commit. path "-" (or NULL) is stdout.
 * On a fatal error or SIGINT/SIGTERM the temporary file is removed. */
FILE *smx_out_open(const char *path);
void smx_out_commit(FILE *f);

/* Milliseconds since an arbitrary origin (monotonic). */
double smx_now_ms(void);

/* Progress on stderr when it is a terminal and the task runs over a
 * second: call with done/total, and with done == total to finish. */
void smx_progress(const char *what, size_t done, size_t total);

#endif
