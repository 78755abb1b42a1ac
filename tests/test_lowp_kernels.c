/* The recipe kernels of impls/lowp.inc against an MPFR oracle (256 bits)
 * and against their derived bounds (impls/lowp_scalar.h): random rows, edge
 * rows, n = 1, 2, the vector widths and one either side, in place and
 * unaligned. Each failure names the kernel. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <mpfr.h>

#include "lowp.h"
#include "lowp_scalar.h"
#include "rows.h"
#include "smx.h"

enum fmt { BF16, F16, E4M3, E5M2, F32 };
static const int fmt_of_lowp[] = {
    [BF16] = SMX_LOWP_BF16, [F16] = SMX_LOWP_F16, [E4M3] = SMX_LOWP_E4M3, [E5M2] = SMX_LOWP_E5M2};

struct kern {
	const char *op, *name, *recipe;
	enum fmt in, out;
	enum smx_lowp_bound bound;
	unsigned cpu;	  /* SMX_CPU_* bits it needs */
	void (*fn)(void); /* cast back to its type by call() */
};

#define FMT_bf16 BF16
#define FMT_f16 F16
#define FMT_e4m3 E4M3
#define FMT_e5m2 E5M2
#define FMT_f32 F32
#define SMX_LOWP(op, in, algo, name, out, isa, cpu, recipe, bound, note)                           \
	{#op,	    name "/" #isa,  recipe, FMT_##in,                                              \
	 FMT_##out, SMX_LB_##bound, cpu,    (void (*)(void))smx_##op##_##in##_##algo##__##isa},
static const struct kern kerns[] = {
#include "lowp.inc"
};
#undef SMX_LOWP
#define NKERNS (sizeof kerns / sizeof *kerns)

static size_t esize(enum fmt f)
{
	return f == F32 ? 4 : f <= F16 ? 2 : 1;
}

/* Storage of v (rounded once). */
static void put(enum fmt f, void *p, size_t i, double v)
{
	switch (f) {
	case BF16:
		((uint16_t *)p)[i] = smx_bf16_from_double(v);
		break;
	case F16:
		((uint16_t *)p)[i] = smx_f16_from_double(v);
		break;
	case E4M3:
		((uint8_t *)p)[i] = smx_e4m3_from_double(v);
		break;
	case E5M2:
		((uint8_t *)p)[i] = smx_e5m2_from_double(v);
		break;
	case F32:
		((float *)p)[i] = (float)v;
		break;
	}
}

static double get(enum fmt f, const void *p, size_t i)
{
	switch (f) {
	case BF16:
		return smx_bf16_to_float(((const uint16_t *)p)[i]);
	case F16:
		return smx_f16_to_float(((const uint16_t *)p)[i]);
	case E4M3:
		return smx_e4m3_to_float(((const uint8_t *)p)[i]);
	case E5M2:
		return smx_e5m2_to_float(((const uint8_t *)p)[i]);
	default:
		return ((const float *)p)[i];
	}
}

static void call(const struct kern *k, const void *x, void *y, size_t rows, size_t n)
{
	if (k->in == F32)
		((void (*)(const float *, uint8_t *, size_t, size_t))k->fn)(x, y, rows, n);
	else if (k->out <= F16)
		((void (*)(const uint16_t *, uint16_t *, size_t, size_t))k->fn)(x, y, rows, n);
	else
		((void (*)(const uint16_t *, uint8_t *, size_t, size_t))k->fn)(x, y, rows, n);
}

static size_t outlen(const struct kern *k, size_t n)
{
	return strcmp(k->op, "lse") ? n : 1;
}

/* Exact values of one row (x exactly as given), in 256 bits: softmax,
 * log-softmax, lse, or fmax exp(x_i - max) for the amax fp8 kernels. */
static void oracle(const struct kern *k, const double *x, size_t n, double *out)
{
	mpfr_t s, t, m;
	mpfr_inits2(256, s, t, m, (mpfr_ptr)0);
	double mx = -INFINITY;
	for (size_t i = 0; i < n; i++)
		mx = fmax(mx, x[i]);
	mpfr_set_zero(s, 1);
	for (size_t i = 0; i < n; i++) {
		mpfr_set_d(t, x[i] - mx, MPFR_RNDN); /* exact: both are f32 values */
		mpfr_set_d(m, x[i], MPFR_RNDN);
		mpfr_sub_d(t, m, mx, MPFR_RNDN);
		mpfr_exp(t, t, MPFR_RNDN);
		mpfr_add(s, s, t, MPFR_RNDN);
	}
	const int amax = k->bound == SMX_LB_FP8_AMAX;
	const double fmaxv = k->out == E4M3 ? SMX_E4M3_MAX : SMX_E5M2_MAX;
	if (!strcmp(k->op, "lse")) {
		mpfr_log(t, s, MPFR_RNDN);
		mpfr_add_d(t, t, mx, MPFR_RNDN);
		out[0] = mpfr_get_d(t, MPFR_RNDN);
	} else
		for (size_t i = 0; i < n; i++) {
			mpfr_set_d(m, x[i], MPFR_RNDN);
			mpfr_sub_d(t, m, mx, MPFR_RNDN);
			if (!strcmp(k->op, "logsoftmax")) {
				mpfr_log(m, s, MPFR_RNDN);
				mpfr_sub(t, t, m, MPFR_RNDN);
			} else {
				mpfr_exp(t, t, MPFR_RNDN);
				if (amax)
					mpfr_mul_d(t, t, fmaxv, MPFR_RNDN);
				else
					mpfr_div(t, t, s, MPFR_RNDN);
			}
			out[i] = mpfr_get_d(t, MPFR_RNDN);
		}
	mpfr_clears(s, t, m, (mpfr_ptr)0);
}

/* ulp of v in format f, floored at the least subnormal. */
static double ulp_of(enum fmt f, double v)
{
	static const int p[] = {8, 11, 4, 3}, emin[] = {-126, -14, -6, -14};
	int e;
	frexp(v, &e); /* v = m 2^e, m in [1/2, 1) */
	e -= 1;
	if (v == 0 || e < emin[f])
		e = emin[f];
	return ldexp(1, e - (p[f] - 1));
}

static uint64_t rng = 0x2545f4914f6cdd1du;
static double unif(void)
{
	return smx_uniform01(&rng);
}

/* Row families: which are inside a kernel's domain is decided by
 * in_domain. */
enum fam { WIDE, NARROW, EQUAL, SPIKE, SPREAD, NFAM };
static void make_row(enum fam fam, enum fmt in, double *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double v;
		switch (fam) {
		case WIDE:
			v = 20 * unif() - 10;
			break;
		case NARROW:
			v = 6 * unif() - 3;
			break;
		case EQUAL:
			v = 1.5;
			break;
		case SPIKE:
			v = i == n / 2 ? 8 : -2 + unif();
			break;
		default: /* exps from 1 down past every subnormal */
			v = -30 * unif() * (i % 5);
			break;
		}
		void *tmp = &(uint32_t){0};
		put(in, tmp, 0, v);
		x[i] = get(in, tmp, 0);
	}
}

