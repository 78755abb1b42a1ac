/* Control (correct): the base kernel of mutant.h with the sum taken in the
 * reverse order. The derivation in mutant.h does not depend on the order,
 * so the claim is the same; smx hunt must not flag it, and a baseline made
 * with the forward sum must pass it. */
#include "mutant.h"

static void ctl_reverse(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		double m = mutant_max(x, n), s = 0;
		for (size_t i = n; i-- > 0;)
			s += exp(x[i] - m);
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp(x[i] - m) / s);
	}
}

MUTANT_PLUGIN("ctl_reverse/scalar", "control: reverse summation order", ctl_reverse, NULL);
