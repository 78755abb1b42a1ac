/* Softmax variants; see variant.h and impls/smx_variant.h.
 *
 * The prelude. A built-in (or peer) entry runs a variant as one pass that
 * writes the transformed row in the entry's own dtype, then the plain
 * kernel on it; a sink (or plus-one) is one more entry at the end of the
 * row, whose output is dropped. Per entry, in the dtype T with u = 2^-p:
 *   a = fl(c tanh(x / c))  tanh in double for f32 and in long double for
 *                          f64, then rounded once to T;
 *   a = fl(a + m)          the --mask entry;
 *   a = fl(a + fl(s k))    ALiBi, k = j - r (exact while |k| <= 2^p);
 *   a = fl(a / T)          temperature;
 * a causal mask sets a = a + (-inf).
 *
 * The claim under a variant (derived, not measured). Let t be the row the
 * kernel sees and v the exact transformed row. Each step above moves an
 * entry by at most its rounding, |fl(z) - z| <= (u |fl(z)| + eta) / (1 - u)
 * (eta the least subnormal, twice what a rounding needs), and carries the
 * error before it: through a sum unchanged, through / T divided by T;
 * softcap's tanh in the wider format errs by at most h |c tanh| <= h c,
 * h = 2^-49 (double: x / c and the product by c, 2^-53 each, and the libm
 * tanh budgeted at 4 ulp, 2^-50, above the few ulps glibc's libm-test-ulps
 * records) or h = 2^-58 (long double: 2^-64 each and 16 ulp, 2^-59, for
 * tanhl); tanh passes a relative error of its argument on at most 1:1
 * (y tanh'(y) / tanh(y) = 2y / sinh(2y) <= 1). So
 * |t_j - v_j| <= D_j, computed from the values of t alone. The kernel's own
 * claim B_i holds against softmax(t) (n + 1 entries with a sink), and
 * softmax(t)_i / softmax(v)_i lies within exp(+-(D_i + max_j D_j)): with
 * rho = D_i + max_j D_j and s = softmax(v)_i,
 *   |y_i - s| <= B_i ulp(s') + s expm1(rho),   s' <= s e^rho,
 * so in ulps of s the claim is B_i ulp(s e^rho) / ulp(s) + s expm1(rho) /
 * ulp(s) (log-softmax: |y'_i - y_i| <= rho, the same with rho in place of
 * s expm1(rho); kind abs: units of u max(1, |y|)), times 1 + 2^-40 for
 * this file's own double arithmetic. A row whose t holds a NaN, an
 * infinity that is not a masked -inf, or an entry outside the bound's
 * domain is not claimed. A plug-in that applies a variant itself makes
 * the same claim.
 *
 * bf16 and f16 entries take every variant in one of two placements (smx
 * list: "(in bf16)" or "(in f32)"). Before the upcast (the prelude, every
 * entry but the vector shifted.acc32 softmax), each operation is rounded
 * to the storage format fl, as a framework computing on a bf16 tensor
 * does (x / T in bf16: miles #1554; Gemma 2's cap as three tensor ops):
 *   a = fl(c fl(tanh(fl(x / c))))  tanh in double, rounded once to fl;
 *   a = fl(a + m);
 *   a = fl(a + fl(s k))            k = j - r exact: frameworks build the
 *                                  bias in f32 and cast it, so the
 *                                  product is rounded once;
 *   a = fl(a / T);
 * the sink (0 for plus-one), a value of the format, is one more entry of
 * the row and the unchanged 16-bit kernel runs on n + 1. After the upcast
 * (impls/lowp_variant.c) the same steps run in f32, softcap as the f32
 * prelude's (double, one rounding to f32), the sink one more f32 entry.
 * In either, a double sum, product or quotient of two values of the
 * formats rounded to the format is its correctly rounded operation
 * (53 >= 2p + 2: Figueroa, SIGNUM Newsl. 30 (1995)), and c w below is
 * exact in double (two 11-bit significands), so each step moves an entry
 * by rnd(a) = (u |a| + eta) / (1 - u) in that format's u and eta (bf16
 * 2^-8, 2^-133; f16 2^-11, 2^-24; f32 2^-24, 2^-149), and:
 *   softcap in the storage format: y = fl(x / c) is within e1 = rnd(y) of
 *     x / c; tanh' = 1 / cosh^2 z <= 4 e^(-2 |z|) is largest where |z| is
 *     least on the way, so |tanh y - tanh(x / c)| <= g e1, g = min(1,
 *     4 e^(-2 max(0, |y| - e1))) (a saturated cap passes little on); the
 *     double tanh errs by at most 4 double ulps, 2^-50 |tanh y| <= 2^-50
 *     min(1, |y|) (the budget of the f32 prelude, above the few ulps
 *     glibc's libm-test-ulps records); w = fl(tanh y) adds rnd(w); c w
 *     rounds once: D = c (g e1 + 2^-50 min(1, |y|) + rnd(w)) + rnd(a). A
 *     y that overflowed (f16: x / c beyond 65504) has tanh(x / c) within
 *     2 e^(-2 |x / c|) of +-1, budgeted as 2^-1000.
 *   softcap in f32: D = 2^-49 c + rnd(a), as the f32 prelude.
 *   ALiBi: b = fl(s k) and fl(a + b): D grows by rnd(b) + rnd(a); with
 *     bf16 at k = 1000 and s = 0.5, rnd(b) alone is about 2, so a long
 *     row's claim (and error) grows with the distance.
 *   mask, temperature, causal: as above.
 *   sink, plus-one: exact (the reference uses the same value), D = 0.
 * The kernel's own bound B_i (impls/lowp_scalar.h: SOFTMAX_ACC16,
 * SOFTMAX_NAIVE16, SOFTMAX_ACC32, and the log-softmax ones) holds on the
 * row t it is given: n + 1 entries with the sink, d_i and M measured on
 * t's values (f32 values after the upcast), the domain too; the claim in
 * ulps of the format is then B_i ulp(s e^rho) / ulp(s) + s expm1(rho) /
 * ulp(s) as above, and the test lowp_variant2 checks both placements
 * against the exact reference. */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dtype.h"
