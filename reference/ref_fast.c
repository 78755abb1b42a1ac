/* The reference's fast path: each row in double-double arithmetic with a
 * proven error bound, rounded to the target format wherever the enclosure
 * [v - A, v + A] provably rounds to one value; the caller falls back to
 * the MPFR Ziv loop (ref.c) for a row with any component left undecided.
 * The decided values are the MPFR path's, bit for bit (the correct
 * rounding is unique), and the offsets agree within 2^-21 ulp (see
 * "Deciding").
 *
 * Notation: u = 2^-53; a double-double (dd) is hi + lo with |lo| <=
 * ulp(hi)/2. two_sum and Dekker's two_prod are exact (Dekker 1971; Knuth
 * TAOCP 4.2.2), two_prod for |a|, |b| < 2^995; below 2^-969 its low part
 * may lose bits: at most 2^-1072 absolute, carried as the term `tiny`
 * where it can occur.
 *
 * exp(d), d = dh + dl (exact: dl is the error of x - m), |d| <= 1500:
 *   kk = RN(dh 256/ln2), j = kk mod 256, k = floor(kk / 256),
 *   r = d - kk ln2/256 with ln2/256 = C1 + C2 + C3 (C1, C2 of 33 bits,
 *   |kk| < 2^20 so kk C1, kk C2 are exact; dh - kk C1 is exact by Sterbenz).
 *   The two roundings that form rl add at most u (2^-41.9 + 2^-41.8) and
 *   kk C3 with the split's tail at most 2^-107: |r_computed - r| <= 2^-93.8,
 *   |rh| <= 0.0013539 (= ln2/512 + 2^-32 ln2/256 + 2^-41.8) =: R.
 *   e^r = 1 + rh + rh^2/2 + rh^3 P(rh) + rl (1 + rh + rh^2/2) + tail,
 *   P(rh) = sum_{i=3..8} rh^(i-3)/i!: the truncation is at most
 *   R^9/9! e^R <= 2^-103.7, the dropped rl rh^3/6 at most 2^-93.4, rl^2
 *   terms 2^-124. rh^2 = sh + sl exactly (two_prod). P is evaluated by
 *   Horner in double (coefficients RN(1/i!)): |q - P| <= 0.339 u, and
 *   p = RN(RN(sh rh) q) has |p - rh^3 P| <= (0.339 + 3 x 0.1668) u R^3 <=
 *   2^-81.65. The six additions of small terms (each below 2^-51.9) add at
 *   most 2^-102.3. So |E - e^r| <= 2^-81.6 e^r.
 *   The table 2^(j/256) (hi + lo from MPFR, error <= 1.01 u^2) and one dd
 *   product (error <= 7 u^2: three roundings of size u^2 |ab| and the
 *   dropped lo x lo) give exp(d) = 2^k M with |M - 2^-k e^d| <= EPS_EXP
 *   M, EPS_EXP = 2^-81 (the sum above is 2^-81.6 (1 + 2^-20)).
 *   d < -1500: e^d < 2^-2164, taken as 0 with that absolute error.
 *
 * T = sum over j != k of e^(d_j) (k the index of the max), in blocks of
 *   B = 1024 terms: each term's hi is added by two_sum, the low parts by
 *   two roundings of size <= 3u |s| (all terms positive, s the partial
 *   sum), then renormalised (fast_two_sum, exact): each addition errs by
 *   at most 6.01 u^2 |partial| <= 6.01 u^2 T. A term enters at most
 *   min(n, B) block additions and nb + 1 block-sum additions (nb blocks),
 *   so |T_computed - T| <= T (EPS_EXP + 6.01 u^2 (min(n, B) + nb + 1)) +
 *   n 2^-1072 in units of 2^-SCALE (the last for terms scaled below 2^-1022
 *   and terms below e^-1500; a sum that lands below 2^-1022 is exact).
 *
 * Per-row scalars: 1/(1 + T) in dd (see row_inv: 18.2 u^2 plus T's
 * error); log1p(T) with MPFR at 256 bits and directed rounding (one call
 * per row) as an interval over [T - eT, T + eT], converted to a dd
 * midpoint plus radius (the conversion's error, below 1.01 u^2, is
 * computed in MPFR and added).
 *   softmax_i = 2^k_i (M_i x inv): one dd product (7 u^2) on enclosures
 *   of relative radii EPS_EXP and row_inv's: relative radius
 *   (EPS_EXP + radius_inv + 7 u^2)(1 + 2^-60); for d_i = 0, M_i = 1 and
 *   the product are exact.
 *   logsoftmax_i = d_i - log1p(T): two_sum plus two roundings, absolute
 *   error <= 2.01 u^2 (|d_i| + |L| + |s|) plus L's radius.
 *   lse = m + log1p(T): an MPFR interval settled by smx_ref_settle itself.
 *
 * VJP / JVP from given s and g: dot = sum s_j g_j with exact products
 *   (two_prod) summed in blocks as above but of either sign: each addition
 *   errs by at most 4.01 u^2 (|partial| + |term|), and that sum over the
 *   additions is accumulated as the row is summed (a bound that follows
 *   the partial sums, ~sqrt(n) smaller than n sum |s_j g_j| for random
 *   signs; its own roundings are covered by the factor 1 + (2n + 4) u). Then
 *   g_i - dot (two_sum, one rounding; for the one s_i in (1/2, 2], if any,
 *   g_i (1 - s_i) - (the sum without i), the product exact, one dd
 *   addition 4.01 u^2) and s_i times it (s_i below 2^-800
 *   scaled by 2^400 first, exactly; two_prod, two
 *   roundings): absolute error |s_i| (e_dot + 2.01 u^2 |G|) + 3.01 u^2
 *   |s_i G| (+ 3 tiny when 0 < |s_i G| < 2^-900). e_dot adds one tiny per
 *   product below 2^-900; additions need none (a sum below 2^-1022 is
 *   exact).
 *
 * Deciding. Given v = 2^k (h + l) and A with |v_exact - v| <= 2^k A: c is
 * the rounding of 2^k h (a candidate only), D = v - c in units of ulp(c)
 * (e), with its own rounding error folded into the radius Rr. Accepted
 * when the ends v +- A lie strictly inside c's rounding interval, i.e.
 * -1/2 < r - Rr and r + Rr < 1/2 (no midpoint can then be the exact
 * value), and Rr <= 2^-22, so r is within 2^-22 ulp of the exact offset
 * and within 2^-21 of the MPFR path's (its interval, at p >= prec + 32 +
 * log2 n bits, is about n 2^-p wide relative: below 2^-28 ulp). The ulp
 * follows ref.c: when c is a power of two, values above c take ulp(c) and
 * values below it half of that (floored at the least subnormal). An
 * enclosure that straddles such a c is left to MPFR (whose narrower
 * interval may fall on either side), except when it is c exactly (ulp(c),
 * as ref.c) or c = 1 for softmax with T > 0 (then every value is below
 * 1). c = 0 takes the sign of the enclosure (both ends on one side) and
 * the least subnormal's ulp; an enclosure holding 0 is decided only when
 * it is exactly {0} (+0). An infinite c is left to MPFR. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mpfr.h>

#include "ref_internal.h"

#define U 0x1p-53
#define EPS_EXP 0x1p-81
#define BLOCK SMX_REF_BLOCK
#define TINY 0x1p-1072
#define RADIUS_MAX 0x1p-22
/* T is summed as T 2^SCALE (T <= n < 2^28), so that its terms and low
 * parts stay normal down to T near 2^-1600; the tiny terms are then in
 * these units. */
