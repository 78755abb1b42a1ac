/* Test plug-in: a correct softmax that prints on standard output, through
 * stdio and straight to file descriptor 1; none of it may reach smx's
 * output. */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "smx_plugin.h"

static void noisy(const float *x, float *y, size_t rows, size_t n)
{
	printf("noise from printf\n");
	if (write(1, "noise from write\n", 17) < 0)
		return;
	for (size_t r = 0; r < rows; r++) {
		const float *a = x + r * n;
		float *b = y + r * n, m = -INFINITY, s = 0;
		for (size_t i = 0; i < n; i++)
			m = a[i] > m ? a[i] : m;
		for (size_t i = 0; i < n; i++)
			s += b[i] = expf(a[i] - m);
		for (size_t i = 0; i < n; i++)
			b[i] /= s;
	}
}

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax", .dtype = "f32", .name = "noisy/scalar", .f32 = noisy}};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
