/* The seeded generators (see rows.h): the same (spec, dtype, seed, n, row)
 * gives the same bits on every machine and with any number of threads.
 *
 * Long rows are generated in parallel. Draw i (from 1) of a row is
 * mix(state + i G), so a block of draws can start anywhere. The polar
 * method rejects some attempts, but each attempt takes exactly two draws:
 * attempt j reads draws 2j + 1 and 2j + 2 and is accepted or not on its
 * own. Chunks of attempts are therefore counted in parallel, and then
 * each chunk writes its normals at the place the counts give it: the
 * same values, in the same order, as one thread calling smx_normal. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dtype.h"
#include "rows.h"
#include "util.h"

#define GOLDEN 0x9e3779b97f4a7c15u /* 2^64 / golden ratio */
/* Rows at least this long are generated in parallel. */
#define GEN_PAR ((size_t)1 << 15)
/* Attempts of the polar method per parallel chunk. */
#define ATTEMPTS ((size_t)4096)
/* Values of an attention row per round (each takes 64 normals). */
#define ATTN_ROUND ((size_t)1 << 14)

/* splitmix64 (Steele, Lea & Flood, OOPSLA 2014; constants as published by
 * Vigna): a 64-bit state advanced by the golden-ratio increment, then a
 * bijective mix. */
static inline uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

uint64_t smx_splitmix64(uint64_t *state)
{
	return mix(*state += GOLDEN);
}

/* [0, 1) from 53 random bits. */
static inline double unit(uint64_t bits)
{
	return (double)(bits >> 11) * 0x1p-53;
}

double smx_uniform01(uint64_t *state)
{
	return unit(smx_splitmix64(state));
}

