/* Planted bug (index shift): the sum starts at entry 1, an off-by-one that
 * leaves entry 0's term out. Wrong unless entry 0 is negligible. Caught by:
 * smx hunt, any accuracy run. */
#include "mutant.h"

static void index_shift(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		double m = mutant_max(x, n), s = 0;
		for (size_t i = 1; i < n; i++)
			s += exp(x[i] - m);
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp(x[i] - m) / s);
	}
}

MUTANT_PLUGIN("index_shift/scalar", "planted bug: the sum skips entry 0", index_shift, NULL);
