/* Planted bug (cross-entropy, max and sum over n - 1 entries): the last
 * logit is left out of the log-sum-exp. Wrong whenever the last entry's
 * term matters. Caught by: vet's cells, the edge catalogue
 * (max-last-far), smx hunt. */
#include "xent_mutant.h"

static double loss(const float *x, size_t n, size_t t)
{
	size_t k = xm_argmax(x, n - 1);
	double m = k < n - 1 ? x[k] : -INFINITY, r = m - m;
	for (size_t j = 0; j + 1 < n; j++)
		if (j != k)
			r += exp(x[j] - m);
	return log1p(r) + (m - x[t]);
}

XM_LOSS_ROWS(sum_short, loss)
XM_PLUGIN(XM_LOSS_ENTRY("xent_sum_short/scalar", "planted bug: the last entry left out",
			sum_short));
