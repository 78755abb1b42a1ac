/* libFuzzer target: the text row parser (smx ref, accuracy --input). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>

#include "rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++) {
		FILE *f = fmemopen((void *)data, size ? size : 1, "r");
		if (!f)
			return 0;
		struct smx_rows rs;
		char err[256];
		if (size && smx_rows_parse(f, "fuzz", (smx_dtype)dt, &rs, err, sizeof err) == 0)
			smx_rows_free(&rs);
		fclose(f);
	}
	return 0;
}