#include "measure.h"
#include "runner.h"
#include "ref_variant.h"
#include "util.h"
#include "variant.h"

#if LDBL_MANT_DIG < 64
#error "softcap's f64 prelude needs a long double with a 64-bit significand"
#endif

static struct smx_variant active;
static float *mask32; /* the --mask file in each dtype */
static double *mask64;
/* bf16 and f16: the mask stored in the format, and its values */
static void *mask16[SMX_DTYPE_COUNT];
static double *maskv16[SMX_DTYPE_COUNT];

static int is16(smx_dtype dt)
{
	return smx_dtype_size(dt) == sizeof(uint16_t);
}

static const struct {
	const char *name;
	unsigned flag;
} opts[] = {
    {"temperature", SMX_VARIANT_TEMPERATURE},
    {"mask", SMX_VARIANT_MASK},
    {"alibi", SMX_VARIANT_ALIBI},
    {"sink", SMX_VARIANT_SINK},
    {"plus-one", SMX_VARIANT_PLUS_ONE},
    {"softcap", SMX_VARIANT_SOFTCAP},
};
#define NOPTS (sizeof opts / sizeof *opts)

const struct smx_variant *smx_variant_active(void)
{
	return active.flags ? &active : NULL;
}

static void masks_build(void)
{
	free(mask32);
	free(mask64);
	mask32 = NULL;
	mask64 = NULL;
	for (int d = 0; d < SMX_DTYPE_COUNT; d++) {
		free(mask16[d]);
		free(maskv16[d]);
		mask16[d] = NULL;
		maskv16[d] = NULL;
	}
	if (!(active.flags & SMX_VARIANT_MASK))
		return;
	size_t k = active.mask_rows * active.mask_n;
	mask32 = smx_alloc(k ? k : 1, sizeof *mask32);
	mask64 = smx_alloc(k ? k : 1, sizeof *mask64);
	for (size_t i = 0; i < k; i++) {
		mask32[i] = (float)active.mask[i];
		mask64[i] = active.mask[i];
	}
	for (int d = 0; d < SMX_DTYPE_COUNT; d++)
		if (is16((smx_dtype)d) && smx_dtype_info((smx_dtype)d)->storage) {
			mask16[d] = smx_alloc(k ? k : 1, sizeof(uint16_t));
			maskv16[d] = smx_alloc(k ? k : 1, sizeof *maskv16[d]);
			smx_to_dtype((smx_dtype)d, mask64, mask16[d], k);
			smx_from_dtype((smx_dtype)d, mask16[d], maskv16[d], k);
		}
}

void smx_variant_set(const struct smx_variant *v)
{
	active = v ? *v : (struct smx_variant){0};
	masks_build();
	active.mask = NULL; /* the caller's: its values now live in mask32 and mask64 */
}

static int num(const char *value, double *out)
{
	return !value || smx_parse_double(value, out) || !isfinite(*out) ? -1 : 0;
}

/* Within f32's normal range, so that both dtypes take it without
 * overflow or a zero. */
static int positive(double d)
{
	return d >= FLT_MIN && d <= FLT_MAX;
}

static int parse_mask(struct smx_variant *v, const char *value, char *why, size_t len)
{
	if (!strncmp(value, "causal:", 7)) {
		char *end;
		long long k = strtoll(value + 7, &end, 10);
		if (!value[7] || *end || k < -(1LL << 40) || k > (1LL << 40)) {
			snprintf(why, len, "'%s' is not causal:K with K a whole number", value);
			return -1;
		}
		v->causal = 1;
		v->causal_k = k;
		return 0;
	}
	struct smx_rows rs;
	smx_read_rows("--mask", value, SMX_F32, NULL, &rs);
	size_t w = smx_rows_width(&rs);
	if (!rs.count || w == (size_t)-1 || w == 0) {
		smx_rows_free(&rs);
		snprintf(why, len, "%s: the rows are not all of one length n >= 1", value);
		return -1;
	}
	for (size_t i = 0; i < rs.count * w; i++)
		if (isnan(rs.x[i]) || rs.x[i] == INFINITY) {
			smx_rows_free(&rs);
			snprintf(why, len, "%s: entries are finite or -inf", value);
			return -1;
		}
	free(v->mask);
	v->mask = rs.x;
	v->mask_rows = rs.count;
	v->mask_n = w;
	rs.x = NULL;
	smx_rows_free(&rs);
	return 0;
}

