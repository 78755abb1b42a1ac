/* Test plug-in: the mutants' correct softmax (tests/mutants/mutant.h),
 * which gives inf - inf = NaN on a row with +inf, declared as giving the
 * limit there (pos_inf "limit"). smx accuracy must fail it on a +inf row. */
#include "../mutants/mutant.h"

static void softmax(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n)
		mutant_row(x, y, n);
}

static const struct smx_plugin_entry e[] = {{SMX_ENTRY_SIZE, .op = "softmax", .dtype = "f32",
					     .name = "edge_limit_lie/scalar", .f32 = softmax,
					     .all_neginf = "nan", .pos_inf = "limit"}};
const struct smx_plugin2 smx_plugin = {SMX_PLUGIN_ABI_2, 1, e};
