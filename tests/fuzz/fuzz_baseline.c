/* libFuzzer target: baseline lines (smx check) and distribution specs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	struct smx_bline l;
	char err[256];
	smx_bline_parse(text, &l, err, sizeof err);
	struct smx_dist d;
	smx_dist_parse(text, &d);
	free(text);
	return 0;
}
