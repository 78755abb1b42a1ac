/* Helpers shared by the test files. */
#ifndef SMX_TESTUTIL_H
#define SMX_TESTUTIL_H

#include <stdio.h>

#include <criterion/criterion.h>

#include "rows.h"

/* Read a text rows file of tests/data, failing the test on error. */
static inline void smx_test_rows(const char *path, smx_dtype dt, struct smx_rows *rs)
{
	FILE *f = fopen(path, "r");
	cr_assert(f, "cannot open %s", path);
	char err[256];
	int rc = smx_rows_parse(f, path, dt, rs, err, sizeof err);
	fclose(f);
	cr_assert_eq(rc, 0, "%s", err);
}

#endif
