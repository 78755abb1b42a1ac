/* Planted bug (FTZ from -ffast-math): the correct kernel, but the Makefile
 * builds this file with -ffast-math, which links crtfastmath and sets
 * flush-to-zero and denormals-are-zero in MXCSR when the plug-in loads,
 * for the whole process: subnormal outputs come out as 0. Caught by: smx
 * hunt (subnormal outputs), vet (MXCSR checked around loading and every
 * call). */
#include "mutant.h"

static void ftz_fastmath(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n)
		mutant_row(x, y, n);
}

MUTANT_PLUGIN("ftz_fastmath/scalar", "planted bug: built with -ffast-math (FTZ/DAZ)", ftz_fastmath,
	      NULL);