#define SCALE 600

struct dd {
	double hi, lo;
};

/* x 2^e: one multiplication by an exact power of two (correctly rounded,
 * as ldexp), ldexp itself outside the normal exponents. */
static inline double scale2(double x, int e)
{
	if (e < -1022 || e > 1023)
		return ldexp(x, e);
	uint64_t b = (uint64_t)(e + 1023) << 52;
	double p;
	memcpy(&p, &b, sizeof p);
	return x * p;
}

static inline uint64_t bits(double x)
{
	uint64_t b;
	memcpy(&b, &x, sizeof b);
	return b;
}

static inline struct dd two_sum(double a, double b)
{
	double s = a + b, bb = s - a;
	return (struct dd){s, (a - (s - bb)) + (b - bb)};
}

static inline struct dd fast_two_sum(double a, double b)
{
	double s = a + b;
	return (struct dd){s, b - (s - a)};
}

static inline void split(double a, double *h, double *l)
{
	double c = 134217729.0 * a; /* 2^27 + 1 */
	*h = c - (c - a);
	*l = a - *h;
}

static inline struct dd two_prod(double a, double b)
{
	double p = a * b, ah, al, bh, bl;
	split(a, &ah, &al);
	split(b, &bh, &bl);
	return (struct dd){p, ((ah * bh - p) + ah * bl + al * bh) + al * bl};
}