int smx_variant_parse(struct smx_variant *v, const char *name, const char *value, char *why,
		      size_t len)
{
	size_t i = 0;
	while (i < NOPTS && strcmp(opts[i].name, name))
		i++;
	if (i == NOPTS) {
		snprintf(why, len, "not a variant");
		return -1;
	}
	unsigned f = opts[i].flag;
	if (v->flags & f || (f == SMX_VARIANT_MASK && v->flags & SMX_VARIANT_CAUSAL)) {
		snprintf(why, len, "given twice");
		return -1;
	}
	if ((f == SMX_VARIANT_PLUS_ONE && v->flags & SMX_VARIANT_SINK) ||
	    (f == SMX_VARIANT_SINK && v->flags & SMX_VARIANT_PLUS_ONE)) {
		snprintf(why, len,
			 "--sink and --plus-one add the same term (plus-one is --sink 0)");
		return -1;
	}
	double d = 0;
	switch (f) {
	case SMX_VARIANT_TEMPERATURE:
	case SMX_VARIANT_SOFTCAP:
		if (num(value, &d) || !positive(d)) {
			snprintf(why, len, "'%s' is not a number in [FLT_MIN, FLT_MAX]",
				 value ? value : "");
			return -1;
		}
		*(f == SMX_VARIANT_TEMPERATURE ? &v->temperature : &v->softcap) = d;
		break;
	case SMX_VARIANT_ALIBI:
	case SMX_VARIANT_SINK:
		if (num(value, &d) || fabs(d) > FLT_MAX) {
			snprintf(why, len, "'%s' is not a finite number within f32's range",
				 value ? value : "");
			return -1;
		}
		*(f == SMX_VARIANT_ALIBI ? &v->alibi : &v->sink) = d;
		break;
	case SMX_VARIANT_MASK:
		if (!value || parse_mask(v, value, why, len))
			return value ? -1 : (snprintf(why, len, "needs FILE or causal:K"), -1);
		if (v->causal)
			f = SMX_VARIANT_CAUSAL;
		break;
	default:
		break;
	}
	if (value && strlen(value) >= sizeof v->value[i]) {
		snprintf(why, len, "'%.40s...' is too long", value);
		return -1;
	}
	if (value)
		snprintf(v->value[i], sizeof v->value[i], "%s", value);
	v->flags |= f;
	size_t k = strlen(v->text);
	snprintf(v->text + k, sizeof v->text - k, "%s--%s%s%s", k ? " " : "", name,
		 value ? " " : "", value ? value : "");
	return 0;
}

int smx_variant_from_argv(int argc, char **argv)
{
	struct smx_variant v = {0};
	int k = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t o = 0;
		const char *value = NULL, *eq = NULL;
		if (!strncmp(a, "--", 2)) {
			eq = strchr(a, '=');
			size_t nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			while (o < NOPTS &&
			       (strlen(opts[o].name) != nl || strncmp(opts[o].name, a + 2, nl)))
				o++;
		} else {
			o = NOPTS;
		}
		if (o == NOPTS) {
			argv[k++] = argv[i];
			continue;
		}
		if (opts[o].flag == SMX_VARIANT_PLUS_ONE) {
			if (eq)
				smx_die("--plus-one: takes no value");
		} else if (eq) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			smx_die("--%s: needs a value", opts[o].name);
		}
		char why[256];
		if (smx_variant_parse(&v, opts[o].name, value, why, sizeof why))
			smx_die("--%s: %s", opts[o].name, why);
	}
	argv[k] = NULL;
	if (v.flags)
		smx_variant_set(&v);
	free(v.mask);
	return k;
}

static int has_opt(const struct smx_variant *v, size_t o)
{
	return (v->flags & opts[o].flag) || (opts[o].flag == SMX_VARIANT_MASK && v->causal);
}

size_t smx_variant_argv(const char **out)
{
	size_t k = 0;
	for (size_t o = 0; o < NOPTS; o++) {
		unsigned f = opts[o].flag;
		if (!has_opt(&active, o))
			continue;
		static char names[NOPTS][24];
		snprintf(names[o], sizeof names[o], "--%s", opts[o].name);
		out[k++] = names[o];
		if (f != SMX_VARIANT_PLUS_ONE)
			out[k++] = active.value[o];
	}
	return k;
}

