/* Control (correct): terms rounded to float, t_i = fl(exp(x_i - max))
 * (relative error <= u = 2^-24, the double exp's own error negligible),
 * summed in float with Kahan's compensation (|S^ - S| <= (2u + O(n u^2)) S,
 * Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., 4.3),
 * then y_i = t_i / S^ in double, rounded once to float (1/2 ulp plus
 * 2^-29 ulp). With S_t = sum t_i = S (1 + d), |d| <= u, the relative error
 * before the last rounding is at most u (t_i) + u (S_t) + 2u (the sum) +
 * O(n u^2), so in float ulps (an ulp is at least 2^-24 of the value) 4 +
 * 2^-8 for n <= 2^16, and 1/2 more for the rounding: the claim, 5 ulps.
 * Subnormal outputs: the term's absolute error is below 2^-150 and
 * S >= 1, so the bound holds there too. smx hunt must not flag it, and a
 * baseline made with the plain sum must pass it. */
#include "mutant.h"

static void ctl_kahan(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		double m = mutant_max(x, n);
		float s = 0, c = 0;
		for (size_t i = 0; i < n; i++) {
			float t = (float)exp(x[i] - m) - c;
			float u = s + t;
			c = (u - s) - t;
			s = u;
		}
		for (size_t i = 0; i < n; i++)
			y[i] = (float)((float)exp(x[i] - m) / (double)s);
	}
}

static const struct smx_plugin_impl impls[] = {
    {.op = "softmax",
     .dtype = "f32",
     .name = "ctl_kahan/scalar",
     .note = "control: Kahan-compensated float sum",
     .f32 = ctl_kahan,
     .bound = 5},
};

const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
