/* Planted bug (ties): the sum starts at 1 for the maximum and skips every
 * entry equal to it, so a row with k tied maxima sums to 1 + ... instead
 * of k + ...: (m, m) gives (1, 1) instead of (1/2, 1/2). Rows without a
 * tie are right. Caught by: smx hunt (near-ties and copies at the max). */
#include "mutant.h"

static void ties_once(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		double m = mutant_max(x, n), s = 1;
		for (size_t i = 0; i < n; i++)
			if (x[i] != m)
				s += exp(x[i] - m);
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp(x[i] - m) / s);
	}
}

MUTANT_PLUGIN("ties_once/scalar", "planted bug: tied maxima counted once", ties_once, NULL);
