/* logsoftmax_jvp entries for the tests (tests/test_lsjvp.c): two planted
 * bugs and a correct control, f32, each claiming the built-in's 4 + n
 * units of u (|v_i| + sum_j e^y_j |v_j|). They load by the op's name in
 * the op table, as any plug-in does. */
#include <math.h>
#include <stddef.h>

#include "smx_plugin.h"

/* dy = v - <w(y), v>, the dot summed forward or backward, w and the sign
 * of the dot as the entry says. */
static void lsjvp(const float *y, const float *v, float *dy, size_t rows, size_t n, int use_exp,
		  float sign, int backward)
{
	for (size_t r = 0; r < rows; r++, y += n, v += n, dy += n) {
		float dot = 0;
		for (size_t k = 0; k < n; k++) {
			size_t j = backward ? n - 1 - k : k;
			dot += (use_exp ? expf(y[j]) : y[j]) * v[j];
		}
		for (size_t i = 0; i < n; i++)
			dy[i] = v[i] - sign * dot;
	}
}

/* The sign of the dot flipped: v + <exp(y), v>. */
static void flipped(const float *y, const float *v, float *dy, size_t rows, size_t n)
{
	lsjvp(y, v, dy, rows, n, 1, -1, 0);
}

/* exp(y) taken as y (the log-probabilities for the probabilities). */
static void expy(const float *y, const float *v, float *dy, size_t rows, size_t n)
{
	lsjvp(y, v, dy, rows, n, 0, 1, 0);
}

/* Correct: the dot summed from the last entry to the first. */
static void reversed(const float *y, const float *v, float *dy, size_t rows, size_t n)
{
	lsjvp(y, v, dy, rows, n, 1, 1, 1);
}

#define ENTRY(nm, fn)                                                                              \
	{                                                                                          \
		SMX_ENTRY_SIZE, .op = "logsoftmax_jvp", .dtype = "f32", .name = nm, .f32_2 = fn,   \
				.bound = {                                                         \
					.kind = "cond",                                            \
					.c0 = 4,                                                   \
					.cn = 1                                                    \
				}                                                                  \
	}
static const struct smx_plugin_entry entries[] = {
    ENTRY("flipped/scalar", flipped),
    ENTRY("expy/scalar", expy),
    ENTRY("reversed/scalar", reversed),
};
const struct smx_plugin2 smx_plugin = {SMX_PLUGIN_ABI_2, 3, entries};
