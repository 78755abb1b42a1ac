/* Row input: the text parser and the seeded generators (see rows.h). */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <mpfr.h>

#include "rows.h"
#include "util.h"

void smx_rows_free(struct smx_rows *rs)
{
	free(rs->off);
	free(rs->x);
	memset(rs, 0, sizeof *rs);
}

size_t smx_rows_width(const struct smx_rows *rs)
{
	if (rs->count == 0)
		return (size_t)-1;
	size_t w = rs->off[1] - rs->off[0];
	for (size_t r = 1; r < rs->count; r++)
		if (rs->off[r + 1] - rs->off[r] != w)
			return (size_t)-1;
	return w;
}

/* Precision at which any decimal or hex string that denotes a double is
 * read exactly: a double needs at most 1074 + 1024 bits end to end. */
#define EXACT_PREC 2112

/* Parse one token into *v; -1 with a reason when it is not a number or not
 * exactly a value of dt. */
static int parse_value(mpfr_t t, const char *tok, smx_dtype dt, double *v, const char **why)
{
	char *end;
	int inexact = mpfr_strtofr(t, tok, &end, 0, MPFR_RNDN);
	if (end == tok || *end) {
		*why = "not a number";
		return -1;
	}
	if (mpfr_nan_p(t)) {
		*v = NAN;
		return 0;
	}
	double d = dt == SMX_F32 ? (double)mpfr_get_flt(t, MPFR_RNDN) : mpfr_get_d(t, MPFR_RNDN);
	if (inexact || mpfr_cmp_d(t, d) != 0) {
		*why = dt == SMX_F32 ? "not exactly representable as f32"
				     : "not exactly representable as f64";
		return -1;
	}
	*v = d;
	return 0;
}

int smx_rows_parse(FILE *f, const char *name, smx_dtype dt, struct smx_rows *out, char *err,
		   size_t errlen)
{
	struct smx_rows rs = {0};
	size_t cap_rows = 16, cap_x = 1024, nx = 0;
	rs.off = smx_alloc(cap_rows + 1, sizeof *rs.off);
	rs.x = smx_alloc(cap_x, sizeof *rs.x);
	rs.off[0] = 0;
	mpfr_t t;
	mpfr_init2(t, EXACT_PREC);
	char *line = NULL;
	size_t linecap = 0, lineno = 0;
	ssize_t len;
	int rc = 0;
	while ((len = getline(&line, &linecap, f)) >= 0) {
		lineno++;
		if (memchr(line, 0, (size_t)len)) {
			snprintf(err, errlen, "%s:%zu: NUL byte in a text row", name, lineno);
			rc = -1;
			break;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		size_t start = nx;
		char *p = line;
		for (;;) {
			while (*p && isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			char *tok = p;
			while (*p && !isspace((unsigned char)*p))
				p++;
			char saved = *p;
			*p = 0;
			const char *why = NULL;
			double v;
			if (parse_value(t, tok, dt, &v, &why)) {
				snprintf(err, errlen, "%s:%zu:%zu: '%.40s': %s", name, lineno,
					 (size_t)(tok - line) + 1, tok, why);
				rc = -1;
				break;
			}
			*p = saved;
			if (nx == cap_x) {
				cap_x *= 2;
				rs.x = smx_realloc(rs.x, cap_x, sizeof *rs.x);
			}
			rs.x[nx++] = v;
		}
		if (rc)
			break;
		if (nx == start)
			continue; /* blank or comment-only line */
		if (rs.count == cap_rows) {
			cap_rows *= 2;
			rs.off = smx_realloc(rs.off, cap_rows + 1, sizeof *rs.off);
		}
		rs.off[++rs.count] = nx;
	}
	if (!rc && ferror(f)) {
		snprintf(err, errlen, "%s: read error", name);
		rc = -1;
	}
	if (!rc && rs.count == 0) {
		snprintf(err, errlen, "%s: no rows", name);
		rc = -1;
	}
	free(line);
	mpfr_clear(t);
	mpfr_free_cache();
	if (rc)
		smx_rows_free(&rs);
	else
		*out = rs;
	return rc;
}

/* ---- generators ---- */

const char *const smx_dist_defaults[] = {"uniform:-10,10", "normal:3", "lm",
					 "attn",	   "wide",     "sorted"};
const size_t smx_dist_ndefaults = sizeof smx_dist_defaults / sizeof *smx_dist_defaults;

int smx_dist_parse(const char *s, struct smx_dist *d)
{
	memset(d, 0, sizeof *d);
	if (strlen(s) >= sizeof d->spec)
		return -1;
	strcpy(d->spec, s);
	char buf[64];
	strcpy(buf, s);
	char *arg = strchr(buf, ':');
	if (arg)
		*arg++ = 0;
	static const struct {
		const char *name;
		enum smx_dist_kind kind;
		int nargs;
	} kinds[] = {
	    {"uniform", SMX_DIST_UNIFORM, 2}, {"normal", SMX_DIST_NORMAL, 1},
	    {"lm", SMX_DIST_LM, 0},	      {"attn", SMX_DIST_ATTN, 0},
	    {"wide", SMX_DIST_WIDE, 0},	      {"sorted", SMX_DIST_SORTED, 0},
	    {"scaled", SMX_DIST_SCALED, 1},
	};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		if (strcmp(buf, kinds[i].name))
			continue;
		d->kind = kinds[i].kind;
		if (kinds[i].nargs == 0)
			return arg ? -1 : 0;
		if (!arg)
			return -1;
		if (kinds[i].nargs == 1)
			return smx_parse_double(arg, &d->a) || d->a <= 0 ? -1 : 0;
		char *comma = strchr(arg, ',');
		if (!comma)
			return -1;
		*comma = 0;
		if (smx_parse_double(arg, &d->a) || smx_parse_double(comma + 1, &d->b) ||
		    !(d->a < d->b))
			return -1;
		return 0;
	}
	return -1;
}

/* splitmix64 (Steele, Lea & Flood, OOPSLA 2014; constants as published by
 * Vigna): a 64-bit state advanced by the golden-ratio increment, then a
 * bijective mix. */
uint64_t smx_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u); /* 2^64 / golden ratio */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