/* (a.hi + a.lo)(b.hi + b.lo), relative error <= 7 u^2. */
static inline struct dd dd_mul(struct dd a, struct dd b)
{
	struct dd p = two_prod(a.hi, b.hi);
	double t = a.hi * b.lo + a.lo * b.hi;
	return fast_two_sum(p.hi, p.lo + t);
}

/* Sum of positive dd terms; see the header for the bound. */
static inline struct dd dd_add_pos(struct dd a, struct dd b)
{
	struct dd s = two_sum(a.hi, b.hi);
	return fast_two_sum(s.hi, (a.lo + s.lo) + b.lo);
}

/* Sum of dd terms of either sign. */
static inline struct dd dd_add(struct dd a, struct dd b)
{
	struct dd s = two_sum(a.hi, b.hi);
	return two_sum(s.hi, (a.lo + s.lo) + b.lo);
}

static struct {
	struct dd t[256]; /* 2^(j/256) */
	double c1, c2, c3, inv;
	double coef[6]; /* 1/3! .. 1/8! */
} K;
static pthread_once_t k_once = PTHREAD_ONCE_INIT;

static struct dd mpfr_to_dd(mpfr_t v, mpfr_t tmp)
{
	double hi = mpfr_get_d(v, MPFR_RNDN);
	mpfr_sub_d(tmp, v, hi, MPFR_RNDN);
	return (struct dd){hi, mpfr_get_d(tmp, MPFR_RNDN)};
}

static void k_init(void)
{
	mpfr_t v, w, t;
	mpfr_inits2(256, v, w, t, (mpfr_ptr)0);
	for (int j = 0; j < 256; j++) {
		mpfr_set_si(v, j, MPFR_RNDN);
		mpfr_div_ui(v, v, 256, MPFR_RNDN);
		mpfr_exp2(v, v, MPFR_RNDN);
		K.t[j] = mpfr_to_dd(v, t);
	}
	mpfr_const_log2(v, MPFR_RNDN);
	mpfr_div_ui(v, v, 256, MPFR_RNDN);
	mpfr_set_prec(w, 33);
	mpfr_set(w, v, MPFR_RNDN);
	K.c1 = mpfr_get_d(w, MPFR_RNDN);
	mpfr_sub(v, v, w, MPFR_RNDN);
	mpfr_set(w, v, MPFR_RNDN);
	K.c2 = mpfr_get_d(w, MPFR_RNDN);
	mpfr_sub(v, v, w, MPFR_RNDN);
	K.c3 = mpfr_get_d(v, MPFR_RNDN);
	mpfr_const_log2(v, MPFR_RNDN);
	mpfr_ui_div(v, 256, v, MPFR_RNDN);
	K.inv = mpfr_get_d(v, MPFR_RNDN);
	for (int i = 3; i <= 8; i++) {
		mpfr_set_ui(v, 1, MPFR_RNDN);
		for (int f = 2; f <= i; f++)
			mpfr_div_ui(v, v, (unsigned long)f, MPFR_RNDN);
		K.coef[i - 3] = mpfr_get_d(v, MPFR_RNDN);
	}
	mpfr_clears(v, w, t, (mpfr_ptr)0);
	mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
}

double smx_ref_fast_plant;

/* e^(dh + dl) = 2^k M, M within EPS_EXP (relative); |dh| <= 1500. */
static inline struct dd exp_dd(double dh, double dl, int *k)
{
	/* round to nearest: exact for |dh K.inv| < 2^51 */
	double kk = (dh * K.inv + 0x1.8p52) - 0x1.8p52;
	int ik = (int)kk, j = ik & 255;
	*k = (ik - j) / 256;
	double a = dh - kk * K.c1;
	struct dd r0 = two_sum(a, -(kk * K.c2));
	struct dd r = two_sum(r0.hi, (r0.lo + dl) - kk * K.c3);
	double rh = r.hi, rl = r.lo;
	struct dd s = two_prod(rh, rh);
	const double *c = K.coef;
	double q = c[0] + rh * (c[1] + rh * (c[2] + rh * (c[3] + rh * (c[4] + rh * c[5]))));
	double p = (s.hi * rh) * q;
	struct dd e = fast_two_sum(1.0, rh);
	struct dd f = two_sum(e.hi, 0.5 * s.hi);
	double small = ((e.lo + f.lo) + (0.5 * s.lo + p)) + (rl + rl * (rh + 0.5 * s.hi));
	struct dd v = dd_mul(K.t[j], fast_two_sum(f.hi, small));
	if (smx_ref_fast_plant != 0)
		v = dd_mul(v, two_sum(1, smx_ref_fast_plant));
	return v;
}