/* The naive kernels promise nothing once exp overflows or underflows (or
 * the sum overflows): keep them to rows of |x| <= 3 with n e^3 below the
 * format's max. */
static int in_domain(const struct kern *k, enum fam fam, size_t n)
{
	const int naive = strstr(k->name, "naive") != NULL;
	if (!naive)
		return 1;
	return (fam == NARROW || fam == EQUAL) && n <= 3000;
}

static const size_t sizes[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000};
#define NSIZES (sizeof sizes / sizeof *sizes)

/* Largest error/bound ratio of kernel k over its families and sizes; fails
 * naming the kernel and the row when an output passes its bound. */
static void check_kernel(const struct kern *k)
{
	if ((smx_cpu_features() & k->cpu) != k->cpu)
		return;
	for (enum fam fam = WIDE; fam < NFAM; fam++)
		for (size_t s = 0; s < NSIZES; s++) {
			const size_t n = sizes[s], rows = 3;
			if (!in_domain(k, fam, n))
				continue;
			double *x = malloc(rows * n * sizeof *x), *ref = malloc(n * sizeof *ref);
			void *xs = malloc(rows * n * esize(k->in));
			void *ys = malloc(rows * n * esize(k->out));
			cr_assert(x && ref && xs && ys);
			for (size_t r = 0; r < rows; r++)
				make_row(fam, k->in, x + r * n, n);
			for (size_t i = 0; i < rows * n; i++)
				put(k->in, xs, i, x[i]);
			call(k, xs, ys, rows, n);
			for (size_t r = 0; r < rows; r++) {
				const double *xr = x + r * n;
				oracle(k, xr, n, ref);
				double mx = -INFINITY, dmax = 0, xmax = 0;
				for (size_t i = 0; i < n; i++)
					mx = fmax(mx, xr[i]);
				for (size_t i = 0; i < n; i++) {
					dmax = fmax(dmax, mx - xr[i]);
					xmax = fmax(xmax, fabs(xr[i]));
				}
				for (size_t i = 0; i < outlen(k, n); i++) {
					const double got = get(k->out, ys, r * outlen(k, n) + i);
					const double want = ref[i];
					const int lse = outlen(k, n) == 1 && !strcmp(k->op, "lse");
					const double d = lse ? 0 : mx - xr[i];
					const double b = smx_lowp_bound(
					    k->bound, fmt_of_lowp[k->out], n, d, dmax, xmax, want);
					double err;
					if (smx_lowp_bound_is_ulp(k->bound))
						err = fabs(got - want) / ulp_of(k->out, want);
					else
						err = fabs(got - want) /
						      (ldexp(ulp_of(k->out, 1), -1) *
						       fmax(1, fabs(want)));
					cr_assert(err <= b,
						  "%s %s %s (%s): family %d n=%zu row %zu out %zu: "
						  "got %a, exact %a, error %g > bound %g",
						  k->op, k->name, k->recipe,
						  k->in == F32 ? "f32" : "16", fam, n, r, i, got,
						  want, err, b);
				}
			}
			free(x);
			free(ref);
			free(xs);
			free(ys);
		}
}

