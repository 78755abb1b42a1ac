/* Planted bug (VJP sign): the backward product is computed as
 * dx = s (<g, s> - g), the negative of s (g - <g, s>).
 * The correct product in double (<g, s> summed in double, one rounding at
 * the end) is within 1/2 ulp of dx plus (n + 2) 2^-53 times the condition
 * scale |s_i| (|g_i| + sum_j |s_j g_j|): in units of u = 2^-24 times that
 * scale, 1/2 + (n + 2) 2^-29 < 2 for n < 2^28: the claim, 2. Caught by: smx
 * hunt --op vjp, any accuracy run of the backward ops. */
#include <stddef.h>

#include "smx_plugin.h"

static void vjp_sign(const float *s, const float *g, float *dx, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, s += n, g += n, dx += n) {
		double d = 0;
		for (size_t i = 0; i < n; i++)
			d += (double)g[i] * s[i];
		for (size_t i = 0; i < n; i++)
			dx[i] = (float)(s[i] * (d - g[i]));
	}
}

static const struct smx_plugin_impl impls[] = {
    {.op = "vjp",
     .dtype = "f32",
     .name = "vjp_sign/scalar",
     .note = "planted bug: the VJP's sign flipped",
     .f32_2 = vjp_sign,
     .bound = 2},
};

const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI, 1, impls};
