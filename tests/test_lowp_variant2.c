/* ALiBi, sink, plus-one and softcap on bf16 and f16 entries
 * (harness/variant.c derives the claims): the vector shifted.acc32
 * softmax applies them in f32 after the upcast (impls/lowp_variant.c),
 * every other entry before it, through the prelude in the storage format.
 * The test composes both placements itself (each tensor operation rounded
 * to the storage format, or each step in f32), plants one bug at a time
 * in that composition and judges the outputs by the real entry's claim
 * against the exact reference. Each test names the bug it catches. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lowp.h"
#include "measure.h"
#include "rows.h"
#include "smx_impls.h"
#include "testutil.h"
#include "variant.h"

static double val(int bf16, uint16_t h)
{
	return bf16 ? smx_bf16_to_float(h) : smx_f16_to_float(h);
}

static uint16_t bits(int bf16, double v)
{
	return bf16 ? smx_bf16_from_double(v) : smx_f16_from_double(v);
}

/* v rounded to the storage format. */
static double fl(int bf16, double v)
{
	return val(bf16, bits(bf16, v));
}

enum bug {
	NONE,
	SINK_DROPPED,	/* the sink's term left out of the denominator */
	ALIBI_SIGN,	/* slope (r - j) for slope (j - r) */
	SOFTCAP_LATE,	/* the cap after a rounding: in the storage format after
			   fl(x / T); in f32 on fl(x / c), x / c rounded to the
			   storage format before tanh */
	PLUS_ONE_NAIVE, /* + 1 on the sum of exp(x - max), not exp(-max) */
};

/* Has the variant in force a sink (or plus-one)? */
static int has_sink(const struct smx_variant_params *p)
{
	return (p->flags & (SMX_VARIANT_SINK | SMX_VARIANT_PLUS_ONE)) != 0;
}

/* Entry j at query position q the framework's way: each tensor operation
 * rounded to the storage format (the cap as x / c, tanh, * c). */
static double storage_entry(int bf16, double a, size_t j, size_t q,
			    const struct smx_variant_params *p, enum bug bug)
{
	const unsigned f = p->flags;
	const double c = p->softcap;
	if (f & SMX_VARIANT_SOFTCAP && bug != SOFTCAP_LATE)
		a = fl(bf16, c * fl(bf16, tanh(fl(bf16, a / c))));
	if (f & SMX_VARIANT_CAUSAL && (long long)j > (long long)q + p->causal_k)
		a = -INFINITY;
	if (f & SMX_VARIANT_ALIBI) {
		const double k = (double)((long long)j - (long long)q);
		a = fl(bf16, a + fl(bf16, (bug == ALIBI_SIGN ? -k : k) * p->alibi));
	}
	if (f & SMX_VARIANT_TEMPERATURE)
		a = fl(bf16, a / p->temperature);
	if (f & SMX_VARIANT_SOFTCAP && bug == SOFTCAP_LATE)
		a = fl(bf16, c * fl(bf16, tanh(fl(bf16, a / c))));
	return a;
}

/* The same in f32 after the upcast, as impls/lowp_variant.c documents it. */
static float f32_entry(int bf16, float a, size_t j, size_t q, const struct smx_variant_params *p,
		       enum bug bug)
{
	const unsigned f = p->flags;
	if (f & SMX_VARIANT_SOFTCAP) {
		const double y = (double)a / p->softcap;
		a = (float)(p->softcap * tanh(bug == SOFTCAP_LATE ? fl(bf16, y) : y));
	}
	if (f & SMX_VARIANT_CAUSAL && (long long)j > (long long)q + p->causal_k)
		a = -INFINITY;
	if (f & SMX_VARIANT_ALIBI) {
		const double k = (double)((long long)j - (long long)q);
		a += (float)((bug == ALIBI_SIGN ? -k : k) * p->alibi);
	}
	if (f & SMX_VARIANT_TEMPERATURE)
		a /= (float)p->temperature;
	return a;
}

/* Softmax of a (m entries) with 1 added to the sum of exp(a - max): the
 * plus-one bug, in double (more accurate than either placement, so only
 * the bug is measured). */
