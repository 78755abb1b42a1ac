/* Shared body of the gate's planted-bug plug-ins (tests/plugins/gate_*.c):
 * an f32 max-shifted softmax whose sum runs in float, in index order or
 * in the order the including file chooses (GATE_SUM). Each file changes
 * one thing. */
#include <math.h>
#include <stddef.h>

#include "smx_plugin.h"

#ifndef GATE_SUM
static float gate_forward_sum(const float *e, size_t n)
{
	float s = 0;
	for (size_t i = 0; i < n; i++)
		s += e[i];
	return s;
}
#define GATE_SUM gate_forward_sum
#endif

/* e[i] = exp(x[i] - max) in float; returns max (-inf for an all -inf row). */
static float gate_exps(const float *x, float *e, size_t n)
{
	float m = -INFINITY;
	for (size_t i = 0; i < n; i++)
		m = x[i] > m ? x[i] : m;
	for (size_t i = 0; i < n; i++)
		e[i] = expf(x[i] - m);
	return m;
}

static void gate_softmax_row(const float *x, float *y, size_t n)
{
	gate_exps(x, y, n);
	float sum = GATE_SUM(y, n);
	for (size_t i = 0; i < n; i++)
		y[i] = y[i] / sum;
}

/* Every row of a batch. */
static inline void gate_softmax(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++)
		gate_softmax_row(x + r * n, y + r * n, n);
}
