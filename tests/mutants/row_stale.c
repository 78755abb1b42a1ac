/* Planted bug (rows): the row's max and sum are computed for the first 16
 * rows of a call and reused after that, as a kernel that keeps per-row
 * state in a 16-entry block would. Short batches are right. Caught by:
 * vet's 67-row cells (the claim breaks from row 16 on). */
#include "mutant.h"

static void row_stale(const float *x, float *y, size_t rows, size_t n)
{
	double m = 0, s = 1;
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		if (r < 16) {
			m = mutant_max(x, n);
			s = 0;
			for (size_t i = 0; i < n; i++)
				s += exp(x[i] - m);
		}
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp(x[i] - m) / s);
	}
}

MUTANT_PLUGIN("row_stale/scalar", "planted bug: rows past the 16th reuse row 15's max and sum",
	      row_stale, NULL);