static void plus_one_naive(const double *a, double *y, size_t m)
{
	double mx = -INFINITY, s = 1;
	for (size_t j = 0; j < m; j++)
		mx = a[j] > mx ? a[j] : mx;
	for (size_t j = 0; j < m; j++)
		s += exp(a[j] - mx);
	for (size_t j = 0; j < m; j++)
		y[j] = exp(a[j] - mx) / s;
}

/* Outputs of rows of x (values of im's dtype) under the variant in force,
 * composed by the test: the storage placement runs im's plain kernel on
 * the composed row (n + 1 entries with the sink); the f32 placement the
 * f32 kernel f32 and one rounding. Row r is query position r. */
static void compose(const struct smx_impl *im, smx_fn_f32 f32, const double *x, double *y,
		    size_t rows, size_t n, enum bug bug)
{
	const int bf16 = im->dtype == SMX_BF16;
	const struct smx_variant_params *p = NULL;
	struct smx_variant_params pv = {.size = sizeof pv};
	const struct smx_variant *v = smx_variant_active();
	cr_assert(v);
	pv.flags = v->flags;
	pv.temperature = fl(bf16, v->temperature);
	pv.softcap = fl(bf16, v->softcap);
	pv.alibi = fl(bf16, v->alibi);
	pv.sink = v->flags & SMX_VARIANT_SINK ? fl(bf16, v->sink) : 0;
	pv.causal_k = v->causal_k;
	p = &pv;
	const size_t w = n + (has_sink(p) && bug != SINK_DROPPED && bug != PLUS_ONE_NAIVE);
	uint16_t *t = malloc((w + 1) * sizeof *t), *o = malloc((w + 1) * sizeof *o);
	float *a = malloc((w + 1) * sizeof *a);
	double *d = malloc((w + 1) * sizeof *d);
	cr_assert(t && o && a && d);
	for (size_t r = 0; r < rows; r++) {
		const double *xr = x + r * n;
		double *yr = y + r * n;
		for (size_t j = 0; j < n; j++) {
			if (f32) {
				a[j] = f32_entry(bf16, (float)xr[j], j, r, p, bug);
				d[j] = a[j];
			} else {
				d[j] = storage_entry(bf16, xr[j], j, r, p, bug);
				t[j] = bits(bf16, d[j]);
			}
		}
		if (w > n) {
			a[n] = (float)p->sink;
			t[n] = bits(bf16, p->sink);
		}
		if (bug == PLUS_ONE_NAIVE) {
			plus_one_naive(d, yr, n);
			for (size_t j = 0; j < n; j++)
				yr[j] = fl(bf16, yr[j]);
		} else if (f32) {
			f32(a, a, 1, w);
			for (size_t j = 0; j < n; j++)
				yr[j] = fl(bf16, a[j]);
		} else {
			im->fn.u16(t, o, 1, w);
			for (size_t j = 0; j < n; j++)
				yr[j] = val(bf16, o[j]);
		}
	}
	free(t);
	free(o);
	free(a);
	free(d);
}

/* The f32 kernel the entry's f32 placement runs, or NULL (the storage
 * placement). */
static smx_fn_f32 f32_kernel(const struct smx_impl *im)
{
	if (!im->fnv.u16)
		return NULL;
	const struct smx_impl *f =
	    smx_registry_find(SMX_OP_SOFTMAX, SMX_F32,
			      strstr(im->name, "avx512") ? "shifted/avx512" : "shifted/avx2");
	cr_assert(f, "%s: no f32 kernel", im->name);
	return f->fn.f32;
}

/* The worst claim fraction of outputs composed with bug, judged by im's
 * claim on rows of dist at n = 7, 33 (rows at query positions 0..11);
 * *bad counts rows NaN, inf, zero or wrong. */
static double judge(const struct smx_impl *im, const char *dist, enum bug bug, size_t *bad)
{
	static const size_t ns[] = {7, 33};
	double worst = 0;
	*bad = 0;
	for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
		struct smx_dist d;
		cr_assert_eq(smx_dist_parse(dist, &d), 0);
		struct smx_case c;
		smx_case_generate(&c, im->op, im->dtype, &d, 11 + k, 12, ns[k]);
		double *y = malloc(c.rows * c.n * sizeof *y);
		cr_assert(y);
		compose(im, f32_kernel(im), c.x, y, c.rows, c.n, bug);
		struct smx_metrics m;
		smx_metrics_init(&m);
		smx_case_fold(im, &c, y, &m);
		*bad += m.nan_rows + m.inf_rows + m.zero_rows + m.wrong_rows;
		worst = fmax(worst, m.decl_ratio);
		free(y);
		smx_case_free(&c);
	}
	return worst;
}