void smx_variant_spec(const struct smx_variant *v, char *buf, size_t len)
{
	size_t k = 0;
	buf[0] = 0;
	for (size_t o = 0; v && o < NOPTS && k < len; o++)
		if (has_opt(v, o))
			k += (size_t)snprintf(
			    buf + k, len - k, "%s%s%s%s", k ? "," : "", opts[o].name,
			    opts[o].flag == SMX_VARIANT_PLUS_ONE ? "" : ":", v->value[o]);
}

int smx_variant_parse_spec(struct smx_variant *v, const char *spec, char *why, size_t len)
{
	char buf[320];
	if (strlen(spec) >= sizeof buf) {
		snprintf(why, len, "longer than %zu characters", sizeof buf - 1);
		return -1;
	}
	strcpy(buf, spec);
	for (char *save = NULL, *it = strtok_r(buf, ",", &save); it;
	     it = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(it, ':');
		if (colon)
			*colon = 0;
		const char *value = colon ? colon + 1 : NULL;
		if (!strcmp(it, "mask") && value && strncmp(value, "causal:", 7)) {
			snprintf(why, len, "mask:%.40s: a line takes mask:causal:K only", value);
			return -1;
		}
		char w[256];
		if (smx_variant_parse(v, it, value, w, sizeof w)) {
			snprintf(why, len, "%.40s: %s", it, w);
			return -1;
		}
	}
	return 0;
}

void smx_variant_use_spec(const char *spec)
{
	char now[320];
	smx_variant_spec(smx_variant_active(), now, sizeof now);
	if (!strcmp(now, spec))
		return;
	struct smx_variant v = {0};
	char why[300];
	if (smx_variant_parse_spec(&v, spec, why, sizeof why))
		smx_die("variant=%s: %s", spec, why);
	smx_variant_set(v.flags ? &v : NULL);
	free(v.mask);
	smx_runner_restart();
}

int smx_variant_command_ok(const char *cmd)
{
	static const char *const ok[] = {"accuracy", "check", "hunt", "vet", "perf"};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		if (!strcmp(cmd, ok[i]))
			return 1;
	return 0;
}

int smx_variant_op(smx_op op)
{
	return op == SMX_OP_SOFTMAX || op == SMX_OP_LOGSOFTMAX;
}

int smx_variant_on(smx_op op)
{
	return active.flags && smx_variant_op(op);
}

unsigned smx_variant_support(const struct smx_impl *im)
{
	/* An output format or scale of its own: the prelude and the claims
	 * speak of the dtype. */
	if (smx_impl_out(im) != im->dtype || im->out_scale != 0)
		return 0;
	if (smx_variant_op(im->op) && is16(im->dtype) && im->origin != SMX_ORIGIN_PLUGIN)
		return im->fnv.u16 ? im->variants : SMX_VARIANT_ALL;
	if (!smx_variant_op(im->op) || (im->dtype != SMX_F32 && im->dtype != SMX_F64))
		return 0;
	return im->origin == SMX_ORIGIN_PLUGIN ? im->variants : SMX_VARIANT_ALL;
}

static size_t unfit(smx_dtype dt, double *rounded);

int smx_variant_admits(const struct smx_impl *im)
{
	return !active.flags || ((smx_variant_support(im) & active.flags) == active.flags &&
				 unfit(im->dtype, NULL) == NOPTS);
}

void smx_variant_names(unsigned flags, char *buf, size_t len)
{
	static const char *const names[] = {"temperature", "mask",    "alibi", "sink",
					    "plus-one",	   "softcap", "causal"};
	size_t k = 0;
	buf[0] = 0;
	if (flags == SMX_VARIANT_ALL) {
		snprintf(buf, len, "all");
		return;
	}
	for (unsigned b = 0; b < sizeof names / sizeof *names && k < len; b++)
		if (flags & (1u << b))
			k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? "," : "", names[b]);
	if (!k)
		snprintf(buf, len, "none");
}

static double to_dt(smx_dtype dt, double d)
{
	return smx_dtype_info(dt)->round(d);
}

/* The parameters of an entry of dtype dt: values of dt. */
static struct smx_variant_params params(smx_dtype dt, size_t row0)
{
	return (struct smx_variant_params){
	    .size = sizeof(struct smx_variant_params),
	    .flags = active.flags,
	    .temperature = to_dt(dt, active.temperature),
	    .softcap = to_dt(dt, active.softcap),
	    .alibi = to_dt(dt, active.alibi),
	    .sink = active.flags & SMX_VARIANT_SINK ? to_dt(dt, active.sink) : 0,
	    .mask = active.flags & SMX_VARIANT_MASK ? (is16(dt)	       ? mask16[dt]
						       : dt == SMX_F32 ? (const void *)mask32
								       : (const void *)mask64)
						    : NULL,
	    .mask_rows = active.mask_rows,
	    .row0 = row0,
	    .causal_k = active.causal_k,
	};
}

/* The option whose value dt cannot hold (opts' index; *rounded, when
 * not NULL, the value in dt), or NOPTS: a temperature or softcap that
 * rounds to 0 or inf, a slope or sink that rounds to inf (f16 ends at
 * 65504, and bf16 rounds FLT_MAX up). The entry would be blamed for the
 * format's overflow, so it is skipped. */
