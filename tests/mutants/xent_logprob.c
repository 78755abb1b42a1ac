/* Planted bug (cross-entropy as -log of a rounded probability): p_t is
 * rounded to float before the log, so the loss of a confident, right
 * prediction (the target at the maximum by a gap past about 17) is 0, and
 * every loss below about 0.5 is off by more than an ulp (tensorflow
 * #62400, pytorch #113708). Caught by: smx hunt (the target at the
 * maximum by a gap), the edge catalogue (target-argmax-gap). */
#include "xent_mutant.h"

static double loss(const float *x, size_t n, size_t t)
{
	float p = (float)exp(-xm_loss(x, n, t));
	return -log((double)p);
}

XM_LOSS_ROWS(logprob, loss)
XM_PLUGIN(XM_LOSS_ENTRY("xent_logprob/scalar", "planted bug: -log of p_t rounded to float",
			logprob));
