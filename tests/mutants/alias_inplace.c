/* Planted bug (aliasing): the terms are stored in y, then the outputs are
 * recomputed from x; when y == x the second pass reads the terms instead
 * of the logits. Out of place it is right. Caught by: smx hunt (its seeds
 * also run in place and compare the bits), vet (the in-place run). */
#include "mutant.h"

static void alias_inplace(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		double m = mutant_max(x, n), s = 0;
		for (size_t i = 0; i < n; i++) {
			y[i] = (float)exp(x[i] - m);
			s += exp(x[i] - m);
		}
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp(x[i] - m) / s);
	}
}

MUTANT_PLUGIN("alias_inplace/scalar", "planted bug: wrong when y == x", alias_inplace, NULL);