static const struct smx_impl *find(smx_dtype dt, const char *name)
{
	const struct smx_impl *im = smx_registry_find(SMX_OP_SOFTMAX, dt, name);
	cr_assert(im, "no softmax %s %s", smx_dtype_name(dt), name);
	return im;
}

/* One planted bug under opts on rows of dist: the composition with the
 * bug breaks the claim of each placement's entry (bf16 and f16; the f32
 * placement where AVX2 runs), the correct composition holds it. */
static void planted(const char *const *opts, const char *dist, enum bug bug)
{
	static const char *const names[] = {"shifted.acc16/scalar", "shifted.acc32/scalar",
					    "shifted.acc32/avx2"};
	smx_test_set_variant(opts);
	for (int f = 0; f < 2; f++)
		for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
			const struct smx_impl *im = find(f ? SMX_F16 : SMX_BF16, names[i]);
			if (!smx_impl_runnable(im))
				continue;
			size_t nb, ng;
			const double rb = judge(im, dist, bug, &nb),
				     rg = judge(im, dist, NONE, &ng);
			cr_expect(rb > 1 || nb > 0,
				  "%s %s --%s: the planted bug stays within the claim (%g)",
				  smx_dtype_name(im->dtype), im->name, opts[0], rb);
			cr_expect(rg <= 1 && ng == 0,
				  "%s %s --%s: the correct composition breaks the claim (%g, %zu "
				  "bad rows)",
				  smx_dtype_name(im->dtype), im->name, opts[0], rg, ng);
		}
	smx_variant_set(NULL);
}

Test(lowp_variant2, a_dropped_sink_is_caught, .timeout = 300)
{
	static const char *const o[] = {"sink", "3", NULL};
	planted(o, "normal:1", SINK_DROPPED);
}

Test(lowp_variant2, a_flipped_alibi_sign_is_caught, .timeout = 300)
{
	static const char *const o[] = {"alibi", "0.5", NULL};
	planted(o, "normal:3", ALIBI_SIGN);
}

/* The storage placement's bug needs a temperature to round before the cap. */
Test(lowp_variant2, a_softcap_after_the_rounding_is_caught, .timeout = 300)
{
	static const char *const o[] = {"softcap", "20", "temperature", "0.5", NULL};
	planted(o, "uniform:-12,12", SOFTCAP_LATE);
}

/* Rows whose max is far from 0, where exp(-max) is far from 1. */
Test(lowp_variant2, plus_one_on_the_shifted_sum_is_caught, .timeout = 300)
{
	static const char *const o[] = {"plus-one", NULL, NULL};
	planted(o, "uniform:2,6", PLUS_ONE_NAIVE);
}

static const char *const sets[][10] = {
    {"alibi", "0.5", NULL},
    {"alibi", "-0.375", "mask", "causal:1", NULL},
    {"sink", "2", NULL},
    {"sink", "-40", NULL},
    {"plus-one", NULL, NULL},
    {"softcap", "30", NULL},
    {"softcap", "2.5", "temperature", "0.7", NULL},
    {"softcap", "15", "alibi", "0.25", "sink", "1", "temperature", "1.5", NULL},
};
#define NSETS (sizeof sets / sizeof *sets)

/* Bug caught: a prelude or kernel that drifts from the documented
 * composition (k rounded to the format before the product, the cap in one
 * rounding where three are documented or three where one is, the sink not
 * appended or not last, the query position ignored): both placements
 * against the test's own composition, bit for bit, at the query positions
 * 5.. of a call's rows. */
