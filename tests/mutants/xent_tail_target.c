/* Planted bug (cross-entropy gradient, target ignored in the tail): from
 * n = 8 on, the -1 at the target is applied in the vector body only, so a
 * target among the entries past the last multiple of 8 gets p_t. Caught
 * by: vet's cells (targets in the tail), the edge catalogue
 * (target-tail:n=15), smx hunt (targets in SIMD tail lanes). */
#include "xent_mutant.h"

static void grad(const float *x, size_t n, size_t t, float *g)
{
	size_t body = n < 8 ? n : n - n % 8;
	xm_grad(x, n, t < body ? t : n, g);
}

XM_GRAD_ROWS(tail_target, grad)
XM_PLUGIN(XM_GRAD_ENTRY("xent_tail_target/scalar", "planted bug: a target in the tail ignored",
			tail_target));
