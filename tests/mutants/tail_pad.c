/* Planted bug (tails): the sum runs over vectors of 8 lanes, and the last,
 * partial vector is padded with 0 instead of -inf, so each padding lane
 * adds exp(0 - max) to the sum. Wrong whenever n % 8 != 0 and the max is
 * not far above 0. Caught by: smx hunt (every n up to 33), vet (tails). */
#include "mutant.h"

static void tail_pad(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		double m = mutant_max(x, n), s = 0;
		for (size_t i = 0; i < (n + 7) / 8 * 8; i++)
			s += exp((i < n ? x[i] : 0.0) - m);
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp(x[i] - m) / s);
	}
}

MUTANT_PLUGIN("tail_pad/scalar", "planted bug: tail padded with 0", tail_pad, NULL);
