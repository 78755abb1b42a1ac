/* Row input: the text parser, the binary formats and the generators' specs
 * (see rows.h; the generators themselves are in gen.c). */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <mpfr.h>

#include "ref.h"
#include "dtype.h"
#include "rows.h"
#include "util.h"

void smx_rows_alloc(struct smx_rows *rs, smx_dtype dt, size_t rows, size_t n)
{
	*rs = (struct smx_rows){.count = rows, .dt = dt};
	rs->off = smx_alloc(rows + 1, sizeof *rs->off);
	rs->x = smx_alloc(rows * n > 0 ? rows * n : 1, sizeof *rs->x);
	for (size_t r = 0; r <= rows; r++)
		rs->off[r] = r * n;
}

void smx_rows_copy(struct smx_rows *rs, smx_dtype dt, const double *x, size_t rows, size_t n)
{
	smx_rows_alloc(rs, dt, rows, n);
	if (rows && n)
		memcpy(rs->x, x, rows * n * sizeof *rs->x);
}

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
	double d = smx_ref_round(dt, t);
	if (inexact || mpfr_cmp_d(t, d) != 0) {
		static _Thread_local char msg[64];
		snprintf(msg, sizeof msg, "not exactly representable as %s", smx_dtype_name(dt));
		*why = msg;
		return -1;
	}
	*v = d;
	return 0;
}

