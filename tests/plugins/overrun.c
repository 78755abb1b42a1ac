/* Test plug-in: softmax entries that write outside their output, 256
 * bytes past its end (over/scalar) or 64 bytes before its start
 * (under/scalar). */
#include <math.h>
#include <string.h>

#include "smx_plugin.h"

static void softmax(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		float m = -INFINITY;
		double sum = 0;
		for (size_t i = 0; i < n; i++)
			m = x[i] > m ? x[i] : m;
		for (size_t i = 0; i < n; i++)
			sum += exp((double)x[i] - m);
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp((double)x[i] - m) / sum);
	}
}

static void over(const float *x, float *y, size_t rows, size_t n)
{
	softmax(x, y, rows, n);
	memset((char *)(y + rows * n), 0x7f, 256);
}

static void under(const float *x, float *y, size_t rows, size_t n)
{
	softmax(x, y, rows, n);
	memset((char *)y - 64, 0x7f, 64);
}

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax", .dtype = "f32", .name = "over/scalar", .f32 = over},
    {.op = "softmax", .dtype = "f32", .name = "under/scalar", .f32 = under}};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 2, impls};
