/* Planted bug (cross-entropy, policy lie): R starts at 0 instead of
 * m - m, so a +inf logit off the target gives the loss +inf (the limit)
 * while the entry declares NaN, the IEEE answer PyTorch gives. Caught by:
 * the edge catalogue (one+inf, mixed-inf), smx hunt (the +inf seeds). */
#include "xent_mutant.h"

static double loss(const float *x, size_t n, size_t t)
{
	size_t k = xm_argmax(x, n);
	double m = k < n ? x[k] : -INFINITY, r = 0;
	for (size_t j = 0; j < n; j++)
		if (j != k)
			r += exp(x[j] - m);
	return log1p(r) + (m - x[t]);
}

XM_LOSS_ROWS(posinf_finite, loss)
XM_PLUGIN(XM_LOSS_ENTRY("xent_posinf_finite/scalar",
			"planted bug: +inf off the target gives +inf, NaN declared",
			posinf_finite));
