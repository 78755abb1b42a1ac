/* Input rows: the text row format, and the seeded generators. Values are
 * held as doubles; for f32 every value is a float, exactly. */
#ifndef SMX_ROWS_H
#define SMX_ROWS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "smx.h"

/* A batch of rows, the one type that generators and file readers give:
 * every value is one of dt's, held as a double. */
struct smx_rows {
	size_t count; /* rows */
	size_t *off;  /* row r is x[off[r] .. off[r+1]) */
	double *x;
	smx_dtype dt;
};

/* rows rows of n values each (uninitialised). */
void smx_rows_alloc(struct smx_rows *rs, smx_dtype dt, size_t rows, size_t n);
/* rows rows of n values each, copied from x. */
void smx_rows_copy(struct smx_rows *rs, smx_dtype dt, const double *x, size_t rows, size_t n);
void smx_rows_free(struct smx_rows *rs);
/* The common length when every row has it, else (size_t)-1. */
size_t smx_rows_width(const struct smx_rows *rs);

/* Text rows: one row a line, whitespace-separated decimal or hexadecimal
 * floats, inf, -inf, nan; '#' starts a comment; blank lines are skipped.
 * Every value must be exactly representable in dt. On error returns -1 and
 * writes "<name>:<line>:<column>: <why>" to err. */
int smx_rows_parse(FILE *f, const char *name, smx_dtype dt, struct smx_rows *out, char *err,
		   size_t errlen);

/* Binary rows: NumPy .npy (any rank, the last axis a row; little-endian
 * float16, float32 or float64, or bf16 bit patterns as <u2 when dt is bf16;
 * C order) and raw little-endian files of a stated shape ("RxN") whose
 * extension names a storage format (.f32, .f64, .bf16, .f16; fmt, from
 * smx_raw_format). Values must be exactly representable in dt (an f64
 * file read as f32 is checked value by value). On error returns -1 with a
 * reason in err. */
int smx_rows_read_npy(FILE *f, const char *name, smx_dtype dt, struct smx_rows *out, char *err,
		      size_t errlen);
/* A .npy file's header (the file left at its data), and exactly
 * rows x n values of es bytes (into *data, malloc'd, freed by the caller
 * also on error). -1 with a reason in err. */
struct smx_npy {
	char descr[16];
	int fortran, have_descr, have_order, have_shape, nd;
	long long dims[32];
};
int smx_npy_header(FILE *f, const char *name, struct smx_npy *h, char *err, size_t errlen);
int smx_read_data(FILE *f, const char *name, size_t rows, size_t n, size_t es, unsigned char **data,
		  char *err, size_t errlen);
int smx_raw_format(const char *path, smx_dtype *fmt);
int smx_rows_read_raw(FILE *f, const char *name, smx_dtype fmt, size_t rows, size_t n, smx_dtype dt,
		      struct smx_rows *out, char *err, size_t errlen);
/* The most values a file of rows may hold (2 GiB as doubles). */
#define SMX_MAX_VALUES ((size_t)1 << 28)
/* Parse "RxN"; -1 when malformed, zero, or above SMX_MAX_VALUES. */
int smx_parse_shape(const char *s, size_t *rows, size_t *n);
/* Write rows x n values (double, converted to dt) as a .npy file; ndim 1
 * writes shape (rows,) with n = 1, ndim 3 shape (rows, n, n). */
void smx_write_npy(FILE *f, smx_dtype dt, const double *v, size_t rows, size_t n, int ndim);

/* Generators. The same (spec, dtype, seed, n, row) gives the same bits on
 * every machine: splitmix64 random bits, and only +, -, *, /, sqrt
 * (correctly rounded in IEEE 754) on the way to a value. */
enum smx_dist_kind {
	SMX_DIST_UNIFORM,
	SMX_DIST_NORMAL,
	SMX_DIST_LM,
	SMX_DIST_ATTN,
	SMX_DIST_WIDE,
	SMX_DIST_SORTED,
	SMX_DIST_SCALED,       /* normal:1 times a scale (overflow sweeps) */
	SMX_DIST_BENCHDNN_POS, /* benchdnn's fill: top values 90, 89, 88, the rest lowest */
	SMX_DIST_BENCHDNN_NEG, /* the same with -86, -87, -88 */
};

struct smx_dist {
	enum smx_dist_kind kind;
	double a, b;   /* uniform bounds; normal sigma in a; scale in a */
	char spec[64]; /* canonical spelling, as given */
};

/* Parse "uniform:A,B", "normal:SIGMA", "lm", "attn", "wide", "sorted",
 * "scaled:S", "benchdnn+", "benchdnn-". Returns -1 on a bad spec. */
int smx_dist_parse(const char *s, struct smx_dist *d);
/* The generator families `smx accuracy` sweeps by default. */
extern const char *const smx_dist_defaults[];
extern const size_t smx_dist_ndefaults;

/* rows x n values of distribution d for dtype dt into x. Row r depends only
 * on (d, dt, seed, n, r), not on the number of threads (long rows are
 * generated in parallel, see gen.c). */
void smx_dist_fill(const struct smx_dist *d, smx_dtype dt, uint64_t seed, size_t rows, size_t n,
		   double *x);
/* The same as a batch of rows. */
void smx_rows_generate(struct smx_rows *rs, const struct smx_dist *d, smx_dtype dt, uint64_t seed,
		       size_t rows, size_t n);
/* The same values stored in dt itself (floats for f32), with no double
 * copy. */
void smx_dist_fill_as(const struct smx_dist *d, smx_dtype dt, uint64_t seed, size_t rows, size_t n,
		      void *x);

/* The random bits behind the generators, for tests that need their own. */
uint64_t smx_splitmix64(uint64_t *state);
double smx_uniform01(uint64_t *state); /* [0, 1), 53 bits */
double smx_normal(uint64_t *state);    /* standard normal */

#endif
