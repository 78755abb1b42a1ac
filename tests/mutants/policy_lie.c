/* Planted bug (policy lie): declares that an all -inf row gives zeros
 * ("safe softmax") but computes 0/0 = NaN there, like the plain kernel.
 * Caught by: smx hunt and smx overflow (all -inf rows against the
 * declared policy), vet. */
#include "mutant.h"

static void policy_lie(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n)
		mutant_row(x, y, n);
}

MUTANT_PLUGIN("policy_lie/scalar", "planted bug: declares zeros, gives NaN", policy_lie, "zero");
