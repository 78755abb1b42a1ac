/* Class targets: targets.h. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"
#include "targets.h"

int smx_targets_mode_parse(const char *s, enum smx_target_mode *m)
{
	static const char *const names[] = {"uniform", "model", "argmax"};
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, names[i])) {
			*m = (enum smx_target_mode)i;
			return 0;
		}
	return -1;
}

static size_t first_max(const double *x, size_t n)
{
	size_t k = 0;
	for (size_t i = 1; i < n; i++)
		if (x[i] > x[k])
			k = i;
	return k;
}

/* An index drawn with probability exp(x_i - m) / sum: the first i whose
 * running sum passes u times the total (two passes in double). */
static size_t draw(const double *x, size_t n, double u)
{
	const double m = x[first_max(x, n)];
	if (!(m > -INFINITY))
		return 0;
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += exp(x[i] - m);
	double c = 0, lim = u * s;
	for (size_t i = 0; i < n; i++) {
		c += exp(x[i] - m);
		if (c > lim)
			return i;
	}
	return first_max(x, n);
}

void smx_targets_generate(enum smx_target_mode m, uint64_t seed, const double *x, size_t rows,
			  size_t n, int64_t *t)
{
	for (size_t r = 0; r < rows; r++) {
		const double *row = x + r * n;
		/* One stream per (seed, row). */
		uint64_t st = seed ^ (0x9e3779b97f4a7c15ull * (r + 1));
		double u = smx_uniform01(&st);
		size_t k = 0;
		if (n == 0)
			k = 0;
		else if (m == SMX_TARGETS_ARGMAX)
			k = row[first_max(row, n)] > -INFINITY ? first_max(row, n) : 0;
		else if (m == SMX_TARGETS_MODEL)
			k = draw(row, n, u);
		else
			k = (size_t)(u * (double)n);
		t[r] = (int64_t)(k < n ? k : 0);
	}
}

static int check_target(int64_t v, size_t n, int64_t ignore, const char *where, char *err,
			size_t errlen)
{
	if (v == ignore || (v >= 0 && (uint64_t)v < n))
		return 0;
	snprintf(err, errlen,
		 "%s: target %" PRId64 " is outside [0, %zu) and not the ignore index %" PRId64,
		 where, v, n, ignore);
	return -1;
}

static int read_npy(FILE *f, const char *name, size_t rows, size_t n, int64_t ignore, int64_t *t,
		    char *err, size_t errlen)
{
	struct smx_npy h;
	if (smx_npy_header(f, name, &h, err, errlen))
		return -1;
	const size_t es = !strcmp(h.descr, "<i4") ? 4 : !strcmp(h.descr, "<i8") ? 8 : 0;
	if (!es) {
		snprintf(err, errlen, "%s: dtype '%s' is not little-endian int32 or int64", name,
			 h.descr);
		return -1;
	}
	if (h.fortran) {
		snprintf(err, errlen, "%s: Fortran order is not supported (save C order)", name);
		return -1;
	}
	if (!(h.nd == 1 || (h.nd == 2 && h.dims[1] == 1)) || h.dims[0] != (long long)rows) {
		snprintf(err, errlen, "%s: shape must be (%zu,) or (%zu, 1): one target a row",
			 name, rows, rows);
		return -1;
	}
	unsigned char *buf = NULL;
	int rc = smx_read_data(f, name, rows, 1, es, &buf, err, errlen);
	for (size_t r = 0; !rc && r < rows; r++) {
		uint64_t v = 0;
		for (size_t b = 0; b < es; b++)
			v |= (uint64_t)buf[r * es + b] << (8 * b);
		t[r] = es == 4 ? (int64_t)(int32_t)(uint32_t)v : (int64_t)v;
		char where[64];
		snprintf(where, sizeof where, "row %zu", r);
		if (check_target(t[r], n, ignore, where, err, errlen)) {
			char tmp[256];
			snprintf(tmp, sizeof tmp, "%s: %s", name, err);
			snprintf(err, errlen, "%s", tmp);
			rc = -1;
		}
	}
	free(buf);
	return rc;
}

static int read_text(FILE *f, const char *name, size_t rows, size_t n, int64_t ignore, int64_t *t,
		     char *err, size_t errlen)
{
	char line[256], where[300];
	size_t r = 0, ln = 0;
	while (fgets(line, sizeof line, f)) {
		ln++;
		snprintf(where, sizeof where, "%s:%zu", name, ln);
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s: line longer than %zu bytes", where,
				 sizeof line - 2);
			return -1;
		}
		char *c = strchr(line, '#');
		if (c)
			*c = 0;
		char *p = line + strspn(line, " \t\r\n");
		if (!*p)
			continue;
		char *end;
		errno = 0;
		long long v = strtoll(p, &end, 10);
		if (end == p || errno || *(end + strspn(end, " \t\r\n"))) {
			snprintf(err, errlen, "%s: not one integer", where);
			return -1;
		}
		if (r == rows) {
			snprintf(err, errlen, "%s: more than %zu targets (one a row)", where, rows);
			return -1;
		}
		if (check_target(v, n, ignore, where, err, errlen))
			return -1;
		t[r++] = v;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", name, strerror(errno));
		return -1;
	}
	if (r != rows) {
		snprintf(err, errlen, "%s: %zu targets, but there are %zu rows", name, r, rows);
		return -1;
	}
	return 0;
}

int smx_targets_read(FILE *f, const char *name, size_t rows, size_t n, int64_t ignore_index,
		     int64_t *t, char *err, size_t errlen)
{
	int c = getc(f);
	if (c == EOF && ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", name, strerror(errno));
		return -1;
	}
	if (c != EOF && ungetc(c, f) == EOF) {
		snprintf(err, errlen, "%s: read error", name);
		return -1;
	}
	if (c == 0x93)
		return read_npy(f, name, rows, n, ignore_index, t, err, errlen);
	return read_text(f, name, rows, n, ignore_index, t, err, errlen);
}
