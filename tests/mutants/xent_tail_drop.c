/* Planted bug (cross-entropy, SIMD tail dropped): from n = 8 on, the
 * entries past the last multiple of 8 (a vector of 8 floats) are left out
 * of the maximum and the sum, as a vector loop without its tail. Caught
 * by: vet's cells (n mod 8 != 0), smx hunt. */
#include "xent_mutant.h"

static double loss(const float *x, size_t n, size_t t)
{
	size_t body = n < 8 ? n : n - n % 8, k = xm_argmax(x, body);
	double m = k < body ? x[k] : -INFINITY, r = m - m;
	for (size_t j = 0; j < body; j++)
		if (j != k)
			r += exp(x[j] - m);
	return log1p(r) + (m - x[t]);
}

XM_LOSS_ROWS(tail_drop, loss)
XM_PLUGIN(XM_LOSS_ENTRY("xent_tail_drop/scalar", "planted bug: entries past the last 8 dropped",
			tail_drop));