void smx_ref_fast_exp(double dh, double dl, int *k, double *hi, double *lo)
{
	pthread_once(&k_once, k_init);
	struct dd v = exp_dd(dh, dl, k);
	*hi = v.hi;
	*lo = v.lo;
}

/* ulp exponent of |v| (v != 0, finite) in a format of precision prec,
 * floored at emin: as ref.c's ulp_exp. A subnormal double is below every
 * f32 and takes f64's floor. */
static inline int ulp_e(double v, int prec, int emin)
{
	int ex = (int)(bits(v) >> 52 & 0x7ff);
	int e = ex == 0 ? emin : ex - 1023 + 1 - prec;
	return e < emin ? emin : e;
}

/* One step away from c in the target format, toward dir. */
static double step(smx_dtype dt, double c, double dir)
{
	return smx_dtype_info(dt)->next(c, dir);
}

/* Decide v = 2^k (h + l) with radius 2^k A; see the header. below_one:
 * the exact value is known to be below 1 (softmax with T > 0). */
static int decide(smx_dtype dt, double h, double l, int k, double A, int below_one,
		  struct smx_refval *out)
{
	int prec = smx_dtype_prec(dt), emin = smx_dtype_emin_sub(dt);
	if (h == 0 && l == 0 && A == 0) {
		*out = (struct smx_refval){.cr = 0.0, .r = 0.0, .e = emin};
		return 1;
	}
	double vd = scale2(h, k);
	double c = smx_dtype_info(dt)->round(vd);
	/* c rounds h alone; l can move the nearest value one step away
	 * (subnormal 2^k h): one more try then. */
	for (int pass = 0; pass < 2; pass++) {
		if (isinf(c) || isnan(c))
			return 0;
		double cs = scale2(c, -k); /* exact: c is near 2^k h */
		struct dd d = two_sum(h, -cs);
		double D = d.hi + (d.lo + l);
		double err = A + 0x1p-51 * (fabs(d.hi) + fabs(d.lo) + fabs(l));
		int e = c == 0 ? emin : ulp_e(c, prec, emin);
		double r = scale2(D, k - e), R = scale2(err, k - e) * (1 + 0x1p-50) + 0x1p-1000;
		if (!(R <= RADIUS_MAX))
			return 0;
		if (r + R <= -0.5 || r - R >= 0.5) {
			c = step(dt, c, r < 0 ? -INFINITY : INFINITY);
			continue;
		}
		if (c == 0) {
			/* the sign from h, which dominates l and A */
			if (!(fabs(h) > 2 * (fabs(l) + A)))
				return 0;
			c = h > 0 ? 0.0 : -0.0;
		} else if ((bits(c) & 0xfffffffffffffULL) == 0 && e > emin) {
			/* c a power of two: below it the ulp halves. An
			 * enclosure around c is left to MPFR (whose narrower
			 * interval may fall on either side). */
			int below = c > 0 ? r + R < 0 : r - R > 0;
			int above = c > 0 ? r - R > 0 : r + R < 0;
			if (below || (c == 1 && below_one)) {
				e--;
				r *= 2;
				R *= 2;
			} else if (!above && !(D == 0 && A == 0)) {
				return 0; /* D = A = 0: v is c exactly */
			}
		}
		if (!(r - R > -0.5 && r + R < 0.5))
			return 0;
		*out = (struct smx_refval){.cr = c, .r = r, .e = e};
		return 1;
	}
	return 0;
}

/* e^(x_j - m) = 2^k M, kept from the sum for the outputs (rows that are
 * not split). */
struct xe {
	struct dd m;
	int k;
};

/* Terms e^(x_j - m) over [a, b) but index skip, as a positive dd sum;
 * *terms counts them (those below e^-1500 too); ce, when not NULL,
 * receives each term computed. */
