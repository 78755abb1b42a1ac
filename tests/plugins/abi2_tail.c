/* Test plug-in: ABI 2 entries built against a newer header, whose extra
 * field is zero (absent): they load, and smx steps through the table by
 * the entries' own size. With -DSMX_TEST_FUTURE=1 the field is set, and smx
 * must refuse the plug-in rather than ignore what it does not know. */
#include <math.h>

#include "smx_plugin.h"

#ifndef SMX_TEST_FUTURE
#define SMX_TEST_FUTURE 0
#endif

static void softmax(const double *x, double *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		double m = -INFINITY, sum = 0;
		for (size_t i = 0; i < n; i++)
			m = x[i] > m ? x[i] : m;
		for (size_t i = 0; i < n; i++)
			sum += exp(x[i] - m);
		for (size_t i = 0; i < n; i++)
			y[i] = exp(x[i] - m) / sum;
	}
}

struct newer {
	struct smx_plugin_entry e;
	double future;
};

static const struct newer t[] = {
    {{sizeof(struct newer), .op = "softmax", .dtype = "f64", .name = "tail/one", .f64 = softmax,
      .bound = {.c0 = 3, .cn = 0.5, .domain = 700}},
     0},
    {{sizeof(struct newer), .op = "logsoftmax", .dtype = "f64", .name = "tail/two", .f64 = softmax,
      .bound = {.kind = "abs", .c0 = 4}},
     SMX_TEST_FUTURE},
};
const struct smx_plugin2 smx_plugin = {SMX_PLUGIN_ABI_2, 2, &t[0].e};
