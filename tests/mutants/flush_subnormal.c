/* Planted bug (flushed subnormals): outputs below the least normal float
 * are written as 0 instead of the subnormal they round to. Caught by: smx
 * hunt (rows whose outputs underflow past 2^-126), smx accuracy on 'wide'
 * rows. */
#include <float.h>

#include "mutant.h"

static void flush_subnormal(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		mutant_row(x, y, n);
		for (size_t i = 0; i < n; i++)
			if (y[i] < FLT_MIN)
				y[i] = 0;
	}
}

MUTANT_PLUGIN("flush_subnormal/scalar", "planted bug: subnormal outputs flushed", flush_subnormal,
	      NULL);