Test(lowp_kernels, every_kernel_within_its_derived_bound, .timeout = 120)
{
	for (size_t k = 0; k < NKERNS; k++)
		check_kernel(&kerns[k]);
}

/* In place, and on rows that start one element past an aligned address,
 * the outputs are the same bits as out of place. */
Test(lowp_kernels, in_place_and_unaligned_give_the_same_bits)
{
	for (size_t k = 0; k < NKERNS; k++) {
		const struct kern *kn = &kerns[k];
		if ((smx_cpu_features() & kn->cpu) != kn->cpu)
			continue;
		for (size_t s = 0; s < NSIZES; s++) {
			const size_t n = sizes[s], rows = 2, ie = esize(kn->in),
				     oe = esize(kn->out);
			const size_t ol = rows * outlen(kn, n);
			unsigned char *xs = malloc((rows * n + 1) * ie), *y1 = malloc(ol * oe),
				      *y2 = malloc((ol + 1) * oe), *xin = malloc(rows * n * ie);
			cr_assert(xs && y1 && y2 && xin);
			double v[1];
			for (size_t i = 0; i < rows * n; i++) {
				make_row(NARROW, kn->in, v, 1);
				put(kn->in, xs + ie, i, v[0]);
			}
			memcpy(xin, xs + ie, rows * n * ie);
			call(kn, xs + ie, y1, rows, n);
			call(kn, xs + ie, y2 + oe, rows, n);
			cr_assert(!memcmp(y1, y2 + oe, ol * oe), "%s %s n=%zu: unaligned differs",
				  kn->op, kn->name, n);
			if (ie == oe) {
				call(kn, xin, xin, rows, n);
				cr_assert(!memcmp(y1, xin, ol * oe),
					  "%s %s n=%zu: in place differs", kn->op, kn->name, n);
			}
			free(xs);
			free(y1);
			free(y2);
			free(xin);
		}
	}
}

/* The bound check bites: a softmax whose sum misses its last term breaks
 * the derived bound at n = 2, and a truncating final conversion breaks the
 * half-ulp bound of the f32-accumulating recipe. */
static void sum_misses_last(const uint16_t *x, uint16_t *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		double s = 0;
		for (size_t i = 0; i + 1 < n; i++)
			s += exp(smx_f16_to_float(x[i]));
		for (size_t i = 0; i < n; i++)
			y[i] = smx_f16_from_double(exp(smx_f16_to_float(x[i])) / (n > 1 ? s : 1));
	}
}

static void truncating_acc32(const uint16_t *x, uint16_t *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		float m = -INFINITY, sum = 0;
		for (size_t i = 0; i < n; i++)
			m = fmaxf(m, smx_bf16_to_float(x[i]));
		for (size_t i = 0; i < n; i++)
			sum += expf(smx_bf16_to_float(x[i]) - m);
		for (size_t i = 0; i < n; i++) {
			const float p = expf(smx_bf16_to_float(x[i]) - m) * (1 / sum);
			uint32_t u;
			memcpy(&u, &p, sizeof u);
			y[i] = (uint16_t)(u >> 16); /* toward zero */
		}
	}
}