int smx_rows_parse(FILE *f, const char *name, smx_dtype dt, struct smx_rows *out, char *err,
		   size_t errlen)
{
	struct smx_rows rs = {.dt = dt};
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
	/* getline also fails when a line cannot be held in memory: errno,
	 * not end of file, says which. */
	int read_errno = 0;
	while ((errno = 0, len = getline(&line, &linecap, f)) >= 0 || !(read_errno = errno, 1)) {
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
	if (!rc && (ferror(f) || read_errno)) {
		snprintf(err, errlen, "%s:%zu: read error: %s", name, lineno + 1,
			 strerror(read_errno ? read_errno : EIO));
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
	    {"uniform", SMX_DIST_UNIFORM, 2},
	    {"normal", SMX_DIST_NORMAL, 1},
	    {"lm", SMX_DIST_LM, 0},
	    {"attn", SMX_DIST_ATTN, 0},
	    {"wide", SMX_DIST_WIDE, 0},
	    {"sorted", SMX_DIST_SORTED, 0},
	    {"scaled", SMX_DIST_SCALED, 1},
	    {"benchdnn+", SMX_DIST_BENCHDNN_POS, 0},
	    {"benchdnn-", SMX_DIST_BENCHDNN_NEG, 0},
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

/* ---- binary formats ---- */

int smx_parse_shape(const char *s, size_t *rows, size_t *n)
{
	char buf[64];
	if (!s || strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	char *x = strchr(buf, 'x');
	if (!x)
		return -1;
	*x = 0;
	if (smx_parse_size(buf, 1, (size_t)1 << 28, rows) ||
	    smx_parse_size(x + 1, 1, (size_t)1 << 28, n))
		return -1;
	return (double)*rows * (double)*n > (double)SMX_MAX_VALUES ? -1 : 0;
}

/* Fill out from little-endian values of 4 or 8 bytes, checking that each
 * is a value of dt. */
/* Values stored in format fmt, little-endian (the host order on the x86
 * this suite targets), checked to be values of dt. */
static int from_le(const unsigned char *p, size_t count, smx_dtype fmt, smx_dtype dt,
		   const char *name, double *x, char *err, size_t errlen)
{
	const struct smx_dtype_info *f = smx_dtype_info(fmt);
	for (size_t i = 0; i < count; i++) {
		double v = f->load(p, i);
		if (!smx_dtype_holds(dt, v)) {
			snprintf(err, errlen,
				 "%s: value %zu (%a) is not exactly representable as %s", name, i,
				 v, smx_dtype_name(dt));
			return -1;
		}
		x[i] = v;
	}
	return 0;
}

static int fill_rows(struct smx_rows *out, const unsigned char *data, size_t rows, size_t n,
		     smx_dtype fmt, smx_dtype dt, const char *name, char *err, size_t errlen)
{
	struct smx_rows rs;
	smx_rows_alloc(&rs, dt, rows, n);
	if (from_le(data, rows * n, fmt, dt, name, rs.x, err, errlen)) {
		smx_rows_free(&rs);
		return -1;
	}
	*out = rs;
	return 0;
}

/* At most limit bytes of the stream (limit + 1 is asked for by callers
 * that must see whether more follows). */
static unsigned char *slurp(FILE *f, size_t limit, size_t *len)
{
	size_t cap = limit < ((size_t)1 << 16) ? limit : (size_t)1 << 16, k = 0;
	unsigned char *buf = smx_alloc(cap ? cap : 1, 1);
	for (;;) {
		if (k == cap) {
			if (cap >= limit)
				break;
			cap = cap > limit / 2 ? limit : 2 * cap;
			buf = smx_realloc(buf, cap, 1);
		}
		size_t got = fread(buf + k, 1, cap - k, f);
		k += got;
		if (got == 0)
			break;
	}
	*len = k;
	return buf;
}

/* The data of rows x n values of es bytes: exactly that many bytes, read
 * no further than one byte past them (so a file far larger than its shape
 * says is refused without being loaded). */
int smx_read_data(FILE *f, const char *name, size_t rows, size_t n, size_t es, unsigned char **data,
		  char *err, size_t errlen)
{
	size_t len, want = rows * n * es;
	*data = slurp(f, want + 1, &len);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", name, strerror(errno));
		return -1;
	}
	if (len != want) {
		snprintf(err, errlen,
			 "%s: %s%zu data bytes, but shape %zux%zu of %zu-byte values needs %zu",
			 name, len > want ? "more than " : "", len > want ? want : len, rows, n, es,
			 want);
		return -1;
	}
	return 0;
}

int smx_raw_format(const char *path, smx_dtype *fmt)
{
	const char *dot = strrchr(path, '.');
	return dot && !strchr(dot, '/') && !smx_dtype_parse(dot + 1, fmt) &&
	       smx_dtype_info(*fmt)->storage;
}

int smx_rows_read_raw(FILE *f, const char *name, smx_dtype fmt, size_t rows, size_t n, smx_dtype dt,
		      struct smx_rows *out, char *err, size_t errlen)
{
	unsigned char *buf;
	int rc = smx_read_data(f, name, rows, n, smx_dtype_size(fmt), &buf, err, errlen);
	if (!rc)
		rc = fill_rows(out, buf, rows, n, fmt, dt, name, err, errlen);
	free(buf);
	return rc;
}

/* The .npy header: a Python dict literal with exactly the keys descr (a
 * string), fortran_order (True/False) and shape (a tuple of whole
 * numbers), parsed as such so that no key is found inside another's value. */
static const char *npy_space(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/* A quoted string into out; NULL when malformed. */
static const char *npy_string(const char *p, char *out, size_t len)
{
	char q = *p;
	if (q != '\'' && q != '"')
		return NULL;
	size_t k = 0;
	for (p++; *p && *p != q; p++) {
		if (*p == '\\' || k + 1 >= len)
			return NULL;
		out[k++] = *p;
	}
	if (!*p)
		return NULL;
	out[k] = 0;
	return p + 1;
}

static const char *npy_parse(const char *h, struct smx_npy *o, char *why, size_t whylen)
{
	memset(o, 0, sizeof *o);
	const char *p = npy_space(h);
	if (*p++ != '{')
		return "does not start with '{'";
	for (;;) {
		p = npy_space(p);
		if (*p == '}')
			break;
		char key[32];
		if (!(p = npy_string(p, key, sizeof key)))
			return "a key is not a short quoted string";
		p = npy_space(p);
		if (*p++ != ':')
			return "no ':' after a key";
		p = npy_space(p);
		if (!strcmp(key, "descr")) {
			if (o->have_descr++)
				return "descr given twice";
			if (!(p = npy_string(p, o->descr, sizeof o->descr)))
				return "descr is not a short string";
		} else if (!strcmp(key, "fortran_order")) {
			if (o->have_order++)
				return "fortran_order given twice";
			if (!strncmp(p, "True", 4))
				o->fortran = 1, p += 4;
			else if (!strncmp(p, "False", 5))
				p += 5;
			else
				return "fortran_order is not True or False";
		} else if (!strcmp(key, "shape")) {
			if (o->have_shape++)
				return "shape given twice";
			if (*p++ != '(')
				return "shape is not a tuple";
			for (;;) {
				p = npy_space(p);
				if (*p == ')')
					break;
				if (o->nd == 32)
					return "shape has more than 32 dimensions";
				if (*p == '-') {
					snprintf(why, whylen, "negative dimension in shape");
					return why;
				}
				if (*p < '0' || *p > '9')
					return "shape holds something not a whole number";
				char *end;
				errno = 0;
				unsigned long long v = strtoull(p, &end, 10);
				if (errno || v > ((unsigned long long)1 << 40))
					return "a dimension is too large";
				o->dims[o->nd++] = (long long)v;
				p = npy_space(end);
				if (*p == ',')
					p++;
				else if (*p != ')')
					return "shape is not a tuple of whole numbers";
			}
			p++;
		} else {
			snprintf(why, whylen, "unknown key '%.20s'", key);
			return why;
		}
		p = npy_space(p);
		if (*p == ',')
			p++;
		else if (*p != '}')
			return "entries not separated by ','";
	}
	p = npy_space(p + 1);
	while (*p == '\n')
		p++;
	if (*p)
		return "text after the dict";
	if (!o->have_descr || !o->have_order || !o->have_shape)
		return "lacks descr, fortran_order or shape";
	return NULL;
}

int smx_npy_header(FILE *f, const char *name, struct smx_npy *h, char *err, size_t errlen)
{
	unsigned char pre[12];
	char header[4096], why[64];
	size_t hlen = 0;
	if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6)) {
		snprintf(err, errlen, "%s: not a .npy file (no \\x93NUMPY magic)", name);
		return -1;
	}
	if (pre[6] == 1) {
		hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
	} else if ((pre[6] == 2 || pre[6] == 3) && fread(pre + 10, 1, 2, f) == 2) {
		hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 |
		       (size_t)pre[11] << 24;
	} else {
		snprintf(err, errlen, "%s: .npy version %d is not supported", name, pre[6]);
		return -1;
	}
	if (hlen >= sizeof header || fread(header, 1, hlen, f) != hlen) {
		snprintf(err, errlen, "%s: truncated or oversized .npy header", name);
		return -1;
	}
	header[hlen] = 0;
	if (memchr(header, 0, hlen)) {
		snprintf(err, errlen, "%s: NUL byte in the .npy header", name);
		return -1;
	}
	const char *bad = npy_parse(header, h, why, sizeof why);
	if (bad) {
		snprintf(err, errlen, "%s: .npy header: %s", name, bad);
		return -1;
	}
	return 0;
}

int smx_rows_read_npy(FILE *f, const char *name, smx_dtype dt, struct smx_rows *out, char *err,
		      size_t errlen)
{
	unsigned char *buf = NULL;
	struct smx_npy h;
	int rc = smx_npy_header(f, name, &h, err, errlen);
	if (rc)
		return rc;
	/* The file's element format by its descr; '<u2' holds bf16 bit
	 * patterns (NumPy has no bfloat16), so only when bf16 is asked for. */
	smx_dtype fmt = SMX_DTYPE_COUNT;
	for (int i = 0; i < SMX_DTYPE_COUNT; i++) {
		const struct smx_dtype_info *d = smx_dtype_info((smx_dtype)i);
		if (d->storage && !strcmp(h.descr, d->npy) && (d->npy[1] != 'u' || i == (int)dt))
			fmt = (smx_dtype)i;
	}
	if (fmt == SMX_DTYPE_COUNT) {
		snprintf(err, errlen,
			 "%s: dtype '%s' is not little-endian float16, float32 or float64 (or "
			 "<u2 bf16 bit patterns with --dtype bf16)",
			 name, h.descr);
		return -1;
	}
	if (h.fortran) {
		snprintf(err, errlen, "%s: Fortran order is not supported (save C order)", name);
		return -1;
	}
	/* Any rank: the last axis is the row, the others flatten into rows. */
	if (h.nd < 1) {
		snprintf(err, errlen,
			 "%s: shape must have at least one axis (a 0-d array has no row)", name);
		return -1;
	}
	size_t n = (size_t)h.dims[h.nd - 1], rows = 1;
	double total = (double)n;
	for (int i = 0; i + 1 < h.nd; i++) {
		rows *= (size_t)h.dims[i];
		total *= (double)h.dims[i];
	}
	if (rows == 0 || n == 0 || total > (double)SMX_MAX_VALUES) {
		snprintf(err, errlen, "%s: shape is empty or has more than 2^28 values", name);
		return -1;
	}
	rc = smx_read_data(f, name, rows, n, smx_dtype_size(fmt), &buf, err, errlen);
	if (!rc)
		rc = fill_rows(out, buf, rows, n, fmt, dt, name, err, errlen);
	free(buf);
	return rc;
}

void smx_write_npy(FILE *f, smx_dtype dt, const double *v, size_t rows, size_t n, int ndim)
{
	char dict[256];
	if (ndim == 1)
		snprintf(dict, sizeof dict,
			 "{'descr': '%s', 'fortran_order': False, 'shape': (%zu,), }",
			 smx_dtype_info(dt)->npy, rows);
	else if (ndim == 3)
		snprintf(dict, sizeof dict,
			 "{'descr': '%s', 'fortran_order': False, 'shape': (%zu, %zu, %zu), }",
			 smx_dtype_info(dt)->npy, rows, n, n);
	else
		snprintf(dict, sizeof dict,
			 "{'descr': '%s', 'fortran_order': False, 'shape': (%zu, %zu), }",
			 smx_dtype_info(dt)->npy, rows, n);
	/* Header padded with spaces so that the data starts at a multiple of
	 * 64 bytes, ending in a newline (format version 1.0). */
	size_t hl = strlen(dict) + 1, total = 10 + hl;
	size_t pad = (64 - total % 64) % 64;
	hl += pad;
	unsigned char pre[10] = {0x93,
				 'N',
				 'U',
				 'M',
				 'P',
				 'Y',
				 1,
				 0,
				 (unsigned char)(hl & 0xff),
				 (unsigned char)(hl >> 8)};
	fwrite(pre, 1, 10, f);
	fputs(dict, f);
	for (size_t i = 0; i < pad; i++)
		fputc(' ', f);
	fputc('\n', f);
	size_t count = ndim == 3 ? rows * n * n : ndim == 1 ? rows : rows * n;
	for (size_t i = 0; i < count; i++) {
		/* The store writes host order: little-endian on the x86 this
		 * suite targets, as .npy's '<' says. */
		unsigned char b[8];
		smx_dtype_info(dt)->store(b, 0, v[i]);
		fwrite(b, 1, smx_dtype_size(dt), f);
	}
}
