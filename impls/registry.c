/* The registry: built-ins from impls.inc, then the peers compiled in, then
 * plug-ins. Everything that lists implementations reads it from here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smx.h"
#include "smx_impls.h"
#include "smx_xent.h"
#include "lowp_scalar.h"
#include "lowp_variant.h"
#include "peers.h"

#define SMX_IMPL(op_, dt_, algo_, isa_, cpu_, neg_, pos_, ovf_, kind_, c0_, cn_, cd_, cm_, dom_,   \
		 note_)                                                                            \
	{.name = #algo_ "/" #isa_,                                                                 \
	 .algo = #algo_,                                                                           \
	 .isa = #isa_,                                                                             \
	 .op = SMX_OP_##op_##_,                                                                    \
	 .dtype = SMX_##dt_##_,                                                                    \
	 .SMX_FIELD(op_).dt_ = smx_##op_##_##dt_##_##algo_##__##isa_,                              \
	 .cpu = (cpu_),                                                                            \
	 .policy = {.all_neginf = SMX_EDGE_##neg_,                                                 \
		    .pos_inf = SMX_EDGE_##pos_,                                                    \
		    .overflows = (ovf_)},                                                          \
	 .bound = {.kind = SMX_BOUND_##kind_,                                                      \
		   .c0 = (c0_),                                                                    \
		   .cn = (cn_),                                                                    \
		   .cd = (cd_),                                                                    \
		   .cm = (cm_),                                                                    \
		   .domain = (dom_)},                                                              \
	 .origin = SMX_ORIGIN_BUILTIN,                                                             \
	 .note = (note_)},
#define SMX_f32_ SMX_F32
#define SMX_f64_ SMX_F64
static const struct smx_impl builtins[] = {
#include "impls.inc"
};
#undef SMX_IMPL

/* The reduced-precision kernels (impls/lowp.inc), under their storage
 * (input) format, each with its output format. Their bounds are the
 * families derived in impls/lowp_scalar.h: products like (1 - u)^-(n-1)
 * that the linear form cannot hold, so smx_bound_at evaluates the family
 * itself. */
static double lowp_bound_at(const struct smx_bound *b, size_t n, double d, double dmax)
{
	/* The log-domain families' y terms, (a + c |y|) / max(1, |y|) with
	 * a >= c, peak at |y| = 1; the naive log-softmax's max |x| is at most
	 * the domain. */
	return smx_lowp_bound((enum smx_lowp_bound)b->family, (enum smx_lowp_fmt)b->fmt, n, d, dmax,
			      b->domain, 1);
}

/* Edge policies and domains by algorithm. The shifted kernels take
 * exp(-inf - -inf) and exp(inf - inf): NaN rows. The naive ones overflow:
 * f16's exp overflows above 11.09, and a sum of n terms below e^2 stalls
 * (its terms drop below half an ulp) before 2^15, so |x| <= 2 keeps every
 * exp and the sum finite and normal; bf16 keeps e^80 2^9 below its max
 * and e^-80 above its least normal; f32 sums (lse naive.acc32) stall by
 * 2^25 e^60 < FLT_MAX. A naive lse's empty sum gives log 0 = -inf and an
 * infinite one +inf: the limits. */
#define LOWP_NEG_softmax_shifted_acc32 SMX_EDGE_NAN
#define LOWP_NEG_softmax_shifted_acc16 SMX_EDGE_NAN
#define LOWP_NEG_softmax_naive_acc16 SMX_EDGE_NAN
#define LOWP_NEG_logsoftmax_shifted_acc32 SMX_EDGE_NAN
#define LOWP_NEG_logsoftmax_shifted_acc16 SMX_EDGE_NAN
#define LOWP_NEG_logsoftmax_naive_acc16 SMX_EDGE_NAN
#define LOWP_NEG_lse_shifted_acc32 SMX_EDGE_NAN
#define LOWP_NEG_lse_shifted_acc16 SMX_EDGE_NAN
#define LOWP_NEG_lse_naive_acc32 SMX_EDGE_LIMIT
#define LOWP_NEG_lse_naive_acc16 SMX_EDGE_LIMIT
/* The f32-accumulating lse takes an infinite max as the answer. */
#define LOWP_POS_lse_shifted_acc32 SMX_EDGE_LIMIT
#define LOWP_POS_lse_naive_acc32 SMX_EDGE_LIMIT
#define LOWP_POS_lse_naive_acc16 SMX_EDGE_LIMIT
#define LOWP_OVF_shifted_acc32 0
#define LOWP_OVF_shifted_acc16 0
#define LOWP_OVF_naive_acc16 1
#define LOWP_OVF_naive_acc32 1
#define LOWP_DOM_bf16_naive_acc16 80
#define LOWP_DOM_f16_naive_acc16 2
#define LOWP_DOM_bf16_naive_acc32 60
#define LOWP_DOM_f16_naive_acc32 60
#define LOWP_DOM_bf16_shifted_acc32 0
#define LOWP_DOM_f16_shifted_acc32 0
#define LOWP_DOM_bf16_shifted_acc16 0
#define LOWP_DOM_f16_shifted_acc16 0