static struct dd sum_exp(const double *x, size_t a, size_t b, size_t skip, double m, size_t *terms,
			 struct xe *ce)
{
	struct dd t = {0, 0};
	for (size_t j = a; j < b; j++) {
		if (j == skip || x[j] == -INFINITY)
			continue;
		++*terms;
		struct dd d = two_sum(x[j], -m);
		if (!(d.hi >= -1500))
			continue;
		int k;
		struct dd e = exp_dd(d.hi, d.lo, &k);
		if (ce)
			ce[j] = (struct xe){e, k};
		t = dd_add_pos(t, (struct dd){scale2(e.hi, k + SCALE), scale2(e.lo, k + SCALE)});
	}
	return t;
}

/* Additions a term goes through within its block. */
static size_t adds(size_t n)
{
	return n < BLOCK ? n : BLOCK;
}

/* Rows this long are split across threads. */
#define PAR_MIN ((size_t)1 << 16)

/* The error bound of T summed from its blocks' parts. */
static double sum_err(struct dd t, size_t n, size_t terms)
{
	size_t nb = (n + BLOCK - 1) / BLOCK;
	double T = t.hi + t.lo;
	/* no other term: T = 0 exactly */
	return terms == 0 ? 0
			  : (T * (EPS_EXP + 6.01 * U * U * (double)(adds(n) + nb + 1)) +
			     (double)n * TINY) *
				(1 + 0x1p-50);
}

void smx_ref_fast_part(const double *xb, size_t len, size_t skip, double m,
		       struct smx_ref_part *out)
{
	pthread_once(&k_once, k_init);
	size_t terms = 0;
	struct dd t = sum_exp(xb, 0, len, skip, m, &terms, NULL);
	*out = (struct smx_ref_part){t.hi, t.lo, terms};
}

/* T (blocks in order) and its error bound. */
static struct dd row_sum(const double *x, size_t n, size_t kmax, double m, double *errT,
			 struct xe *ce)
{
	size_t nb = (n + BLOCK - 1) / BLOCK;
	long lnb = (long)nb;
	struct dd t = {0, 0};
	size_t terms = 0;
	if (n < PAR_MIN) {
		for (size_t b = 0; b < nb; b++)
			t = dd_add_pos(t, sum_exp(x, b * BLOCK, b + 1 < nb ? (b + 1) * BLOCK : n,
						  kmax, m, &terms, ce));
		*errT = sum_err(t, n, terms);
		return t;
	}
	struct smx_ref_part *part = malloc(nb * sizeof *part);
	if (!part)
		abort(); /* no memory for the reference */
#pragma omp parallel for schedule(static)
	for (long b = 0; b < lnb; b++) {
		size_t a = (size_t)b * BLOCK, e = a + BLOCK < n ? a + BLOCK : n;
		smx_ref_fast_part(x + a, e - a, kmax >= a && kmax < e ? kmax - a : e - a, m,
				  &part[b]);
	}
	for (size_t b = 0; b < nb; b++) {
		t = dd_add_pos(t, (struct dd){part[b].hi, part[b].lo});
		terms += part[b].terms;
	}
	free(part);
	*errT = sum_err(t, n, terms);
	return t;
}

/* [a, b] holds T, from T 2^SCALE = t +- eT; returns whether the ends may
 * differ from T (strict). */
static int t_interval(mpfr_t a, mpfr_t b, struct dd t, double eT)
{
	mpfr_set_d(a, t.hi, MPFR_RNDN); /* exact at 256 bits */
	mpfr_set_d(b, t.hi, MPFR_RNDN);
	int st = (mpfr_add_d(a, a, t.lo, MPFR_RNDD) != 0) | (eT > 0);
	st |= mpfr_add_d(b, b, t.lo, MPFR_RNDU) != 0;
	st |= mpfr_sub_d(a, a, eT, MPFR_RNDD) != 0;
	st |= mpfr_add_d(b, b, eT, MPFR_RNDU) != 0;
	if (mpfr_sgn(a) < 0)
		mpfr_set_zero(a, 1);
	mpfr_div_2ui(a, a, SCALE, MPFR_RNDN); /* exact: MPFR's exponent range */
	mpfr_div_2ui(b, b, SCALE, MPFR_RNDN);
	return st;
}

/* log1p(T) over [T - eT, T + eT] as an MPFR interval, returned as a dd
 * midpoint and radius. */
