/* Test plug-in: a correct softmax that takes 2.5 s per call, so a command
 * using it runs long enough, on any machine, to show its progress. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <time.h>

#include "smx_plugin.h"

static void slow(const float *x, float *y, size_t rows, size_t n)
{
	struct timespec t = {2, 500000000};
	while (nanosleep(&t, &t))
		;
	for (size_t r = 0; r < rows; r++) {
		const float *xr = x + r * n;
		float *yr = y + r * n, m = -INFINITY, s = 0;
		for (size_t i = 0; i < n; i++)
			m = xr[i] > m ? xr[i] : m;
		for (size_t i = 0; i < n; i++)
			s += yr[i] = expf(xr[i] - m);
		for (size_t i = 0; i < n; i++)
			yr[i] /= s;
	}
}

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax", .dtype = "f32", .name = "slow/scalar", .f32 = slow}};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
