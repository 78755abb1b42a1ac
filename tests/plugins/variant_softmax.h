/* Shared body of the variant test plug-ins (tests/plugins/variant_*.c): a
 * softmax that applies every variant itself, with the same arithmetic as
 * smx's prelude (harness/variant.c) followed by shifted/scalar's three
 * passes over the row and the sink, so its claim is shifted/scalar's
 * bound (derived in impls/softmax_scalar.c). Each planted-bug file
 * redefines one step before including this file. An entry of the older
 * entry size (no variant fields) rides along: it must load and apply no
 * variant. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "smx_plugin.h"

/* Round a float to bfloat16, to nearest even (finite values). */
static inline float var_bf16(float v)
{
	uint32_t b;
	memcpy(&b, &v, sizeof b);
	b = (b + 0x7fffu + ((b >> 16) & 1u)) & 0xffff0000u;
	memcpy(&v, &b, sizeof v);
	return v;
}

/* Temperature: a / T. */
#ifndef VAR_TEMP
#define VAR_TEMP(a, T) ((a) / (T))
#endif
/* ALiBi's distance, key j minus query q. */
#ifndef VAR_ALIBI_K
#define VAR_ALIBI_K(j, q) ((long long)(j) - (long long)(q))
#endif
/* Causal: key j is masked for query q. */
#ifndef VAR_CAUSAL
#define VAR_CAUSAL(j, q, k) ((long long)(j) > (long long)(q) + (k))
#endif
/* Softcap, c tanh(a / c) in a wider format. */
#ifndef VAR_SOFTCAP
#define VAR_SOFTCAP(T, HP, TANH, a, c) ((T)((HP)(c)*TANH((HP)(a) / (HP)(c))))
#endif
/* Whether the sink takes part in the max, and in the sum. */
#ifndef VAR_SINK_IN_MAX
#define VAR_SINK_IN_MAX 1
#endif
#ifndef VAR_SINK_IN_SUM
#define VAR_SINK_IN_SUM 1
#endif

#define VAR_BODY(T, SUF, EXP, HP, TANH)                                                            \
	static void var_##SUF(const T *x, T *y, size_t rows, size_t n,                              \
			      const struct smx_variant_params *p)                                  \
	{                                                                                          \
		unsigned f = p ? p->flags : 0;                                                     \
		int sink = (f & (SMX_VARIANT_SINK | SMX_VARIANT_PLUS_ONE)) != 0;                   \
		T s = sink ? (T)p->sink : 0;                                                       \
		for (size_t r = 0; r < rows; r++, x += n, y += n) {                                \
			size_t q = f ? p->row0 + r : r;                                            \
			const T *mrow = f & SMX_VARIANT_MASK                                        \
					    ? (const T *)p->mask + (q % p->mask_rows) * n          \
					    : NULL;                                                \
			for (size_t j = 0; j < n; j++) {                                           \
				T a = x[j];                                                        \
				if (f & SMX_VARIANT_SOFTCAP)                                       \
					a = VAR_SOFTCAP(T, HP, TANH, a, p->softcap);               \
				if (mrow)                                                          \
					a = a + mrow[j];                                           \
				if (f & SMX_VARIANT_CAUSAL && VAR_CAUSAL(j, q, p->causal_k))       \
					a = a + -(T)INFINITY;                                      \
				if (f & SMX_VARIANT_ALIBI) {                                       \
					T k = (T)VAR_ALIBI_K(j, q), b = (T)p->alibi * k;           \
					a = a + b;                                                 \
				}                                                                  \
				if (f & SMX_VARIANT_TEMPERATURE)                                   \
					a = VAR_TEMP(a, (T)p->temperature);                        \
				y[j] = a;                                                          \
			}                                                                          \
			T m = sink && VAR_SINK_IN_MAX ? s : -(T)INFINITY;                          \
			for (size_t j = 0; j < n; j++)                                             \
				if (y[j] > m)                                                      \
					m = y[j];                                                  \
			T sum = 0;                                                                 \
			for (size_t j = 0; j < n; j++) {                                           \
				y[j] = EXP(y[j] - m);                                              \
				sum += y[j];                                                       \
			}                                                                          \
			if (sink && VAR_SINK_IN_SUM)                                               \
				sum += EXP(s - m);                                                 \
			const T scale = 1 / sum;                                                   \
			for (size_t j = 0; j < n; j++)                                             \
				y[j] *= scale;                                                     \
		}                                                                                  \
	}                                                                                          \
	static void plain_##SUF(const T *x, T *y, size_t rows, size_t n)                           \
	{                                                                                          \
		var_##SUF(x, y, rows, n, NULL);                                                    \
	}
VAR_BODY(float, f32, expf, double, tanh)
VAR_BODY(double, f64, exp, long double, tanhl)

/* An entry as a plug-in built before the variant fields existed. */
struct var_old_entry {
	size_t size;
	const char *op, *dtype, *name, *note;
	smx_fn_f32 f32;
	smx_fn_f64 f64;
	smx_fn2_f32 f32_2;
	smx_fn2_f64 f64_2;
	const char *all_neginf, *pos_inf;
	int overflows;
	struct {
		const char *kind;
		double c0, cn, cd, cm, domain;
	} bound;
};

static const union {
	struct {
		struct smx_plugin_entry e[2];
		struct var_old_entry old;
	} s;
	struct smx_plugin_entry first;
} var_table = {.s = {{
			 {SMX_ENTRY_SIZE, .op = "softmax", .dtype = "f32", .name = "variant/scalar",
			  .f32 = plain_f32, .bound = {.c0 = 7, .cn = 1, .cd = 1, .cm = 1},
			  .variants = SMX_VARIANT_ALL, .f32_v = var_f32},
			 {SMX_ENTRY_SIZE, .op = "softmax", .dtype = "f64", .name = "variant/scalar",
			  .f64 = plain_f64, .bound = {.c0 = 7, .cn = 1, .cd = 1, .cm = 1},
			  .variants = SMX_VARIANT_ALL, .f64_v = var_f64},
		     },
		     {sizeof(struct var_old_entry), .op = "softmax", .dtype = "f32",
		      .name = "old/scalar", .f32 = plain_f32,
		      .bound = {.c0 = 7, .cn = 1, .cd = 1, .cm = 1}}}};

const struct smx_plugin2 smx_plugin = {SMX_PLUGIN_ABI_2, 3, &var_table.first};