static struct dd row_log1p(struct dd t, double eT, double *rad)
{
	mpfr_t a, b, w;
	mpfr_inits2(256, a, b, w, (mpfr_ptr)0);
	t_interval(a, b, t, eT);
	mpfr_log1p(a, a, MPFR_RNDD);
	mpfr_log1p(b, b, MPFR_RNDU);
	mpfr_sub(w, b, a, MPFR_RNDU);
	mpfr_div_2ui(w, w, 1, MPFR_RNDU);
	double half = mpfr_get_d(w, MPFR_RNDU);
	int inexact = mpfr_add(a, a, b, MPFR_RNDN) != 0;
	mpfr_div_2ui(a, a, 1, MPFR_RNDN);
	struct dd v = mpfr_to_dd(a, w);
	/* what the dd misses of the midpoint: exact at 256 bits */
	mpfr_sub_d(w, a, v.hi, MPFR_RNDN);
	mpfr_sub_d(w, w, v.lo, MPFR_RNDN);
	double conv = fabs(mpfr_get_d(w, MPFR_RNDA));
	*rad = (half + conv + (inexact ? 0x1p-250 * fabs(v.hi) : 0)) * (1 + 0x1p-50);
	mpfr_clears(a, b, w, (mpfr_ptr)0);
	return v;
}

/* 1/(1 + T) as a dd and its relative radius: S = 1 + T (two_sum, one
 * rounding of 2 u^2 S), q1 = RN(1/Sh), e = 1 - q1 S (|e| <= 3u, formed
 * with 6 u^2 of rounding), 1/S = q1 (1 + e) + q1 e^2/(1 - e): q1 + RN(q1 e)
 * errs by at most (6 + 3 + 9.1) u^2 q1 <= 18.2 u^2 / S; T's own error eT
 * adds eT/S / (1 - eT/S). */
static struct dd row_inv(struct dd t, double eT, double *srad)
{
	double th = scale2(t.hi, -SCALE), tl = scale2(t.lo, -SCALE);
	struct dd s = two_sum(1, th);
	s = fast_two_sum(s.hi, s.lo + tl);
	/* T back from 2^SCALE units may underflow: 2^-1073 covers it */
	double eS = scale2(eT, -SCALE) + 2 * U * U * s.hi + 0x1p-1073;
	double q1 = 1 / s.hi;
	struct dd p = two_prod(q1, s.hi);
	double e = ((1 - p.hi) - p.lo) - q1 * s.lo;
	double rel = eS / s.hi;
	*srad = (18.2 * U * U + rel / (1 - rel)) * (1 + 0x1p-50);
	return fast_two_sum(q1, q1 * e);
}

/* One component of softmax or log-softmax. */
static inline int component(smx_op op, smx_dtype dt, double xi, double m, struct dd s, double srad,
			    int below_one, const struct xe *ce, struct smx_refval *out)
{
	if (xi == -INFINITY) {
		*out = op == SMX_OP_SOFTMAX
			   ? (struct smx_refval){.cr = 0.0, .r = 0.0, .e = smx_dtype_emin_sub(dt)}
			   : smx_ref_infinite(dt, -1);
		return 1;
	}
	struct dd d = two_sum(xi, -m);
	if (op == SMX_OP_LOGSOFTMAX) {
		if (!isfinite(d.hi))
			return 0;
		struct dd v = two_sum(d.hi, -s.hi);
		double w = (v.lo + d.lo) - s.lo;
		struct dd y = two_sum(v.hi, w);
		double A = srad + 2.01 * U * U * (fabs(d.hi) + fabs(s.hi) + fabs(v.hi));
		return decide(dt, y.hi, y.lo, 0, A * (1 + 0x1p-50), 0, out);
	}
	if (!(d.hi >= -1500)) {
		*out = (struct smx_refval){.cr = 0.0, .r = 0.0, .e = smx_dtype_emin_sub(dt)};
		return 1;
	}
	int k = 0;
	/* e^0 = 1 and 1 x s are exact */
	int one = d.hi == 0 && d.lo == 0;
	struct dd e = {1, 0};
	if (!one && ce) {
		e = ce->m;
		k = ce->k;
	} else if (!one) {
		e = exp_dd(d.hi, d.lo, &k);
	}
	struct dd q = one ? s : dd_mul(e, s);
	double A =
	    ((one ? 0 : EPS_EXP + 7 * U * U) + srad) * (1 + 0x1p-60) * fabs(q.hi) * (1 + 0x1p-50);
	return decide(dt, q.hi, q.lo, k, A, below_one, out);
}