struct lowp_entry {
	struct smx_impl im;
	smx_dtype out;
};
#define SMX_LOWP(op_, in_, algo_, name_, out_, isa_, cpu_, recipe_, bound_, note_)                 \
	{{.name = name_ "/" #isa_,                                                                 \
	  .algo = name_,                                                                           \
	  .isa = #isa_,                                                                            \
	  .op = SMX_OP_##op_##_,                                                                   \
	  .dtype = SMX_##in_##_,                                                                   \
	  .fn.u16 = (smx_fn_u16)(void (*)(void))smx_##op_##_##in_##_##algo_##__##isa_,             \
	  .cpu = (cpu_),                                                                           \
	  .policy = {.all_neginf = LOWP_EDGE(NEG, op_, algo_, isa_),                               \
		     .pos_inf = LOWP_EDGE(POS, op_, algo_, isa_),                                  \
		     .overflows = LOWP_OVF(algo_)},                                                \
	  .bound = {.kind = SMX_BOUND_ULP,                                                         \
		    .domain = LOWP_DOM(in_, algo_),                                                \
		    .at = lowp_bound_at,                                                           \
		    .family = SMX_LB_##bound_,                                                     \
		    .fmt = LOWP_FMT_##out_,                                                        \
		    .form = #bound_},                                                              \
	  .origin = SMX_ORIGIN_BUILTIN,                                                            \
	  .note = (note_),                                                                         \
	  .recipe = (recipe_)},                                                                    \
	 SMX_##out_##_},
#define LOWP_POS_softmax_shifted_acc32 SMX_EDGE_NAN
#define LOWP_POS_softmax_shifted_acc16 SMX_EDGE_NAN
#define LOWP_POS_softmax_naive_acc16 SMX_EDGE_NAN
#define LOWP_POS_logsoftmax_shifted_acc32 SMX_EDGE_NAN
#define LOWP_POS_logsoftmax_shifted_acc16 SMX_EDGE_NAN
#define LOWP_POS_logsoftmax_naive_acc16 SMX_EDGE_NAN
#define LOWP_POS_lse_shifted_acc16 SMX_EDGE_NAN
/* The vector kernels' edges are their f32 kernels' (lowp_lse_simd.inc). */
#define LOWP_EDGE(k, op, a, isa) LOWP_EDGE_##isa(k, op, a)
#define LOWP_EDGE_scalar(k, op, a) LOWP_##k##_##op##_##a
#define LOWP_EDGE_avx2(k, op, a) LOWP_##k##_##op##_##a##_vec
#define LOWP_EDGE_avx512(k, op, a) LOWP_##k##_##op##_##a##_vec
#define LOWP_NEG_softmax_shifted_acc32_vec SMX_EDGE_NAN
#define LOWP_POS_softmax_shifted_acc32_vec SMX_EDGE_NAN
#define LOWP_NEG_logsoftmax_shifted_acc32_vec SMX_EDGE_NAN
#define LOWP_POS_logsoftmax_shifted_acc32_vec SMX_EDGE_NAN
#define LOWP_NEG_lse_shifted_acc32_vec SMX_EDGE_LIMIT
#define LOWP_POS_lse_shifted_acc32_vec SMX_EDGE_NAN
#define LOWP_OVF(a) LOWP_OVF_##a
#define LOWP_DOM(in, a) LOWP_DOM_##in##_##a
#define LOWP_FMT_bf16 SMX_LOWP_BF16
#define LOWP_FMT_f16 SMX_LOWP_F16
#define LOWP_FMT_e4m3 SMX_LOWP_E4M3
#define LOWP_FMT_e5m2 SMX_LOWP_E5M2
#define SMX_bf16_ SMX_BF16
#define SMX_f16_ SMX_F16
#define SMX_e4m3_ SMX_E4M3
#define SMX_e5m2_ SMX_E5M2
#define LOWP_NEG_softmax_shifted_e4m3_amax SMX_EDGE_NAN
#define LOWP_NEG_softmax_shifted_e4m3_s1 SMX_EDGE_NAN
#define LOWP_NEG_softmax_shifted_e5m2_amax SMX_EDGE_NAN
#define LOWP_NEG_softmax_shifted_e5m2_s1 SMX_EDGE_NAN
#define LOWP_POS_softmax_shifted_e4m3_amax SMX_EDGE_NAN
#define LOWP_POS_softmax_shifted_e4m3_s1 SMX_EDGE_NAN
#define LOWP_POS_softmax_shifted_e5m2_amax SMX_EDGE_NAN
#define LOWP_POS_softmax_shifted_e5m2_s1 SMX_EDGE_NAN
/* The vector ones keep the scalar entries' edges (fp8_simd.inc). */
#define LOWP_NEG_softmax_shifted_e4m3_amax_vec SMX_EDGE_NAN
#define LOWP_NEG_softmax_shifted_e4m3_s1_vec SMX_EDGE_NAN
#define LOWP_NEG_softmax_shifted_e5m2_amax_vec SMX_EDGE_NAN
#define LOWP_NEG_softmax_shifted_e5m2_s1_vec SMX_EDGE_NAN
#define LOWP_POS_softmax_shifted_e4m3_amax_vec SMX_EDGE_NAN
#define LOWP_POS_softmax_shifted_e4m3_s1_vec SMX_EDGE_NAN
#define LOWP_POS_softmax_shifted_e5m2_amax_vec SMX_EDGE_NAN
#define LOWP_POS_softmax_shifted_e5m2_s1_vec SMX_EDGE_NAN
#define LOWP_OVF_shifted_e4m3_amax 0
#define LOWP_OVF_shifted_e4m3_s1 0
#define LOWP_OVF_shifted_e5m2_amax 0
#define LOWP_OVF_shifted_e5m2_s1 0
#define LOWP_DOM_f32_shifted_e4m3_amax 0
#define LOWP_DOM_f32_shifted_e4m3_s1 0
#define LOWP_DOM_f32_shifted_e5m2_amax 0
#define LOWP_DOM_f32_shifted_e5m2_s1 0
#define LOWP_DOM_bf16_shifted_e4m3_amax 0
#define LOWP_DOM_bf16_shifted_e4m3_s1 0
#define LOWP_DOM_bf16_shifted_e5m2_amax 0
#define LOWP_DOM_bf16_shifted_e5m2_s1 0
static const struct lowp_entry lowp[] = {
#include "lowp.inc"
};
#undef SMX_LOWP

static struct smx_impl *table;
static size_t table_len;

static void registry_init(void)
{
	if (table)
		return;
	size_t nb = sizeof builtins / sizeof builtins[0];
	size_t np = smx_peer_count(), nl = sizeof lowp / sizeof *lowp;
	table = malloc((nb + nl + np) * sizeof *table);
	if (!table)
		abort(); /* at start-up, before any output exists */
	memcpy(table, builtins, sizeof builtins);
	for (size_t i = 0; i < nl; i++, nb++) {
		table[nb] = lowp[i].im;
		table[nb].out_fmt = SMX_OUT_FMT(lowp[i].out);
		/* variants in f32 where the entry has them (lowp_variant.h) */
		table[nb].fnv.u16 =
		    smx_lowp_variant_kernel(table[nb].op, table[nb].dtype, table[nb].name);
		table[nb].variants = table[nb].fnv.u16 ? SMX_LOWP_VARIANTS_F32 : 0;
		if (!smx_lowp_bound_is_ulp((enum smx_lowp_bound)table[nb].bound.family))
			table[nb].bound.kind = SMX_BOUND_ABS;
		/* The amax family is the amax-scaled output (lowp_scalar.h). */
		if (table[nb].bound.family == SMX_LB_FP8_AMAX)
			table[nb].out_scale = SMX_SCALE_AMAX;
	}
	for (size_t i = 0; i < np; i++)
		table[nb + i] = *smx_peer_get(i);
	table_len = nb + np;
}

int smx_registry_add(const struct smx_impl *im)
{
	registry_init();
	struct smx_impl *t = realloc(table, (table_len + 1) * sizeof *t);
	if (!t)
		return -1;
	table = t;
	table[table_len++] = *im;
	return 0;
}

size_t smx_registry_count(void)
{
	registry_init();
	return table_len;
}

const struct smx_impl *smx_registry_get(size_t i)
{
	registry_init();
	return i < table_len ? &table[i] : NULL;
}

const struct smx_impl *smx_registry_find(smx_op op, smx_dtype dt, const char *name)
{
	registry_init();
	for (size_t i = 0; i < table_len; i++)
		if (table[i].op == op && table[i].dtype == dt && !strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

const struct smx_impl *smx_registry_best(smx_op op, smx_dtype dt)
{
	/* Preference: the most accurate algorithm an op has (cr, f32 softmax's
	 * 0.503 ulp, before accurate), then the plain fast one; the widest ISA
	 * first within each. */
	static const char *const algos[] = {"cr",	 "accurate", "shifted", "streamed",
					    "symmetric", "fused",    "naive"};
	static const char *const isas[] = {"avx512", "avx2", "scalar"};
	for (size_t a = 0; a < sizeof algos / sizeof *algos; a++)
		for (size_t s = 0; s < sizeof isas / sizeof *isas; s++) {
			char name[64];
			snprintf(name, sizeof name, "%s/%s", algos[a], isas[s]);
			const struct smx_impl *im = smx_registry_find(op, dt, name);
			if (im && smx_impl_runnable(im))
				return im;
		}
	return NULL;
}

unsigned smx_cpu_features(void)
{
	unsigned f = 0;
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		f |= SMX_CPU_AVX2;
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw"))
		f |= SMX_CPU_AVX512;
#endif
	return f;
}

int smx_impl_runnable(const struct smx_impl *im)
{
	return (im->cpu & ~smx_cpu_features()) == 0;
}

double smx_bound_at(const struct smx_bound *b, size_t n, double d, double dmax)
{
	if (b->at)
		return b->at(b, n, d, dmax);
	return b->c0 + b->cn * (double)n + b->cd * d + b->cm * dmax;
}

smx_dtype smx_impl_out(const struct smx_impl *im)
{
	return im->out_fmt > 0 && im->out_fmt <= SMX_DTYPE_COUNT ? (smx_dtype)(im->out_fmt - 1)
								 : im->dtype;
}

void smx_impl_recipe(const struct smx_impl *im, char *buf, size_t len)
{
	const char *d = smx_dtype_name(im->dtype);
	char s[32] = "";
	/* A scaled output reads "*S" (amax) or "*<S>" after its format. */
	if (im->out_scale == SMX_SCALE_AMAX)
		snprintf(s, sizeof s, "*S");
	else if (im->out_scale != 0 && im->out_scale != 1)
		snprintf(s, sizeof s, "*%g", im->out_scale);
	if (im->recipe)
		snprintf(buf, len, "%s%s", im->recipe, s);
	else
		snprintf(buf, len, "%s>%s>%s%s", d, d, smx_dtype_name(smx_impl_out(im)), s);
}

int smx_recipe_check(const char *s, smx_dtype dt)
{
	smx_dtype part[4];
	int k = 0;
	while (s && k < 4) {
		const char *gt = strchr(s, '>');
		size_t len = gt ? (size_t)(gt - s) : strlen(s);
		char name[8];
		if (len == 0 || len >= sizeof name)
			return -1;
		memcpy(name, s, len);
		name[len] = 0;
		if (smx_dtype_parse(name, &part[k++]))
			return -1;
		s = gt ? gt + 1 : NULL;
	}
	/* Storage in is the entry's dtype; the output a format too (fp8
	 * outputs included), at most four parts. */
	return s || k < 3 || part[0] != dt ? -1 : 0;
}

void smx_impl_run(const struct smx_impl *im, const void *a, const void *b, void *out, size_t rows,
		  size_t n)
{
	/* The union member follows the entry's arity (fn2 set) and its
	 * element storage. */
	int two = im->fn2.f32 != NULL;
	if (im->fnx.f32) {
		struct smx_xent_params p = *smx_xent_params_active();
		p.label_smoothing = smx_xent_eps(im->dtype);
		if (im->dtype == SMX_F32)
			im->fnx.f32(a, b, out, rows, n, &p);
		else
			im->fnx.f64(a, b, out, rows, n, &p);
		return;
	}
	switch (smx_dtype_size(im->dtype)) {
	case sizeof(uint16_t):
		im->fn.u16(a, out, rows, n);
		break;
	case sizeof(float):
		if (two)
			im->fn2.f32(a, b, out, rows, n);
		else
			im->fn.f32(a, out, rows, n);
		break;
	default:
		if (two)
			im->fn2.f64(a, b, out, rows, n);
		else
			im->fn.f64(a, out, rows, n);
	}
}

const char *smx_edge_name(smx_edge e)
{
	switch (e) {
	case SMX_EDGE_NAN:
		return "nan";
	case SMX_EDGE_ZERO:
		return "zero";
	case SMX_EDGE_LIMIT:
		return "limit";
	}
	return "?";
}

const char *smx_origin_name(smx_origin o)
{
	switch (o) {
	case SMX_ORIGIN_BUILTIN:
		return "builtin";
	case SMX_ORIGIN_PEER:
		return "peer";
	case SMX_ORIGIN_PLUGIN:
		return "plugin";
	}
	return "?";
}
