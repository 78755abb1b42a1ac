/* Planted bug (max over n - 1): the maximum ignores the last entry. Softmax
 * does not depend on the shift in exact arithmetic, so the result is only
 * wrong when the last entry exceeds the others by more than exp's range
 * (exp overflows: inf / inf = NaN). Caught by: smx hunt (max last by a gap
 * past exp's range), vet (the edge catalogue at small n). */
#include "mutant.h"

static void max_skip_last(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		double m = mutant_max(x, n > 0 ? n - 1 : 0), s = 0;
		if (n == 1)
			m = x[0];
		for (size_t i = 0; i < n; i++)
			s += exp(x[i] - m);
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp(x[i] - m) / s);
	}
}

MUTANT_PLUGIN("max_skip_last/scalar", "planted bug: max ignores the last entry", max_skip_last,
	      NULL);
