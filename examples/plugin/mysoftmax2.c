/* The same softmax as mysoftmax.c, brought with plug-in ABI 2: it declares
 * its full bound (a term that grows with n, the domain where it holds) and
 * its edge policies.
 *
 * The bound, derived: the exponentials are computed in double, each with
 * a relative error below 2^-52 (glibc's exp is under 1 ulp), and summed
 * in double, which adds at most (n - 1) 2^-53 relative error (Higham,
 * Accuracy and Stability of Numerical Algorithms, 2nd ed., eq. 4.4, to
 * first order). The quotient adds 2^-53. x_i - max, two f32 values
 * subtracted in double, is exact unless their exponents differ by more
 * than 29; then its error through exp is at most 104 * 2^-53 relative for
 * the terms that do not underflow f32 (|x_i - max| < 104), far inside the
 * margin below. So before the final rounding to
 * f32 the relative error is below (n + 3) 2^-53 to first order, which is
 * (n + 3) 2^-29 f32 ulps (an f32 ulp is at least 2^-24 relative to the
 * value); the rounding adds half an ulp. Declared with a margin for the
 * second-order terms: 0.51 + 2^-28 n ulp. Outputs below 2^-126 are
 * subnormal in f32, where ulps are absolute and the same argument holds
 * with the least subnormal as the ulp. Entries of -inf give exact zeros;
 * a row of -inf entries gives NaN (-inf - -inf), and +inf entries give NaN.
 *
 *   smx --plugin ./libmysoftmax2.so list
 *   smx --plugin ./libmysoftmax2.so accuracy --impl bounded/scalar --dtype f32
 */
#include <math.h>

#include "smx_plugin.h"

static void my_softmax(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		float m = -INFINITY;
		for (size_t i = 0; i < n; i++)
			m = x[i] > m ? x[i] : m;
		double sum = 0;
		for (size_t i = 0; i < n; i++)
			sum += exp((double)x[i] - m);
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp((double)x[i] - m) / sum);
	}
}

static const struct smx_plugin_entry entries[] = {
    {SMX_ENTRY_SIZE, .op = "softmax", .dtype = "f32", .name = "bounded/scalar",
     .note = "shifted, double sum, n-dependent bound", .f32 = my_softmax, .all_neginf = "nan",
     .pos_inf = "nan", .bound = {.kind = "ulp", .c0 = 0.51, .cn = 0x1p-28}},
};

const struct smx_plugin2 smx_plugin = {SMX_PLUGIN_ABI_2, sizeof entries / sizeof entries[0],
				       entries};
