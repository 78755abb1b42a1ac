/* Planted bug (cross-entropy, a finite sentinel taken for a mask): logits
 * at or below -5e4 count as -inf (flashinfer #4267's class), so a target
 * down there gets the loss +inf where the exact loss is finite, and a row
 * wholly there NaN. Caught by: the edge catalogue and every profile
 * (target-below-sentinel, sentinel rows), smx hunt. */
#include "xent_mutant.h"

static double loss(const float *x, size_t n, size_t t)
{
	float y[64];
	if (n > 64)
		return xm_loss(x, n, t);
	for (size_t j = 0; j < n; j++)
		y[j] = x[j] <= -5e4f ? -INFINITY : x[j];
	return xm_loss(y, n, t);
}

XM_LOSS_ROWS(sentinel_mask, loss)
XM_PLUGIN(XM_LOSS_ENTRY("xent_sentinel_mask/scalar",
			"planted bug: logits at or below -5e4 taken for -inf", sentinel_mask));