double smx_uniform01(uint64_t *state)
{
	return (double)(smx_splitmix64(state) >> 11) * 0x1p-53;
}

/* log(x) for x > 0 from +, -, *, / only, so that it is the same on every
 * machine: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(t),
 * t = (m - 1)/(m + 1), |t| < 0.172, by its series (22 terms: < 1e-17). */
static double portable_log(double x)
{
	int e;
	double m = frexp(x, &e);
	if (m < 0x1.6a09e667f3bcdp-1) { /* sqrt(1/2) */
		m *= 2;
		e--;
	}
	double t = (m - 1) / (m + 1), t2 = t * t, term = t, acc = 0;
	for (int k = 0; k < 22; k++) {
		acc += term / (2 * k + 1);
		term *= t2;
	}
	return 2 * acc + e * 0x1.62e42fefa39efp-1; /* ln 2 */
}

/* Marsaglia's polar method. */
double smx_normal(uint64_t *state)
{
	double u, v, s;
	do {
		u = 2 * smx_uniform01(state) - 1;
		v = 2 * smx_uniform01(state) - 1;
		s = u * u + v * v;
	} while (s >= 1 || s == 0);
	return u * sqrt(-2 * portable_log(s) / s);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static uint64_t row_state(const struct smx_dist *d, uint64_t seed, size_t n, size_t r)
{
	uint64_t s = seed;
	uint64_t h = smx_splitmix64(&s) ^ ((uint64_t)d->kind << 56);
	s = h ^ (uint64_t)n * 0xd1b54a32d192ed03u; /* an odd multiplier spreads n */
	h = smx_splitmix64(&s) ^ (uint64_t)r;
	return smx_splitmix64(&h);
}

static void fill_row(const struct smx_dist *d, smx_dtype dt, uint64_t st, size_t n, double *x)
{
	switch (d->kind) {
	case SMX_DIST_UNIFORM:
		for (size_t i = 0; i < n; i++)
			x[i] = d->a + (d->b - d->a) * smx_uniform01(&st);
		break;
	case SMX_DIST_NORMAL:
		for (size_t i = 0; i < n; i++)
			x[i] = d->a * smx_normal(&st);
		break;
	case SMX_DIST_SCALED:
		for (size_t i = 0; i < n; i++)
			x[i] = (2 * smx_uniform01(&st) - 1) * d->a;
		break;
	case SMX_DIST_LM: {
		/* A broad body of unlikely tokens and a few strong candidates. */
		for (size_t i = 0; i < n; i++)
			x[i] = 2.5 * smx_normal(&st) - 2;
		size_t peaks = 1 + n / 256;
		for (size_t k = 0; k < peaks; k++)
			x[smx_splitmix64(&st) % n] = 12 + 6 * smx_uniform01(&st);
		break;
	}
	case SMX_DIST_ATTN: {
		/* q . k_j / sqrt(64) with q ~ 2 N(0, 1) and k_j ~ N(0, 1) in 64
		 * dimensions: logits of one attention head. */
		double q[64];
		for (int k = 0; k < 64; k++)
			q[k] = 2 * smx_normal(&st);
		for (size_t i = 0; i < n; i++) {
			double dot = 0;
			for (int k = 0; k < 64; k++)
				dot += q[k] * smx_normal(&st);
			x[i] = dot / 8;
		}
		break;
	}
	case SMX_DIST_WIDE: {
		/* The max is 0; the rest spreads over 1.2 times the range at
		 * which exp reaches the least subnormal, so outputs are normal,
		 * subnormal and zero. */
		double range = dt == SMX_F32 ? 124 : 893;
		for (size_t i = 0; i < n; i++)
			x[i] = -range * smx_uniform01(&st);
		x[smx_splitmix64(&st) % n] = 0;
		break;
	}
	case SMX_DIST_SORTED:
		for (size_t i = 0; i < n; i++)
			x[i] = 4 * smx_normal(&st);
		qsort(x, n, sizeof *x, cmp_double);
		break;
	}
	if (dt == SMX_F32)
		for (size_t i = 0; i < n; i++)
			x[i] = (double)(float)x[i];
}

void smx_dist_fill(const struct smx_dist *d, smx_dtype dt, uint64_t seed, size_t rows, size_t n,
		   double *x)
{
	if (n == 0)
		return;
	for (size_t r = 0; r < rows; r++)
		fill_row(d, dt, row_state(d, seed, n, r), n, x + r * n);
}
