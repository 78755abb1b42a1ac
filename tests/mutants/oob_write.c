/* Planted bug (writing past the row): the sum is kept in y[n] as scratch,
 * one element past the row (the next row's first output, overwritten
 * later, or past the buffer for the last row). Outputs out of place are
 * right. Caught by: vet (guard pages after the output), ASan; smx hunt when
 * it runs several rows in place in one call (the write lands in the next
 * row's input). */
#include "mutant.h"

static void oob_write(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		double m = mutant_max(x, n);
		y[n] = 0;
		for (size_t i = 0; i < n; i++)
			y[n] += (float)exp(x[i] - m);
		double s = 0;
		for (size_t i = 0; i < n; i++)
			s += exp(x[i] - m);
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp(x[i] - m) / s);
	}
}

MUTANT_PLUGIN("oob_write/scalar", "planted bug: writes one past the row", oob_write, NULL);
