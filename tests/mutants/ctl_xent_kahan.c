/* Correct control (cross-entropy): the sum R compensated (Kahan), a
 * different rounding of the same sum, within the claims of xent_mutant.h
 * (its error is at most the plain sum's); nothing may be flagged. */
#include "xent_mutant.h"

static double kahan_sum(const float *x, size_t n, size_t k, double m)
{
	double r = m - m, c = 0;
	for (size_t j = 0; j < n; j++) {
		if (j == k)
			continue;
		double y = exp(x[j] - m) - c, s = r + y;
		c = (s - r) - y;
		r = s;
	}
	return r;
}

static double loss(const float *x, size_t n, size_t t)
{
	size_t k = xm_argmax(x, n);
	double m = k < n ? x[k] : -INFINITY;
	return log1p(kahan_sum(x, n, k, m)) + (m - x[t]);
}

static void grad(const float *x, size_t n, size_t t, float *g)
{
	size_t k = xm_argmax(x, n);
	double m = k < n ? x[k] : -INFINITY, r = kahan_sum(x, n, k, m);
	for (size_t c = 0; c < n; c++)
		g[c] = (float)(exp(x[c] - m) / (1 + r) - (c == t));
}

XM_LOSS_ROWS(kahan_loss, loss)
XM_GRAD_ROWS(kahan_grad, grad)
static const struct smx_plugin_impl impls[] = {
    XM_LOSS_ENTRY("ctl_xent_kahan/scalar", "control: Kahan summation", kahan_loss),
    XM_GRAD_ENTRY("ctl_xent_kahan/scalar", "control: Kahan summation", kahan_grad),
};
const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 2, impls};