static int components(smx_op op, smx_dtype dt, const double *x, size_t a, size_t b, double m,
		      struct dd s, double srad, int below_one, const struct xe *ce,
		      struct smx_refval *out)
{
	int ok = 1;
	for (size_t i = a; i < b && ok; i++)
		ok = component(op, dt, x[i], m, s, srad, below_one, ce ? &ce[i] : NULL, &out[i]);
	return ok;
}

/* The per-row scalars of the outputs from T. */
static void plan_from_sum(struct smx_ref_plan *p, smx_op op, smx_dtype dt, double m, struct dd t,
			  double eT)
{
	/* softmax: 1/(1 + T), radius relative; log-softmax: log1p(T) */
	double srad;
	struct dd s = op == SMX_OP_SOFTMAX ? row_inv(t, eT, &srad) : row_log1p(t, eT, &srad);
	/* T > 0: every softmax value is below 1 */
	*p = (struct smx_ref_plan){op, dt, m, s.hi, s.lo, srad, t.hi > 0};
}

int smx_ref_fast_plan(struct smx_ref_plan *p, smx_op op, smx_dtype dt, size_t n, double m,
		      const struct smx_ref_part *part)
{
	pthread_once(&k_once, k_init);
	if (!isfinite(m) || (op != SMX_OP_SOFTMAX && op != SMX_OP_LOGSOFTMAX))
		return 0;
	struct dd t = {0, 0};
	size_t terms = 0;
	for (size_t b = 0; b < (n + BLOCK - 1) / BLOCK; b++) {
		t = dd_add_pos(t, (struct dd){part[b].hi, part[b].lo});
		terms += part[b].terms;
	}
	plan_from_sum(p, op, dt, m, t, sum_err(t, n, terms));
	return 1;
}

int smx_ref_fast_block(const struct smx_ref_plan *p, const double *xb, size_t len,
		       struct smx_refval *out)
{
	return components(p->op, p->dt, xb, 0, len, p->m, (struct dd){p->shi, p->slo}, p->srad,
			  p->below_one, NULL, out);
}

int smx_ref_fast_row(smx_op op, smx_dtype dt, const double *x, size_t n, size_t kmax, double m,
		     struct smx_refval *out)
{
	pthread_once(&k_once, k_init);
	if (!isfinite(m))
		return 0;
	/* a row that is not split keeps its softmax terms for the outputs */
	int keep = op == SMX_OP_SOFTMAX && n < PAR_MIN;
	struct xe *ce = keep ? malloc(n * sizeof *ce) : NULL;
	if (keep && !ce)
		abort(); /* no memory for the reference */
	double eT;
	struct dd t = row_sum(x, n, kmax, m, &eT, ce);
	struct smx_ref_plan p;
	plan_from_sum(&p, op, dt, m, t, eT);
	if (n < PAR_MIN) {
		int ok = components(op, dt, x, 0, n, m, (struct dd){p.shi, p.slo}, p.srad,
				    p.below_one, ce, out);
		free(ce);
		return ok;
	}
	size_t nb = (n + BLOCK - 1) / BLOCK;
	long lnb = (long)nb;
	int ok = 1;
#pragma omp parallel for schedule(static) reduction(&& : ok)
	for (long b = 0; b < lnb; b++) {
		size_t a = (size_t)b * BLOCK, e = a + BLOCK < n ? a + BLOCK : n;
		ok = smx_ref_fast_block(&p, x + a, e - a, out + a) && ok;
	}
	return ok;
}

int smx_ref_fast_lse(smx_dtype dt, const double *x, size_t n, size_t kmax, double m,
		     struct smx_refval *out)
{
	pthread_once(&k_once, k_init);
	if (!isfinite(m))
		return 0;
	double eT;
	struct dd t = row_sum(x, n, kmax, m, &eT, NULL);
	mpfr_t a, b, w;
	mpfr_inits2(256, a, b, w, (mpfr_ptr)0);
	/* a strict end is one known to differ from the exact value */
	int sa = t_interval(a, b, t, eT), sb = sa;
	sa |= mpfr_log1p(a, a, MPFR_RNDD) != 0;
	sb |= mpfr_log1p(b, b, MPFR_RNDU) != 0;
	sa |= mpfr_add_d(a, a, m, MPFR_RNDD) != 0;
	sb |= mpfr_add_d(b, b, m, MPFR_RNDU) != 0;
	int ok = smx_ref_settle(dt, a, sa, b, sb, w, out);
	mpfr_clears(a, b, w, (mpfr_ptr)0);
	return ok;
}

