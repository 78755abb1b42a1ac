/* Class targets (harness/targets.h): the generators and the file
 * readers, and the one-line reasons bad files get. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "rows.h"
#include "targets.h"

/* A .npy image in buf: header dict, then count values of es bytes. */
static size_t npy_image(unsigned char *buf, const char *descr, const char *shape, const int64_t *v,
			size_t count, size_t es)
{
	char dict[128];
	snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr,
		 shape);
	size_t hl = strlen(dict) + 1, pad = (64 - (10 + hl) % 64) % 64;
	hl += pad;
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (unsigned char)(hl & 0xff);
	buf[9] = (unsigned char)(hl >> 8);
	size_t p = 10;
	memcpy(buf + p, dict, strlen(dict));
	p += strlen(dict);
	memset(buf + p, ' ', pad);
	p += pad;
	buf[p++] = '\n';
	for (size_t i = 0; i < count; i++)
		for (size_t b = 0; b < es; b++)
			buf[p++] = (unsigned char)((uint64_t)v[i] >> (8 * b));
	return p;
}

static int read_buf(const void *buf, size_t len, size_t rows, size_t n, int64_t *t, char *err)
{
	FILE *f = fmemopen((void *)buf, len, "rb");
	cr_assert(f);
	int rc = smx_targets_read(f, "t", rows, n, -100, t, err, 256);
	fclose(f);
	return rc;
}

Test(targets, npy_int32_int64_and_text_read_back)
{
	const int64_t want[4] = {3, 0, -100, 9};
	unsigned char buf[512];
	int64_t t[4];
	char err[256];
	const struct {
		const char *descr, *shape;
		size_t es;
	} forms[] = {{"<i4", "(4,)", 4}, {"<i8", "(4,)", 8}, {"<i8", "(4, 1)", 8}};
	for (size_t i = 0; i < 3; i++) {
		size_t len = npy_image(buf, forms[i].descr, forms[i].shape, want, 4, forms[i].es);
		memset(t, 0x55, sizeof t);
		cr_assert_eq(read_buf(buf, len, 4, 10, t, err), 0, "%s: %s", forms[i].descr, err);
		cr_expect_arr_eq(t, want, sizeof want, "%s %s", forms[i].descr, forms[i].shape);
	}
	const char *text = "# targets\n3\n\n0 # first class\n-100\n  9\n";
	memset(t, 0x55, sizeof t);
	cr_assert_eq(read_buf(text, strlen(text), 4, 10, t, err), 0, "%s", err);
	cr_expect_arr_eq(t, want, sizeof want);
}

/* Each bad file is refused with its reason (a reader that accepted it, or
 * said something else, fails here). */
Test(targets, bad_files_refused_with_a_reason)
{
	const int64_t ok[3] = {1, 2, 3}, far[3] = {1, 10, 3}, neg[3] = {1, -1, 3};
	unsigned char buf[512];
	char err[256];
	int64_t t[3];
	size_t len = npy_image(buf, "<f4", "(3,)", ok, 3, 4);
	cr_expect_eq(read_buf(buf, len, 3, 10, t, err), -1);
	cr_expect(strstr(err, "not little-endian int32"), "%s", err);
	len = npy_image(buf, "<i8", "(4,)", ok, 3, 8);
	cr_expect_eq(read_buf(buf, len, 3, 10, t, err), -1);
	cr_expect(strstr(err, "shape must be (3,)"), "%s", err);
	len = npy_image(buf, "<i8", "(3,)", far, 3, 8);
	cr_expect_eq(read_buf(buf, len, 3, 10, t, err), -1);
	cr_expect(strstr(err, "t: row 1: target 10 is outside [0, 10)"), "%s", err);
	len = npy_image(buf, "<i4", "(3,)", neg, 3, 4);
	cr_expect_eq(read_buf(buf, len, 3, 10, t, err), -1);
	cr_expect(strstr(err, "target -1 is outside"), "%s", err);
	len = npy_image(buf, "<i8", "(3,)", ok, 3, 8);
	cr_expect_eq(read_buf(buf, len - 1, 3, 10, t, err), -1);
	cr_expect(strstr(err, "data bytes"), "%s", err);
	const char *texts[][2] = {
	    {"1\n2x\n3\n", "t:2: not one integer"},
	    {"1\n2\n", "t: 2 targets, but there are 3 rows"},
	    {"1\n2\n3\n4\n", "t:4: more than 3 targets"},
	    {"1\n12\n3\n", "t:2: target 12 is outside"},
	    {"1\n99999999999999999999\n3\n", "t:2: not one integer"},
	};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		cr_expect_eq(read_buf(texts[i][0], strlen(texts[i][0]), 3, 10, t, err), -1,
			     "accepted: %s", texts[i][0]);
		cr_expect(strstr(err, texts[i][1]), "'%s' not in '%s'", texts[i][1], err);
	}
}

Test(targets, generators_deterministic_in_range_and_shaped)
{
	enum { R = 2000, N = 10 };
	double *x = malloc(R * N * sizeof *x);
	int64_t *a = malloc(R * sizeof *a), *b = malloc(R * sizeof *b);
	cr_assert(x && a && b);
	for (size_t r = 0; r < R; r++)
		for (size_t i = 0; i < N; i++)
			x[r * N + i] = i == r % N ? 30 : (double)((r * 7 + i * 3) % 5);
	size_t counts[N] = {0};
	smx_targets_generate(SMX_TARGETS_UNIFORM, 1, x, R, N, a);
	smx_targets_generate(SMX_TARGETS_UNIFORM, 1, x, R, N, b);
	cr_expect_arr_eq(a, b, R * sizeof *a, "same seed, other targets");
	for (size_t r = 0; r < R; r++) {
		cr_assert(a[r] >= 0 && a[r] < N);
		counts[a[r]]++;
	}
	/* 200 expected per class; 120..280 is beyond 5 standard deviations. */
	for (size_t i = 0; i < N; i++)
		cr_expect(counts[i] > 120 && counts[i] < 280, "class %zu drawn %zu times", i,
			  counts[i]);
	smx_targets_generate(SMX_TARGETS_UNIFORM, 2, x, R, N, b);
	cr_expect(memcmp(a, b, R * sizeof *a), "the seed changes nothing");
	/* The peaked entry (e^30 against at most 9 e^4) nearly always. */
	smx_targets_generate(SMX_TARGETS_MODEL, 1, x, R, N, a);
	smx_targets_generate(SMX_TARGETS_ARGMAX, 1, x, R, N, b);
	size_t top = 0;
	for (size_t r = 0; r < R; r++) {
		cr_expect_eq(b[r], (int64_t)(r % N));
		top += a[r] == (int64_t)(r % N);
	}
	cr_expect_geq(top, R - 2, "model targets left the peak %zu times", R - top);
	/* And on flat rows, model targets spread like uniform ones. */
	for (size_t i = 0; i < R * N; i++)
		x[i] = 0;
	smx_targets_generate(SMX_TARGETS_MODEL, 1, x, R, N, a);
	memset(counts, 0, sizeof counts);
	for (size_t r = 0; r < R; r++)
		counts[a[r]]++;
	for (size_t i = 0; i < N; i++)
		cr_expect(counts[i] > 120 && counts[i] < 280, "flat: class %zu drawn %zu times", i,
			  counts[i]);
	free(x), free(a), free(b);
}