Test(lowp_variant2, both_placements_are_the_documented_composition, .timeout = 120)
{
	static const size_t sizes[] = {1, 2, 7, 8, 9, 16, 17, 33, 100};
	uint64_t rng = 3;
	size_t seen = 0;
	for (size_t s = 0; s < NSETS; s++) {
		smx_test_set_variant(sets[s]);
		for (size_t i = 0; i < smx_registry_count(); i++) {
			const struct smx_impl *im = smx_registry_get(i);
			if ((im->dtype != SMX_BF16 && im->dtype != SMX_F16) ||
			    !smx_variant_op(im->op) || !smx_impl_runnable(im) ||
			    !smx_variant_admits(im))
				continue;
			const int bf16 = im->dtype == SMX_BF16;
			for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
				const size_t n = sizes[z], rows = 3, row0 = 5;
				double x[3 * 100], want[3 * 100 + 5 * 100];
				uint16_t xb[3 * 100], y[3 * 100];
				for (size_t j = 0; j < rows * n; j++) {
					x[j] = fl(bf16, 16 * smx_uniform01(&rng) - 8);
					xb[j] = bits(bf16, x[j]);
				}
				smx_variant_run(im, xb, NULL, y, rows, n, row0);
				/* the composition numbers rows from 0: pad to row0 */
				double xp[8 * 100];
				memset(xp, 0, sizeof xp);
				memcpy(xp + row0 * n, x, rows * n * sizeof *x);
				compose(im, f32_kernel(im), xp, want, row0 + rows, n, NONE);
				for (size_t j = 0; j < rows * n; j++)
					cr_assert(
					    bits(bf16, want[row0 * n + j]) == y[j] ||
						(isnan(want[row0 * n + j]) &&
						 isnan(val(bf16, y[j]))),
					    "%s %s %s set %zu n=%zu entry %zu: %a, composed %a",
					    smx_op_name(im->op), smx_dtype_name(im->dtype),
					    im->name, s, n, j, val(bf16, y[j]), want[row0 * n + j]);
			}
			seen++;
		}
	}
	smx_variant_set(NULL);
	cr_assert(seen >= NSETS * 8, "only %zu entries took the variants", seen);
}

/* Bug caught: a claim that leaves out a placement's rounding (the cap's
 * three storage roundings, the product s k, the f32 tanh), a reference
 * that gets a variant wrong, or a kernel that applies one wrongly: every
 * bf16 and f16 softmax and log-softmax entry that takes the variants,
 * scalar and vector, on generated rows against the exact reference, with
 * no row NaN, inf, zero or wrong and every component within its claim. */
Test(lowp_variant2, every_entry_holds_its_claim_under_each_variant, .timeout = 600)
{
	static const char *const dists[] = {"normal:3", "uniform:-10,10", "lm"};
	static const size_t ns[] = {7, 33, 130};
	size_t seen = 0, f32_seen = 0, storage_seen = 0;
	for (size_t s = 0; s < NSETS; s++) {
		smx_test_set_variant(sets[s]);
		for (int o = 0; o < 2; o++)
			for (int f = 0; f < 2; f++)
				for (size_t di = 0; di < 3; di++)
					for (size_t k = 0; k < 3; k++) {
						const smx_op op =
						    o ? SMX_OP_LOGSOFTMAX : SMX_OP_SOFTMAX;
						const smx_dtype dt = f ? SMX_F16 : SMX_BF16;
						struct smx_dist d;
						cr_assert_eq(smx_dist_parse(dists[di], &d), 0);
						struct smx_case c;
						smx_case_generate(&c, op, dt, &d, 5 + k, 12, ns[k]);
						for (size_t i = 0; i < smx_registry_count(); i++) {
							const struct smx_impl *im =
							    smx_registry_get(i);
							/* (the naive ones overflow these rows by
							 * design) */
							if (im->op != op || im->dtype != dt ||
							    !smx_impl_runnable(im) ||
							    !smx_variant_admits(im) ||
							    im->policy.overflows)
								continue;
							struct smx_metrics m;
							smx_metrics_init(&m);
							smx_measure(im, &c, &m, NULL);
							const size_t bad = m.nan_rows + m.inf_rows +
									   m.zero_rows +
									   m.wrong_rows;
							cr_assert(bad == 0 && !(m.decl_ratio > 1),
								  "set %zu: %s %s %s %s n=%zu: %zu "
								  "bad rows, "
								  "decl_ratio %g",
								  s, smx_op_name(op),
								  smx_dtype_name(dt), im->name,
								  dists[di], ns[k], bad,
								  m.decl_ratio);
							seen++;
							*(im->fnv.u16 ? &f32_seen
								      : &storage_seen) += 1;
						}
						smx_case_free(&c);
					}
	}
	smx_variant_set(NULL);
	cr_assert(storage_seen > 0, "no entry took the variants before the upcast");
	const struct smx_impl *v =
	    smx_registry_find(SMX_OP_SOFTMAX, SMX_BF16, "shifted.acc32/avx2");
	cr_assert(v && (f32_seen > 0 || !smx_impl_runnable(v)),
		  "no entry took the variants after the upcast");
	cr_assert(seen > 0);
}

