/* Shared by the planted-bug plug-ins and the controls: a correct f32
 * softmax that each mutant copies and changes in exactly one place.
 *
 * Terms e_i = exp(x_i - max) and their sum S are taken in double; y_i =
 * e_i / S is rounded once to float. Relative errors in double: each exp
 * (glibc, < 1 ulp) 2^-52, the n - 1 additions (n - 1) 2^-53 to first order,
 * the division 2^-53: (n + 4) 2^-53 in all, and the final rounding to
 * float 1/2 ulp. In float ulps (an ulp is at least 2^-24 of the value):
 * at most 1/2 + (n + 4) 2^-29 < 1 for n < 2^28; subnormal outputs have an
 * absolute error below 2^-150 + 2^-178, within the same bound. This is the
 * claim MUTANT_BOUND. Policies: all -inf gives 0/0 = NaN, +inf gives
 * inf - inf = NaN, NaN propagates through exp; finite rows never overflow
 * (every term is at most 1). */
#ifndef SMX_MUTANT_H
#define SMX_MUTANT_H

#include <math.h>
#include <stddef.h>

#include "smx_plugin.h"

#define MUTANT_BOUND 1.0

/* The row's maximum (-inf for an all -inf row; NaN entries skipped). */
static inline double mutant_max(const float *x, size_t n)
{
	double m = -INFINITY;
	for (size_t i = 0; i < n; i++)
		m = x[i] > m ? x[i] : m;
	return m;
}

/* The correct row: the base every mutant departs from. */
static inline void mutant_row(const float *x, float *y, size_t n)
{
	double m = mutant_max(x, n), s = 0;
	for (size_t i = 0; i < n; i++)
		s += exp(x[i] - m);
	for (size_t i = 0; i < n; i++)
		y[i] = (float)(exp(x[i] - m) / s);
}

#define MUTANT_PLUGIN(name_, note_, fn_, neg_)                                                     \
	static const struct smx_plugin_impl impls[] = {                                            \
	    {.op = "softmax",                                                                      \
	     .dtype = "f32",                                                                       \
	     .name = (name_),                                                                      \
	     .note = (note_),                                                                      \
	     .f32 = (fn_),                                                                         \
	     .all_neginf = (neg_),                                                                 \
	     .bound = MUTANT_BOUND},                                                               \
	};                                                                                         \
	const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls}

#endif