static size_t unfit(smx_dtype dt, double *rounded)
{
	const struct smx_variant_params p = params(dt, 0);
	const double v[NOPTS] = {p.temperature, 1, p.alibi, p.sink, 1, p.softcap};
	for (size_t o = 0; o < NOPTS; o++)
		if (active.flags & opts[o].flag && !(isfinite(v[o]) && v[o] != 0) &&
		    !(v[o] == 0 && (opts[o].flag & (SMX_VARIANT_ALIBI | SMX_VARIANT_SINK)))) {
			if (rounded)
				*rounded = v[o];
			return o;
		}
	return NOPTS;
}

static int has_sink(unsigned flags)
{
	return (flags & (SMX_VARIANT_SINK | SMX_VARIANT_PLUS_ONE)) != 0;
}

/* |fl(z) - z| for the rounded value w of dtype (u, eta). */
static double rnd(double w, double u, double eta)
{
	return (u * fabs(w) + eta) / (1 - u);
}

/* One entry of the prelude in T (HP the wider format for tanh), step by
 * step; *D receives the bound on its distance from the exact value and
 * *bad whether it overflowed (an infinity not from a -inf input or
 * mask). */
#define SMX_PRELUDE_ENTRY(T, SUF, HP, TANH, H)                                                     \
	static T entry_##SUF(T a, size_t j, size_t q, const struct smx_variant_params *p,          \
			     const T *mrow, double *D, int *bad)                                   \
	{                                                                                          \
		const double u = 0.5 * (double)(T##_EPS), eta = (double)(T##_TRUE_MIN);            \
		double d = 0;                                                                      \
		int masked = a == -(T)INFINITY && !(p->flags & SMX_VARIANT_SOFTCAP);               \
		if (p->flags & SMX_VARIANT_SOFTCAP) {                                              \
			HP c = (HP)p->softcap;                                                     \
			a = (T)(c * TANH((HP)a / c));                                              \
			d = (H)*p->softcap + rnd(a, u, eta);                                       \
		}                                                                                  \
		if (p->flags & SMX_VARIANT_MASK) {                                                 \
			masked |= mrow[j] == -(T)INFINITY;                                         \
			a = a + mrow[j];                                                           \
			d += rnd(a, u, eta);                                                       \
		}                                                                                  \
		if (p->flags & SMX_VARIANT_CAUSAL && (long long)j > (long long)q + p->causal_k) {  \
			masked = 1;                                                                \
			a = a + -(T)INFINITY;                                                      \
		}                                                                                  \
		if (p->flags & SMX_VARIANT_ALIBI) {                                                \
			T k = (T)((long long)j - (long long)q), s = (T)p->alibi, b = s * k;        \
			a = a + b;                                                                 \
			d += fabs(p->alibi) * rnd(k, u, 0) + rnd(b, u, eta) + rnd(a, u, eta);      \
		}                                                                                  \
		if (p->flags & SMX_VARIANT_TEMPERATURE) {                                          \
			a = a / (T)p->temperature;                                                 \
			d = d / p->temperature + rnd(a, u, eta);                                   \
		}                                                                                  \
		*D = isinf(a) && masked && a < 0 ? 0 : d;                                          \
		*bad = !isfinite(a) && !(masked && a == -(T)INFINITY);                             \
		return a;                                                                          \
	}                                                                                          \
	/* Rows of n from x into t, rows of w (n + 1 with a sink): entry_'s                        \
	 * steps, one loop a step so that the loops vectorize; the claim                           \
	 * checks that both give the same values. */                                               \
	static void prelude_##SUF(const T *x, T *t, size_t rows, size_t n, size_t w,               \
				  const struct smx_variant_params *p)                              \
	{                                                                                          \
		unsigned f = p->flags;                                                             \
		for (size_t r = 0; r < rows; r++) {                                                \
			size_t q = p->row0 + r;                                                    \
			const T *xr = x + r * n;                                                   \
			T *tr = t + r * w;                                                         \
			if (f & SMX_VARIANT_SOFTCAP) {                                             \
				HP c = (HP)p->softcap;                                             \
				for (size_t j = 0; j < n; j++)                                     \
					tr[j] = (T)(c * TANH((HP)xr[j] / c));                      \
			} else {                                                                   \
				memcpy(tr, xr, n * sizeof *tr);                                    \
			}                                                                          \
			if (f & SMX_VARIANT_MASK) {                                                \
				const T *m = (const T *)p->mask + (q % p->mask_rows) * n;          \
				for (size_t j = 0; j < n; j++)                                     \
					tr[j] = tr[j] + m[j];                                      \
			}                                                                          \
			if (f & SMX_VARIANT_CAUSAL)                                                \
				for (size_t j = 0; j < n; j++)                                     \
					if ((long long)j > (long long)q + p->causal_k)             \
						tr[j] = tr[j] + -(T)INFINITY;                      \
			if (f & SMX_VARIANT_ALIBI) {                                               \
				T s = (T)p->alibi;                                                 \
				for (size_t j = 0; j < n; j++)                                     \
					tr[j] = tr[j] + s * (T)((long long)j - (long long)q);      \
			}                                                                          \
			if (f & SMX_VARIANT_TEMPERATURE) {                                         \
				T d = (T)p->temperature;                                           \
				for (size_t j = 0; j < n; j++)                                     \
					tr[j] = tr[j] / d;                                         \
			}                                                                          \
			if (w > n)                                                                 \
				tr[n] = (T)p->sink;                                                \
		}                                                                                  \
	}