static int bites(const struct kern *k)
{
	const size_t n = 2;
	double x[2] = {0.5, -0.25}, ref[2];
	uint16_t xs[2], ys[2];
	int hit = 0;
	for (int t = 0; t < 200; t++) {
		for (size_t i = 0; i < n; i++) {
			put(k->in, xs, i, x[i] + unif());
			x[i] = get(k->in, xs, i);
		}
		call(k, xs, ys, 1, n);
		oracle(k, x, n, ref);
		for (size_t i = 0; i < n; i++) {
			const double err =
			    fabs(get(k->out, ys, i) - ref[i]) / ulp_of(k->out, ref[i]);
			hit |= err > smx_lowp_bound(k->bound, fmt_of_lowp[k->out], n,
						    fabs(x[i] - fmax(x[0], x[1])),
						    fabs(x[0] - x[1]), 1, ref[i]);
		}
		x[0] = 0.5;
		x[1] = -0.25;
	}
	return hit;
}

Test(lowp_kernels, planted_bugs_break_the_bounds)
{
	const struct kern bad1 = {"softmax",
				  "sum_misses_last",
				  "f16>f16>f16",
				  F16,
				  F16,
				  SMX_LB_SOFTMAX_ACC16,
				  0,
				  (void (*)(void))sum_misses_last};
	const struct kern bad2 = {"softmax",
				  "truncating",
				  "bf16>f32>bf16",
				  BF16,
				  BF16,
				  SMX_LB_SOFTMAX_ACC32,
				  0,
				  (void (*)(void))truncating_acc32};
	const struct kern good1 = {"softmax",
				   "shifted.acc16",
				   "f16>f16>f16",
				   F16,
				   F16,
				   SMX_LB_SOFTMAX_ACC16,
				   0,
				   (void (*)(void))smx_softmax_f16_shifted_acc16__scalar};
	const struct kern good2 = {"softmax",
				   "shifted.acc32",
				   "bf16>f32>bf16",
				   BF16,
				   BF16,
				   SMX_LB_SOFTMAX_ACC32,
				   0,
				   (void (*)(void))smx_softmax_bf16_shifted_acc32__scalar};
	cr_assert(bites(&bad1), "a sum missing a term passed the bound");
	cr_assert(bites(&bad2), "truncation passed the half-ulp bound");
	cr_assert(!bites(&good1));
	cr_assert(!bites(&good2));
}

/* Amax scaling: the largest output is fmax itself (no saturation, no
 * headroom lost), and q_i times the returned descale gives p_i back within
 * the fp8 rounding plus the f32 sum's error; a descale that forgot fmax is
 * caught. A fixed scale S returns 1/S. */
Test(lowp_kernels, fp8_amax_descale_gives_p_back)
{
	const size_t n = 100, rows = 3;
	float x[300], desc[3], d1[3];
	uint8_t q[300], q1[300];
	for (size_t i = 0; i < rows * n; i++)
		x[i] = (float)(12 * unif() - 6);
	for (int o = SMX_LOWP_E4M3; o <= SMX_LOWP_E5M2; o++) {
		const enum fmt f = o == SMX_LOWP_E4M3 ? E4M3 : E5M2;
		const double fmaxv = f == E4M3 ? SMX_E4M3_MAX : SMX_E5M2_MAX;
		smx_lowp_softmax_fp8(x, 0, q, desc, rows, n, (enum smx_lowp_fmt)o, 0);
		smx_lowp_softmax_fp8(x, 0, q1, d1, rows, n, (enum smx_lowp_fmt)o, 4);
		for (size_t r = 0; r < rows; r++) {
			double xr[100], p[100], top = 0;
			const struct kern sm = {"softmax", "", "", F32, f, SMX_LB_FP8_S1, 0, NULL};
			for (size_t i = 0; i < n; i++)
				xr[i] = x[r * n + i];
			oracle(&sm, xr, n, p);
			cr_assert_eq(d1[r], 0.25f);
			for (size_t i = 0; i < n; i++) {
				const double qi = get(f, q, r * n + i);
				top = fmax(top, qi);
				const double back = qi * desc[r], wrong = qi / fmaxv * desc[r];
				/* fp8 rounding (half an ulp, relative <= u), the sum
				 * and the descale's two roundings (n + 8) u32 */
				const double u = f == E4M3 ? 0x1p-4 : 0x1p-3;
				const double tol = (u + (n + 8) * 0x1p-24) * p[i] +
						   ldexp(1, f == E4M3 ? -10 : -17) * desc[r];
				cr_assert(fabs(back - p[i]) <= tol,
					  "%s row %zu entry %zu: %a vs %a",
					  f == E4M3 ? "e4m3" : "e5m2", r, i, back, p[i]);
				cr_assert(p[i] < 1e-3 || fabs(wrong - p[i]) > tol);
			}
			cr_assert_eq(top, fmaxv, "the largest output is %a, not fmax", top);
		}
	}
}
