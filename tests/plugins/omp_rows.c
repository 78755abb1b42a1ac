/* Test plug-in, linked with -fopenmp: rows in an OpenMP parallel loop
 * (a fork of a process with OpenMP threads would deadlock in here). */
#include <math.h>

#include "smx_plugin.h"

static void omp_softmax(const float *x, float *y, size_t rows, size_t n)
{
	long nr = (long)rows;
#pragma omp parallel for
	for (long r = 0; r < nr; r++) {
		const float *xr = x + (size_t)r * n;
		float *yr = y + (size_t)r * n, m = -INFINITY;
		double sum = 0;
		for (size_t i = 0; i < n; i++)
			m = xr[i] > m ? xr[i] : m;
		for (size_t i = 0; i < n; i++)
			sum += exp((double)xr[i] - m);
		for (size_t i = 0; i < n; i++)
			yr[i] = (float)(exp((double)xr[i] - m) / sum);
	}
}

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax", .dtype = "f32", .name = "omp/scalar", .f32 = omp_softmax, .bound = 2}};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
