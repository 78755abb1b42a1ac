/* The registry: built-ins from impls.inc, then the peers compiled in, then
 * plug-ins. Everything that lists implementations reads it from here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smx.h"
#include "smx_impls.h"
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

static struct smx_impl *table;
static size_t table_len;

static void registry_init(void)
{
	if (table)
		return;
	size_t nb = sizeof builtins / sizeof builtins[0];
	size_t np = smx_peer_count();
	table = malloc((nb + np) * sizeof *table);
	if (!table)
		abort(); /* at start-up, before any output exists */
	memcpy(table, builtins, sizeof builtins);
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
	return b->c0 + b->cn * (double)n + b->cd * d + b->cm * dmax;
}

void smx_impl_recipe(const struct smx_impl *im, char *buf, size_t len)
{
	const char *d = smx_dtype_name(im->dtype);
	if (im->recipe)
		snprintf(buf, len, "%s", im->recipe);
	else
		snprintf(buf, len, "%s>%s>%s", d, d, d);
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
	switch (smx_dtype_size(im->dtype)) {
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
