/* libFuzzer target: check --update's line writer. Input: a baseline line
 * (up to its first newline), then bytes for the new budgets. The rewritten
 * line must parse to the same measurement with exactly the new budgets,
 * and keep its comment and its line ending. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t len = nl ? (size_t)(nl - data) + 1 : size;
	char *text = malloc(len + 1);
	if (!text)
		return 0;
	memcpy(text, data, len);
	text[len] = 0;
	struct smx_bline a, b;
	char err[256];
	if (strlen(text) != len || smx_bline_parse(text, &a, err, sizeof err) || !a.kind) {
		free(text);
		return 0;
	}
	/* New budgets from the remaining bytes: non-negative, NaN as inf. */
	double v[4] = {0, 0, 0, 0};
	for (int i = 0; i < 4 && len + 8 * (size_t)i + 8 <= size; i++) {
		memcpy(&v[i], data + len + 8 * i, 8);
		v[i] = isnan(v[i]) ? INFINITY : fabs(v[i]);
	}
	char *out = smx_bline_rewrite(text, &a, v);
	if (!out) { /* refused: it would not read back */
		free(text);
		return 0;
	}
	if (smx_bline_parse(out, &b, err, sizeof err))
		abort();
	int nv = a.kind == 2 ? 1 : 4;
	if (b.kind != a.kind || b.op != a.op || b.dt != a.dt || strcmp(b.impl, a.impl) ||
	    b.n != a.n || b.rows != a.rows || b.seed != a.seed ||
	    strcmp(b.dist.spec, a.dist.spec) || strcmp(b.input, a.input) ||
	    strcmp(b.output, a.output) || strcmp(b.shape, a.shape))
		abort();
	for (int i = 0; i < nv; i++)
		if (b.budget[i] != v[i])
			abort();
	const char *ca = strchr(text, '#'), *cb = strchr(out, '#');
	if (!ca != !cb || (ca && strcmp(ca, cb)))
		abort();
	size_t lo = strlen(out);
	if ((len >= 2 && !strcmp(text + len - 2, "\r\n")) !=
	    (lo >= 2 && !strcmp(out + lo - 2, "\r\n")))
		abort();
	free(out);
	free(text);
	return 0;
}
