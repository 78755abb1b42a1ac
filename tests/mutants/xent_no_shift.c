/* Planted bug (cross-entropy without the max shift): loss = log(sum
 * exp(x_j)) - x_t, the textbook formula. In double it is accurate for
 * moderate logits, but exp overflows past 709.78 and underflows below
 * -745: rows of large logits give inf or NaN, rows far below 0 -inf.
 * Caught by: the edge catalogue (scale:1e30, the sentinels), smx hunt. */
#include "xent_mutant.h"

static double loss(const float *x, size_t n, size_t t)
{
	double s = 0;
	for (size_t j = 0; j < n; j++)
		s += exp((double)x[j]);
	return log(s) - x[t];
}

XM_LOSS_ROWS(no_shift, loss)
XM_PLUGIN(XM_LOSS_ENTRY("xent_no_shift/scalar", "planted bug: no max shift (exp overflows)",
			no_shift));