/* Blocked dd sum of s_j g_j over j != skip, and its error bound (see
 * the header); 0 when some |s_j| or |g_j| is 2^400 or more. */
static int dot_dd(const double *s, const double *g, size_t n, size_t skip, struct dd *dot,
		  double *err)
{
	struct dd t = {0, 0}, blk = {0, 0};
	double w = 0; /* sum over the additions of |partial| + |term| */
	size_t tiny = 0;
	int ok = 1;
	for (size_t j = 0; j < n; j++) {
		ok &= fabs(s[j]) < 0x1p400 && fabs(g[j]) < 0x1p400;
		if (j != skip) {
			struct dd p = two_prod(s[j], g[j]);
			tiny += p.hi != 0 && fabs(p.hi) < 0x1p-900;
			w += fabs(blk.hi) + fabs(p.hi);
			blk = dd_add(blk, p);
		}
		if ((j + 1) % BLOCK == 0 || j + 1 == n) {
			w += fabs(t.hi) + fabs(blk.hi);
			t = dd_add(t, blk);
			blk = (struct dd){0, 0};
		}
	}
	/* w is rounded 2n times and the hi parts understate by u; absolute:
	 * products below 2^-900 (Dekker's may lose bits; a sum that lands
	 * below 2^-1022 is exact) */
	*err = (4.01 * U * U * w * (1 + (double)(2 * n + 4) * U) + (double)tiny * TINY) *
	       (1 + 0x1p-50);
	*dot = t;
	return ok;
}

int smx_ref_fast_backward(smx_op op, smx_dtype dt, const double *s, const double *g, size_t n,
			  struct smx_refval *out)
{
	if (op != SMX_OP_VJP && op != SMX_OP_JVP)
		return 0;
	pthread_once(&k_once, k_init);
	struct dd dot, rest = {0, 0};
	double edot, erest = 0;
	if (!dot_dd(s, g, n, n, &dot, &edot))
		return 0;
	/* g_i - <s, g> cancels when s_i is near 1; there it is taken as
	 * g_i (1 - s_i) - sum over j != i of s_j g_j, with 1 - s_i exact
	 * (Sterbenz) and the rest's error scaled by the rest. */
	size_t big = n;
	for (size_t i = 0; i < n; i++)
		if (s[i] > 0.5 && s[i] <= 2)
			big = i;
	if (big < n)
		dot_dd(s, g, n, big, &rest, &erest);
	int ok = 1;
	for (size_t i = 0; i < n && ok; i++) {
		if (s[i] == 0) {
			out[i] =
			    (struct smx_refval){.cr = 0.0, .r = 0.0, .e = smx_dtype_emin_sub(dt)};
			continue;
		}
		struct dd G;
		double eG;
		if (i == big) {
			struct dd q = two_prod(g[i], 1 - s[i]);
			G = dd_add(q, (struct dd){-rest.hi, -rest.lo});
			eG = erest + 4.01 * U * U * (fabs(q.hi) + fabs(rest.hi));
		} else {
			struct dd a = two_sum(g[i], -dot.hi);
			G = two_sum(a.hi, a.lo - dot.lo);
			eG = edot + 2.01 * U * U * (fabs(a.hi) + fabs(dot.hi));
		}
		/* a tiny s_i is scaled up (exactly) so that its product
		 * keeps every bit */
		int k = fabs(s[i]) < 0x1p-800 ? -400 : 0;
		double si = ldexp(s[i], -k);
		struct dd p = two_prod(si, G.hi);
		struct dd v = fast_two_sum(p.hi, p.lo + si * G.lo);
		double A = (fabs(si) * eG + 3.01 * U * U * fabs(v.hi) +
			    (p.hi != 0 && fabs(p.hi) < 0x1p-900 ? 3 * TINY : 0)) *
			   (1 + 0x1p-50);
		ok = decide(dt, v.hi, v.lo, k, A, 0, &out[i]);
	}
	return ok;
}