#define float_EPS FLT_EPSILON
#define float_TRUE_MIN FLT_TRUE_MIN
#define double_EPS DBL_EPSILON
#define double_TRUE_MIN DBL_TRUE_MIN
SMX_PRELUDE_ENTRY(float, f32, double, tanh, 0x1p-49)
SMX_PRELUDE_ENTRY(double, f64, long double, tanhl, 0x1p-58)

/* One entry of a 16-bit entry's steps, each rounded to the format of
 * cdt: the storage format (the prelude, before the upcast) or f32
 * (kernels that apply the variant after it; impls/lowp_variant.c). A
 * double sum, product or quotient of two values of these formats rounded
 * to the format is the format's own correctly rounded operation
 * (Figueroa, SIGNUM Newsl. 30 (1995): 53 >= 2p + 2), so this is also the
 * f32 kernel's arithmetic. *D and *bad as entry_f32. */
static double entry16(double a, size_t j, size_t q, const struct smx_variant_params *p,
		      const double *mrow, smx_dtype cdt, double *D, int *bad)
{
	const struct smx_dtype_info *ci = smx_dtype_info(cdt);
	const double u = ldexp(1.0, -ci->prec), eta = ldexp(1.0, ci->emin_sub);
	double d = 0;
	int masked = a == -INFINITY && !(p->flags & SMX_VARIANT_SOFTCAP);
	if (p->flags & SMX_VARIANT_SOFTCAP) {
		const double c = p->softcap;
		if (cdt == SMX_F32) {
			a = ci->round(c * tanh(a / c));
			d = 0x1p-49 * c + rnd(a, u, eta);
		} else {
			const double y = ci->round(a / c), w = ci->round(tanh(y));
			/* y overflowed: tanh of the finite x / c is 1 to within
			 * 2 e^(-2 |x / c|), far below 2^-1000 */
			const double e1 = isinf(y) ? (isinf(a) ? 0 : 0x1p-1000) : rnd(y, u, eta);
			const double g =
			    isinf(y) ? 1 : fmin(1, 4 * exp(-2 * fmax(0, fabs(y) - e1)));
			const double ew = g * e1 + 0x1p-50 * fmin(1, fabs(y)) + rnd(w, u, eta);
			a = ci->round(c * w);
			d = c * ew + rnd(a, u, eta);
		}
	}
	if (p->flags & SMX_VARIANT_MASK) {
		masked |= mrow[j] == -INFINITY;
		a = ci->round(a + mrow[j]);
		d += rnd(a, u, eta);
	}
	if (p->flags & SMX_VARIANT_CAUSAL && (long long)j > (long long)q + p->causal_k) {
		masked = 1;
		a = a + -INFINITY;
	}
	if (p->flags & SMX_VARIANT_ALIBI) {
		const double b = ci->round(p->alibi * (double)((long long)j - (long long)q));
		a = ci->round(a + b);
		d += rnd(b, u, eta) + rnd(a, u, eta);
	}
	if (p->flags & SMX_VARIANT_TEMPERATURE) {
		a = ci->round(a / p->temperature);
		d = d / p->temperature + rnd(a, u, eta);
	}
	*D = isinf(a) && masked && a < 0 ? 0 : d;
	*bad = !isfinite(a) && !(masked && a == -INFINITY);
	return a;
}

/* The prelude of a 16-bit entry: rows of n of x (format dt) into rows of
 * w of t (n + 1 with a sink, the sink last), each step rounded to the
 * format. */
static void prelude16(smx_dtype dt, const void *x, void *t, size_t rows, size_t n, size_t w,
		      const struct smx_variant_params *p)
{
	const struct smx_dtype_info *di = smx_dtype_info(dt);
	for (size_t r = 0; r < rows; r++) {
		const size_t q = p->row0 + r;
		const double *m = p->mask ? maskv16[dt] + (q % p->mask_rows) * n : NULL;
		for (size_t j = 0; j < n; j++) {
			double D;
			int bad;
			di->store(t, r * w + j,
				  entry16(di->load(x, r * n + j), j, q, p, m, dt, &D, &bad));
		}
		if (w > n)
			di->store(t, r * w + n, p->sink);
	}
}

/* Room for rows of w values of es bytes (the prelude's rows: n entries
 * and the sink's). */
static unsigned char *wide_rows(size_t rows, size_t w, size_t es)
{
	size_t cells;
	if (smx_mul_overflows(rows, w, &cells))
		smx_die("rows x n overflows");
	return smx_alloc(cells ? cells : 1, es);
}