/* Draw i (from 1) after state st. */
static inline double draw(uint64_t st, uint64_t i)
{
	return unit(mix(st + i * GOLDEN));
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

/* Attempt j of Marsaglia's polar method after state st: u and s = u^2 +
 * v^2; 1 when accepted. */
static inline int polar_try(uint64_t st, uint64_t j, double *u, double *s)
{
	double a = 2 * draw(st, 2 * j + 1) - 1, b = 2 * draw(st, 2 * j + 2) - 1;
	*u = a;
	*s = a * a + b * b;
	return !(*s >= 1 || *s == 0);
}

static inline double polar_value(double u, double s)
{
	return u * sqrt(-2 * portable_log(s) / s);
}

double smx_normal(uint64_t *state)
{
	double u, s;
	uint64_t j = 0;
	while (!polar_try(*state, j, &u, &s))
		j++;
	*state += (2 * j + 2) * GOLDEN;
	return polar_value(u, s);
}

/* count normals into out, as count calls of smx_normal(st) give them, and
 * *st advanced alike; in parallel (see the top of the file). */
static void normals(uint64_t *st, size_t count, double *out)
{
	if (count < GEN_PAR) {
		for (size_t i = 0; i < count; i++)
			out[i] = smx_normal(st);
		return;
	}
	uint64_t s0 = *st, a0 = 0, last = 0;
	size_t done = 0, *pre = NULL;
	while (done < count) {
		/* 4/pi attempts a value on average: one round nearly always */
		size_t need = count - done, nc = (size_t)((double)need * 1.3) / ATTEMPTS + 1;
		pre = smx_realloc(pre, nc + 1, sizeof *pre);
		long lnc = (long)nc;
#pragma omp parallel for schedule(static)
		for (long c = 0; c < lnc; c++) {
			size_t k = 0;
			double u, s;
			for (uint64_t j = a0 + (uint64_t)c * ATTEMPTS;
			     j < a0 + (uint64_t)(c + 1) * ATTEMPTS; j++)
				k += (size_t)polar_try(s0, j, &u, &s);
			pre[c + 1] = k;
		}
		pre[0] = 0;
		for (size_t c = 0; c < nc; c++)
			pre[c + 1] += pre[c];
#pragma omp parallel for schedule(static)
		for (long c = 0; c < lnc; c++) {
			size_t k = done + pre[c];
			double u, s;
			for (uint64_t j = a0 + (uint64_t)c * ATTEMPTS;
			     k < count && j < a0 + (uint64_t)(c + 1) * ATTEMPTS; j++)
				if (polar_try(s0, j, &u, &s)) {
					out[k] = polar_value(u, s);
					if (++k == count)
						last = j;
				}
		}
		done += pre[nc] < need ? pre[nc] : need;
		a0 += (uint64_t)nc * ATTEMPTS;
	}
	free(pre);
	*st = s0 + (2 * last + 2) * GOLDEN;
}

/* Where a row goes: an array of its dtype (typed), or doubles holding
 * values of the dtype. Values are rounded as they are stored: every later
 * step (overwriting an entry, sorting) commutes with that rounding. */
struct sink {
	void *p;
	const struct smx_dtype_info *di;
	int typed;
};

static inline void put(const struct sink *o, size_t i, double v)
{
	if (o->typed)
		o->di->store(o->p, i, v);
	else
		((double *)o->p)[i] = o->di->round(v);
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* Sort n values (floats when es is 4, else doubles): the halves in
 * parallel, then merged. A sorted sequence is unique, so the bits do not
 * depend on how. */
static void sort_values(void *p, size_t n, size_t es)
{
	if (es != sizeof(float) && es != sizeof(double))
		smx_die("internal: sorting %zu-byte values", es);
	int (*cmp)(const void *, const void *) = es == 4 ? cmp_float : smx_cmp_double;
	if (n < GEN_PAR) {
		qsort(p, n, es, cmp);
		return;
	}
	size_t h = n / 2;
	unsigned char *a = p, *t = smx_alloc(n, es);
#pragma omp parallel for schedule(static, 1)
	for (int k = 0; k < 2; k++)
		qsort(a + (k ? h * es : 0), k ? n - h : h, es, cmp);
	size_t i = 0, j = h, o = 0;
	while (i < h && j < n)
		memcpy(t + es * o++, a + es * (cmp(a + es * j, a + es * i) < 0 ? j++ : i++), es);
	memcpy(t + es * o, a + es * i, es * (h - i));
	o += h - i;
	memcpy(t + es * o, a + es * j, es * (n - j));
	memcpy(a, t, n * es);
	free(t);
}

static uint64_t row_state(const struct smx_dist *d, uint64_t seed, size_t n, size_t r)
{
	uint64_t s = seed;
	uint64_t h = smx_splitmix64(&s) ^ ((uint64_t)d->kind << 56);
	s = h ^ (uint64_t)n * 0xd1b54a32d192ed03u; /* an odd multiplier spreads n */
	h = smx_splitmix64(&s) ^ (uint64_t)r;
	return smx_splitmix64(&h);
}

/* n values, one draw each: v = a + w u with u uniform in [0, 1). */
static void uniform_values(const struct sink *o, uint64_t *st, size_t n, double a, double w)
{
	uint64_t s0 = *st;
	long ln = (long)n;
#pragma omp parallel for schedule(static) if (n >= GEN_PAR)
	for (long i = 0; i < ln; i++)
		put(o, (size_t)i, a + w * draw(s0, (uint64_t)i + 1));
	*st = s0 + (uint64_t)n * GOLDEN;
}

/* n values a z + b, z standard normal, in rounds of buffered normals. */
static void normal_values(const struct sink *o, uint64_t *st, size_t n, double a, double b,
			  int add_b)
{
	size_t round = n < ATTN_ROUND * 64 ? n : ATTN_ROUND * 64;
	double *z = smx_alloc(round ? round : 1, sizeof *z);
	for (size_t i0 = 0; i0 < n; i0 += round) {
		size_t len = n - i0 < round ? n - i0 : round;
		normals(st, len, z);
		long ll = (long)len;
#pragma omp parallel for schedule(static) if (len >= GEN_PAR)
		for (long i = 0; i < ll; i++)
			put(o, i0 + (size_t)i, add_b ? a * z[i] + b : a * z[i]);
	}
	free(z);
}

/* q . k_j / sqrt(64) with q ~ 2 N(0, 1) and k_j ~ N(0, 1) in 64
 * dimensions: logits of one attention head. */
static void attn_values(const struct sink *o, uint64_t *st, size_t n)
{
	double q[64];
	for (int k = 0; k < 64; k++)
		q[k] = 2 * smx_normal(st);
	size_t round = n < ATTN_ROUND ? n : ATTN_ROUND;
	double *z = smx_alloc(round * 64, sizeof *z);
	for (size_t i0 = 0; i0 < n; i0 += round) {
		size_t len = n - i0 < round ? n - i0 : round;
		normals(st, len * 64, z);
		long ll = (long)len;
#pragma omp parallel for schedule(static) if (len * 64 >= GEN_PAR)
		for (long i = 0; i < ll; i++) {
			double dot = 0;
			for (int k = 0; k < 64; k++)
				dot += q[k] * z[(size_t)i * 64 + (size_t)k];
			put(o, i0 + (size_t)i, dot / 8);
		}
	}
	free(z);
}

/* oneDNN benchdnn's softmax fill (tests/benchdnn/softmax/softmax.cpp,
 * fill_data_fwd): each entry is the top-1 value with probability 4/n, else
 * top-2 with 7 times that, else top-3 with 3 times that, else the type's
 * lowest finite value. Top values 90, 89, 88 push exp past f32's overflow
 * at 88.72 (a kernel that does not shift gives inf); -86, -87, -88 test a
 * negative max. Repeated maxima keep log-softmax away from cancellation.
 * One to three draws an entry: generated in order. */
static void benchdnn_row(int pos, smx_dtype dt, uint64_t st, size_t n, const struct sink *o)
{
	const double top[3] = {pos ? 90 : -86, pos ? 89 : -87, pos ? 88 : -88};
	const double p1 = 4.0 / (double)n, p2 = 7 * p1, p3 = 3 * p2;
	for (size_t i = 0; i < n; i++) {
		double v = -smx_dtype_info(dt)->max_finite;
		if (smx_uniform01(&st) < p1)
			v = top[0];
		else if (smx_uniform01(&st) < p2)
			v = top[1];
		else if (smx_uniform01(&st) < p3)
			v = top[2];
		put(o, i, v);
	}
}

static void fill_row(const struct smx_dist *d, smx_dtype dt, uint64_t st, size_t n,
		     const struct sink *o)
{
	switch (d->kind) {
	case SMX_DIST_UNIFORM:
		uniform_values(o, &st, n, d->a, d->b - d->a);
		break;
	case SMX_DIST_NORMAL:
		normal_values(o, &st, n, d->a, 0, 0);
		break;
	case SMX_DIST_SCALED: {
		/* (2u - 1) a */
		uint64_t s0 = st;
		long ln = (long)n;
#pragma omp parallel for schedule(static) if (n >= GEN_PAR)
		for (long i = 0; i < ln; i++)
			put(o, (size_t)i, (2 * draw(s0, (uint64_t)i + 1) - 1) * d->a);
		break;
	}
	case SMX_DIST_LM: {
		/* A broad body of unlikely tokens and a few strong candidates. */
		normal_values(o, &st, n, 2.5, -2, 1);
		size_t peaks = 1 + n / 256;
		for (size_t k = 0; k < peaks; k++) {
			/* the value's draw first, then the place's */
			double v = 12 + 6 * smx_uniform01(&st);
			put(o, smx_splitmix64(&st) % n, v);
		}
		break;
	}
	case SMX_DIST_ATTN:
		attn_values(o, &st, n);
		break;
	case SMX_DIST_WIDE: {
		/* The max is 0; the rest spreads over 1.2 times the range at
		 * which exp reaches the least subnormal, so outputs are normal,
		 * subnormal and zero. */
		double range = nearbyint(-1.2 * 0.6931471805599453 * smx_dtype_info(dt)->emin_sub);
		uniform_values(o, &st, n, -0.0, -range);
		put(o, smx_splitmix64(&st) % n, 0);
		break;
	}
	case SMX_DIST_SORTED:
		normal_values(o, &st, n, 4, 0, 0);
		sort_values(o->p, n, o->typed ? o->di->size : sizeof(double));
		break;
	case SMX_DIST_BENCHDNN_POS:
	case SMX_DIST_BENCHDNN_NEG:
		benchdnn_row(d->kind == SMX_DIST_BENCHDNN_POS, dt, st, n, o);
		break;
	}
}

static void fill(const struct smx_dist *d, smx_dtype dt, uint64_t seed, size_t rows, size_t n,
		 void *x, int typed)
{
	if (n == 0)
		return;
	const struct smx_dtype_info *di = smx_dtype_info(dt);
	size_t es = typed ? di->size : sizeof(double);
	long lr = (long)rows;
	/* Rows in parallel when they are short; a long row splits itself. */
#pragma omp parallel for schedule(dynamic, 1) if (rows > 1 && n < GEN_PAR && rows * n >= GEN_PAR)
	for (long r = 0; r < lr; r++) {
		struct sink o = {(unsigned char *)x + (size_t)r * n * es, di, typed};
		fill_row(d, dt, row_state(d, seed, n, (size_t)r), n, &o);
	}
}

void smx_dist_fill(const struct smx_dist *d, smx_dtype dt, uint64_t seed, size_t rows, size_t n,
		   double *x)
{
	fill(d, dt, seed, rows, n, x, 0);
}

void smx_rows_generate(struct smx_rows *rs, const struct smx_dist *d, smx_dtype dt, uint64_t seed,
		       size_t rows, size_t n)
{
	smx_rows_alloc(rs, dt, rows, n);
	fill(d, dt, seed, rows, n, rs->x, 0);
}

void smx_dist_fill_as(const struct smx_dist *d, smx_dtype dt, uint64_t seed, size_t rows, size_t n,
		      void *x)
{
	fill(d, dt, seed, rows, n, x, 1);
}
