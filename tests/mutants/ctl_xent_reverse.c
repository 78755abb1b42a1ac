/* Correct control (cross-entropy): the loss and the gradient with the sum
 * R taken from the last entry down. The claims of xent_mutant.h hold for
 * any order of the additions; nothing may be flagged. */
#include "xent_mutant.h"

static double reverse_sum(const float *x, size_t n, size_t k, double m)
{
	double r = m - m;
	for (size_t j = n; j-- > 0;)
		if (j != k)
			r += exp(x[j] - m);
	return r;
}

static double loss(const float *x, size_t n, size_t t)
{
	size_t k = xm_argmax(x, n);
	double m = k < n ? x[k] : -INFINITY;
	return log1p(reverse_sum(x, n, k, m)) + (m - x[t]);
}

static void grad(const float *x, size_t n, size_t t, float *g)
{
	size_t k = xm_argmax(x, n);
	double m = k < n ? x[k] : -INFINITY, r = reverse_sum(x, n, k, m);
	for (size_t c = 0; c < n; c++)
		g[c] = (float)(exp(x[c] - m) / (1 + r) - (c == t));
}

XM_LOSS_ROWS(rev_loss, loss)
XM_GRAD_ROWS(rev_grad, grad)
static const struct smx_plugin_impl impls[] = {
    XM_LOSS_ENTRY("ctl_xent_reverse/scalar", "control: reverse summation", rev_loss),
    XM_GRAD_ENTRY("ctl_xent_reverse/scalar", "control: reverse summation", rev_grad),
};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 2, impls};
