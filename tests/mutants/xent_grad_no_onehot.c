/* Planted bug (cross-entropy gradient): the one-hot is never subtracted,
 * so the target's component is p_t instead of p_t - 1. Caught by: vet's
 * cells, smx hunt. */
#include "xent_mutant.h"

static void grad(const float *x, size_t n, size_t t, float *g)
{
	xm_grad(x, n, n, g); /* no class n: no -1 anywhere */
	(void)t;
}

XM_GRAD_ROWS(grad_no_onehot, grad)
XM_PLUGIN(XM_GRAD_ENTRY("xent_grad_no_onehot/scalar", "planted bug: the -1 at the target missing",
			grad_no_onehot));
