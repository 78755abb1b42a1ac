/* Planted bug (reading past the row): the max loop runs to i <= n and
 * reads one element past the row (the next row's first entry, or past the
 * buffer for the last row). Results stay right unless that element is far
 * above the row. Caught by: vet (guard pages after the input), ASan; smx
 * hunt when it runs a plug-in's rows of one length in one call and a next
 * row's first entry lies past exp's range above the row. */
#include "mutant.h"

static void oob_read(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		double m = -INFINITY, s = 0;
		for (size_t i = 0; i <= n; i++)
			m = x[i] > m ? x[i] : m;
		for (size_t i = 0; i < n; i++)
			s += exp(x[i] - m);
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp(x[i] - m) / s);
	}
}

MUTANT_PLUGIN("oob_read/scalar", "planted bug: reads one past the row", oob_read, NULL);
