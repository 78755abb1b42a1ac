/* libFuzzer target: the .npy and raw binary readers. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>

#include "rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++) {
		struct smx_rows rs;
		char err[256];
		FILE *f = fmemopen((void *)data, size, "r");
		if (f && smx_rows_read_npy(f, "fuzz", (smx_dtype)dt, &rs, err, sizeof err) == 0)
			smx_rows_free(&rs);
		if (f)
			fclose(f);
		/* Raw rows of the shape the first bytes spell, when they do. */
		size_t r, n;
		char shape[16];
		snprintf(shape, sizeof shape, "%.*s", (int)(size < 12 ? size : 12), (const char *)data);
		f = fmemopen((void *)data, size, "r");
		if (f && smx_parse_shape(shape, &r, &n) == 0 &&
		    smx_rows_read_raw(f, "fuzz", dt, r, n, (smx_dtype)dt, &rs, err, sizeof err) == 0)
			smx_rows_free(&rs);
		if (f)
			fclose(f);
	}
	return 0;
}
