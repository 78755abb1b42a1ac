/* Planted bug (n <= 2): a fast path for two entries computes the second
 * output as 1 - y0, which cancels: for x = (0, -20) it gives 0 instead of
 * 2.06e-9. Longer rows are right. Caught by: smx hunt (n = 2 with a gap),
 * vet (small n). */
#include "mutant.h"

static void small_n(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		if (n == 2) {
			float y0 = (float)(1 / (1 + exp((double)x[1] - x[0])));
			y[0] = y0;
			y[1] = 1 - y0;
			continue;
		}
		mutant_row(x, y, n);
	}
}

MUTANT_PLUGIN("small_n/scalar", "planted bug: n = 2 path cancels", small_n, NULL);