/* Run the plain kernel of im on the prelude's rows t (w values each, freed
 * here) into out (n values each): the sink's output is dropped. */
static void run_wide(const struct smx_impl *im, unsigned char *t, void *out, size_t rows, size_t n,
		     size_t w)
{
	const size_t es = smx_dtype_size(smx_impl_out(im));
	unsigned char *o = w > n ? wide_rows(rows, w, es) : out;
	smx_impl_run(im, t, NULL, o, rows, w);
	if (w > n)
		for (size_t r = 0; r < rows; r++)
			memcpy((unsigned char *)out + r * n * es, o + r * w * es, n * es);
	if (o != out)
		free(o);
	free(t);
}

/* A 16-bit entry under the variant: its own variant kernel, or the
 * prelude and the plain kernel on rows of w, the sink's output dropped. */
static void run16(const struct smx_impl *im, const void *a, void *out, size_t rows, size_t n,
		  const struct smx_variant_params *p)
{
	if (im->fnv.u16) {
		im->fnv.u16(a, out, rows, n, p);
		return;
	}
	const size_t w = n + (size_t)has_sink(p->flags);
	unsigned char *t = wide_rows(rows, w, sizeof(uint16_t));
	prelude16(im->dtype, a, t, rows, n, w, p);
	run_wide(im, t, out, rows, n, w);
}

void smx_variant_run(const struct smx_impl *im, const void *a, const void *b, void *out,
		     size_t rows, size_t n, size_t row0)
{
	if (!smx_variant_on(im->op)) {
		smx_impl_run(im, a, b, out, rows, n);
		return;
	}
	struct smx_variant_params p = params(im->dtype, row0);
	if (im->origin == SMX_ORIGIN_PLUGIN) {
		if (im->dtype == SMX_F32)
			im->fnv.f32(a, out, rows, n, &p);
		else
			im->fnv.f64(a, out, rows, n, &p);
		return;
	}
	if (is16(im->dtype)) {
		run16(im, a, out, rows, n, &p);
		return;
	}
	size_t w = n + (size_t)has_sink(active.flags);
	unsigned char *t = wide_rows(rows, w, smx_dtype_size(im->dtype));
	if (im->dtype == SMX_F32)
		prelude_f32(a, (float *)(void *)t, rows, n, w, &p);
	else
		prelude_f64(a, (double *)(void *)t, rows, n, w, &p);
	run_wide(im, t, out, rows, n, w);
}

static void need_width(size_t n)
{
	if (active.flags & SMX_VARIANT_MASK && active.mask_n != n)
		smx_die("--mask: the file's rows have %zu entries, the rows measured %zu (give --n "
			"%zu)",
			active.mask_n, n, active.mask_n);
}

void smx_variant_ref_rows(smx_op op, smx_dtype dt, const double *x, size_t rows, size_t n,
			  struct smx_refval *out, int *status)
{
	need_width(n);
	struct smx_variant_params p = params(dt, 0);
	long nr = (long)rows;
#pragma omp parallel for schedule(dynamic, 1) if (nr > 1)
	for (long r = 0; r < nr; r++) {
		struct smx_ref_variant v = {
		    .flags = p.flags,
		    .temperature = p.temperature,
		    .softcap = p.softcap,
		    .alibi = p.alibi,
		    .sink = p.sink,
		    .mask = p.mask
				? (is16(dt) ? maskv16[dt] : mask64) + ((size_t)r % p.mask_rows) * n
				: NULL,
		    .pos = r,
		    .causal_k = p.causal_k,
		};
		status[r] =
		    smx_ref_variant_row(op, dt, &v, x + (size_t)r * n, n, out + (size_t)r * n);
	}
}

/* 2^e with e the exponent of ulp(z) in dt (z >= 0), floored at the least
 * subnormal. */
static double ulp_dt(smx_dtype dt, double z)
{
	int p = smx_dtype_prec(dt), emin = smx_dtype_emin_sub(dt);
	if (!(z > 0))
		return ldexp(1.0, emin);
	if (isinf(z))
		return INFINITY;
	int e = ilogb(z) - (p - 1);
	return ldexp(1.0, e < emin ? emin : e);
}

/* The claim's per-entry values against the prelude's row loops: the
 * claim is about the values the kernel sees, so they must agree bit for
 * bit. */
static void same_as_prelude(smx_dtype dt, const double *x, const double *t, size_t n, size_t w,
			    const struct smx_variant_params *p)
{
	size_t es = smx_dtype_size(dt);
	unsigned char *in = smx_alloc(n ? n : 1, es), *out = smx_alloc(w ? w : 1, es);
	double *got = smx_alloc(w ? w : 1, sizeof *got);
	smx_to_dtype(dt, x, in, n);
	if (is16(dt))
		prelude16(dt, in, out, 1, n, w, p);
	else if (dt == SMX_F32)
		prelude_f32((const float *)(void *)in, (float *)(void *)out, 1, n, w, p);
	else
		prelude_f64((const double *)(void *)in, (double *)(void *)out, 1, n, w, p);
	smx_from_dtype(dt, out, got, w);
	for (size_t j = 0; j < w; j++)
		if (memcmp(&got[j], &t[j], sizeof got[j]) && !(isnan(got[j]) && isnan(t[j])))
			smx_die("internal: the prelude and its claim disagree at entry %zu", j);
	free(in);
	free(out);
	free(got);
}

