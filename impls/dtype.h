/* One row per number format: everything the harness and the reference need
 * to know about a dtype, in one place. A new format is one more row (and its
 * element conversions); nothing else branches on which format it is. */
#ifndef SMX_DTYPE_H
#define SMX_DTYPE_H

#include <stddef.h>

#include "smx.h"

struct smx_dtype_info {
	const char *name;
	size_t size; /* bytes of one stored element */
	/* Significand bits (with the implicit one); 2^emin is the least
	 * normal, 2^emin_sub the least subnormal, and the largest finite
	 * value max_finite lies in [2^emax, 2^(emax + 1)). */
	int prec, emin, emin_sub, emax;
	double max_finite;
	/* Overflow rule of round-to-nearest: to +-inf (has_inf), else to
	 * +-max_finite (the "satfinite" convention of formats without inf). */
	int has_inf;
	/* 1: kernels take inputs in this format; 0: output and intermediate
	 * format only. */
	int storage;
	/* Measured by default (without --dtype) and in the report. */
	int sweep;
	const char *npy; /* NumPy descr of the storage ("<f4"), NULL if none */
	/* Element i of an array in this format, exactly as a double; and the
	 * store of v rounded to nearest-even (v a value of the format stores
	 * exactly). */
	double (*load)(const void *p, size_t i);
	void (*store)(void *p, size_t i, double v);
	/* v rounded to the format (nearest-even, subnormals, overflow rule). */
	double (*round)(double v);
	/* The neighbour of c (a value of the format) toward dir. */
	double (*next)(double c, double dir);
};

/* The row of dt (dt < SMX_DTYPE_COUNT). */
const struct smx_dtype_info *smx_dtype_info(smx_dtype dt);

/* Whether v is a value of the format (NaN and +-inf count where the
 * format has them). */
int smx_dtype_holds(smx_dtype dt, double v);

/* The row's prec and emin_sub. */
int smx_dtype_prec(smx_dtype dt);
int smx_dtype_emin_sub(smx_dtype dt);

/* Convert count elements between the format's array and doubles. */
void smx_to_dtype(smx_dtype dt, const double *x, void *out, size_t count);
void smx_from_dtype(smx_dtype dt, const void *in, double *x, size_t count);

#endif
