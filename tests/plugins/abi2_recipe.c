/* Test plug-in: an f32 entry that computes in double declares the recipe
 * f32>f64>f32; `smx list` must show it, and an entry without one the dtype
 * throughout. With -DSMX_TEST_BAD_RECIPE=1 (abi2_recipe_bad.c) the recipe
 * starts with another format than the entry's dtype and must be refused. */
#include <math.h>

#include "smx_plugin.h"

#ifndef SMX_TEST_BAD_RECIPE
#define SMX_TEST_BAD_RECIPE 0
#endif

static void softmax(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		double m = -INFINITY, sum = 0;
		for (size_t i = 0; i < n; i++)
			m = x[i] > m ? x[i] : m;
		for (size_t i = 0; i < n; i++)
			sum += exp(x[i] - m);
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp(x[i] - m) / sum);
	}
}

static const struct smx_plugin_entry e[] = {
    {SMX_ENTRY_SIZE, .op = "softmax", .dtype = "f32", .name = "wide/scalar", .f32 = softmax,
     .recipe = SMX_TEST_BAD_RECIPE ? "bf16>f64>f32" : "f32>f64>f32"},
    {SMX_ENTRY_SIZE, .op = "softmax", .dtype = "f32", .name = "plain/scalar", .f32 = softmax},
};
const struct smx_plugin2 smx_plugin = {SMX_PLUGIN_ABI_2, 2, e};
