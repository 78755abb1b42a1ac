/* Planted bug (cross-entropy, index shift): the loss reads the logit after
 * the target's, x[(t + 1) mod n], for x[t]. Wrong on almost every row of
 * n >= 2. Caught by: vet's cells, smx hunt. */
#include "xent_mutant.h"

static double loss(const float *x, size_t n, size_t t)
{
	return xm_loss(x, n, (t + 1) % n);
}

XM_LOSS_ROWS(target_shift, loss)
XM_PLUGIN(XM_LOSS_ENTRY("xent_target_shift/scalar", "planted bug: x[t + 1] read for x[t]",
			target_shift));