int smx_variant_claim_row(const struct smx_impl *im, const double *x, size_t r, size_t n,
			  const struct smx_refval *ref, double *lim)
{
	const struct smx_bound *b = &im->bound;
	if (!isfinite(b->c0))
		return 0;
	smx_dtype dt = im->dtype;
	struct smx_variant_params p = params(dt, r);
	size_t w = n + (size_t)has_sink(p.flags);
	double *t = smx_alloc(w, sizeof *t), *D = smx_alloc(w, sizeof *D);
	int bad = 0;
	for (size_t j = 0; j < n && !bad; j++) {
		if (is16(dt)) {
			const double *m = p.mask ? maskv16[dt] + (r % p.mask_rows) * n : NULL;
			t[j] = entry16(x[j], j, r, &p, m, im->fnv.u16 ? SMX_F32 : dt, &D[j], &bad);
		} else if (dt == SMX_F32) {
			const float *m = p.mask ? mask32 + (r % p.mask_rows) * n : NULL;
			t[j] = entry_f32((float)x[j], j, r, &p, m, &D[j], &bad);
		} else {
			const double *m = p.mask ? mask64 + (r % p.mask_rows) * n : NULL;
			t[j] = entry_f64(x[j], j, r, &p, m, &D[j], &bad);
		}
	}
	if (w > n) {
		t[n] = p.sink;
		D[n] = 0;
	}
	/* (a kernel that applies the variant itself is checked by its tests) */
	if (!bad && !(is16(dt) && im->fnv.u16))
		same_as_prelude(dt, x, t, n, w, &p);
	double tmax = -INFINITY, Dmax = 0;
	for (size_t j = 0; j < w && !bad; j++) {
		bad = b->domain > 0 && !(fabs(t[j]) <= b->domain || t[j] == -INFINITY);
		tmax = t[j] > tmax ? t[j] : tmax;
		Dmax = D[j] > Dmax ? D[j] : Dmax;
	}
	double dmax = 0;
	for (size_t j = 0; j < w && !bad; j++)
		if (isfinite(t[j]) && tmax - t[j] > dmax)
			dmax = tmax - t[j];
	int p_ = smx_dtype_prec(dt);
	double u = ldexp(1.0, -p_);
	for (size_t i = 0; i < n && !bad; i++) {
		double d = isfinite(t[i]) ? tmax - t[i] : 0;
		double B = smx_bound_at(b, w, d, dmax), rho = D[i] + Dmax;
		double ue = ldexp(1.0, ref[i].e);
		/* |exact| and a lower bound on it; beyond the range (a 16-bit
		 * log-softmax can get there), measured from max_finite, in whose
		 * units smx_bound_measure reads an abs error */
		double s = fabs(ref[i].cr), lo = s - 0.5 * ue;
		if (ref[i].ovf) {
			lo = smx_dtype_info(dt)->max_finite;
			s = lo + fabs(ldexp(ref[i].r, ref[i].e)) + ue;
		}
		double v = s + ue; /* > |exact|, and not 0 */
		double l;
		if (t[i] == -INFINITY) /* masked: exact 0 (-inf), and so is the kernel's */
			l = B;
		else if (b->kind == SMX_BOUND_ABS)
			l = B * fmax(1, v + rho) / fmax(1, lo) + rho / (u * fmax(1, lo));
		else if (im->op == SMX_OP_SOFTMAX)
			l = B * ulp_dt(dt, v * exp(rho)) / ue + v * expm1(rho) / ue;
		else
			l = B * ulp_dt(dt, v + rho) / ue + rho / ue;
		lim[i] = l * (1 + 0x1p-40);
	}
	free(t);
	free(D);
	return !bad;
}

void smx_variant_support_text(const struct smx_impl *im, char *buf, size_t len)
{
	unsigned f = smx_variant_support(im);
	smx_variant_names(f, buf, len);
	if (f && is16(im->dtype)) {
		size_t k = strlen(buf);
		snprintf(buf + k, len - k, " (in %s)",
			 im->fnv.u16 ? "f32" : smx_dtype_name(im->dtype));
	}
}

void smx_variant_skip_why(const struct smx_impl *im, char *why, size_t len)
{
	char has[96];
	double r = 0;
	const size_t o = unfit(im->dtype, &r);
	if ((smx_variant_support(im) & active.flags) == active.flags && o < NOPTS) {
		snprintf(why, len, "--%s %s rounds to %g in %s", opts[o].name, active.value[o], r,
			 smx_dtype_name(im->dtype));
		return;
	}
	smx_variant_names(smx_variant_support(im), has, sizeof has);
	snprintf(why, len, "it does not apply %s (it applies: %s)", active.text, has);
}