/* An f16 log-softmax whose exact value lies beyond the format's range
 * (-65504 - 64 - log1p(...), with a sink): the reference rounds it to -inf
 * and marks it. Bug caught: a claim that reads |exact| as inf and turns
 * into NaN, which every output then breaks. */
Test(lowp_variant2, a_log_softmax_beyond_the_range_keeps_a_claim)
{
	static const char *const o[] = {"sink", "2", NULL};
	smx_test_set_variant(o);
	const double x[2] = {-65504, 64};
	struct smx_refval ref[2];
	int status;
	smx_variant_ref_rows(SMX_OP_LOGSOFTMAX, SMX_F16, x, 1, 2, ref, &status);
	cr_assert_eq(status, SMX_REF_OK);
	cr_assert(ref[0].ovf && isinf(ref[0].cr), "the case is not beyond the range");
	size_t seen = 0;
	for (size_t i = 0; i < smx_registry_count(); i++) {
		const struct smx_impl *im = smx_registry_get(i);
		if (im->op != SMX_OP_LOGSOFTMAX || im->dtype != SMX_F16 || !smx_variant_admits(im))
			continue;
		double lim[2] = {NAN, NAN};
		if (!smx_variant_claim_row(im, x, 0, 2, ref, lim))
			continue;
		cr_assert(lim[0] >= 0 && lim[0] < INFINITY && lim[1] >= 0 && lim[1] < INFINITY,
			  "%s: claims %g and %g", im->name, lim[0], lim[1]);
		seen++;
	}
	smx_variant_set(NULL);
	cr_assert(seen > 0);
}

/* Where users meet it. Bug caught: bf16 and f16 entries refusing the
 * variants again (skipped with a note, no rows), smx list not saying the
 * placement, or a parameter the format cannot hold (a sink of 1e5 is inf
 * in f16) blamed on the kernel as NaN rows instead of skipping it. */
Test(lowp_variant2, accuracy_and_list_show_the_variants_on_16_bit_entries, .timeout = 120)
{
	static char out[1 << 16], err[1 << 14];
	cr_assert_eq(smx_test_smx(NULL, NULL, "list", out, sizeof out, err, sizeof err), 0, "%s",
		     err);
	size_t placements = 0;
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n"))
		if (!strncmp(l, "softmax ", 8) && (strstr(l, " bf16 ") || strstr(l, " f16 ")) &&
		    strstr(l, ".acc"))
			placements += strstr(l, " all (in bf16) ") || strstr(l, " all (in f16) ") ||
				      strstr(l, " all (in f32) ");
	cr_assert(placements >= 6, "only %zu bf16/f16 softmax entries list all variants",
		  placements);
	static const char *const opts[] = {"--alibi 0.5", "--sink 2", "--plus-one", "--softcap 30"};
	for (size_t i = 0; i < sizeof opts / sizeof *opts; i++) {
		char args[256];
		snprintf(args, sizeof args,
			 "accuracy --dtype bf16,f16 --op softmax --n 33 --rows 4 --dist normal:3 "
			 "--impl shifted.acc16/scalar,shifted.acc32/scalar %s",
			 opts[i]);
		cr_assert_eq(smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err), 0,
			     "%s: %s", opts[i], err);
		size_t rows = 0;
		for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n"))
			rows +=
			    strstr(l, " softmax ") && (strstr(l, " bf16 ") || strstr(l, " f16 "));
		cr_assert_eq(rows, 4, "%s: %zu rows", opts[i], rows);
	}
	cr_assert_eq(smx_test_smx(NULL, NULL,
				  "accuracy --dtype f16 --op softmax --n 8 --sink 1e5 "
				  "--impl shifted.acc16/scalar",
				  out, sizeof out, err, sizeof err),
		     1);
	cr_assert(strstr(err, "--sink 1e5 rounds to inf in f16"), "%s", err);
}
