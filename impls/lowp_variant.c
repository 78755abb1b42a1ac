/* The bf16>f32>bf16 and f16>f32>f16 vector softmax with the variants
 * applied in f32, after the upcast (lowp_variant.h): per row, every entry
 * is widened exactly and transformed in f32, in the order of
 * impls/smx_variant.h, each step rounded to f32:
 *   a = c tanh(x / c)  softcap: x / c, tanh and the product by c in
 *                      double, rounded once to f32 (the f32 prelude's);
 *   a = a + m          the mask (a value of the storage format);
 *   a = a + -inf       where the causal mask hides entry j;
 *   a = a + fl(s k)    ALiBi, k = j - r: s k exact in double, rounded once;
 *   a = a / T          T a value of the storage format;
 * the sink (0 for plus-one; a value of the storage format, exact in f32)
 * is one more entry at the end of the row; then the f32 shifted kernel of
 * the same ISA runs on the row, each output but the sink's is rounded once
 * to the format. Without a variant this is the entry's own kernel (the
 * f32 kernel rounded once: the benchdnn rule), so the claim is the entry's
 * bound on softmax(a) (n + 1 entries with a sink), carried to the exact
 * variant's softmax by harness/variant.c with the f32 roundings above.
 * The row waits in an f32 buffer (the stack up to STACK_N values). No
 * vector ISA flags here: the f32 kernel brings its own. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lowp.h"
#include "lowp_variant.h"
#include "smx_impls.h"

#define STACK_N 4096

/* Entry j of a row at query position q, widened and transformed in f32. */
static float transform(float a, size_t j, size_t q, const struct smx_variant_params *p,
		       const uint16_t *m, int bf16)
{
	const unsigned f = p->flags;
	if (f & SMX_VARIANT_SOFTCAP)
		a = (float)(p->softcap * tanh((double)a / p->softcap));
	if (f & SMX_VARIANT_MASK)
		a += bf16 ? smx_bf16_to_float(m[j]) : smx_f16_to_float(m[j]);
	if (f & SMX_VARIANT_CAUSAL && (long long)j > (long long)q + p->causal_k)
		a += -INFINITY;
	if (f & SMX_VARIANT_ALIBI)
		a += (float)(p->alibi * (double)((long long)j - (long long)q));
	if (f & SMX_VARIANT_TEMPERATURE)
		a /= (float)p->temperature;
	return a;
}

static void run(const uint16_t *x, uint16_t *y, size_t rows, size_t n,
		const struct smx_variant_params *p, int bf16, smx_fn_f32 f32)
{
	const size_t w = n + ((p->flags & (SMX_VARIANT_SINK | SMX_VARIANT_PLUS_ONE)) != 0);
	float st[STACK_N], *a = w <= STACK_N ? st : malloc(w * sizeof *a);
	const uint16_t *mask = p->mask;
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		const size_t q = p->row0 + r;
		const uint16_t *m =
		    p->flags & SMX_VARIANT_MASK ? mask + (q % p->mask_rows) * n : NULL;
		if (!a) { /* no memory for the row: say so by NaN, never silently */
			for (size_t j = 0; j < n; j++)
				y[j] = bf16 ? 0x7fc0 : 0x7e00;
			continue;
		}
		for (size_t j = 0; j < n; j++)
			a[j] = transform(bf16 ? smx_bf16_to_float(x[j]) : smx_f16_to_float(x[j]), j,
					 q, p, m, bf16);
		if (w > n)
			a[n] = (float)p->sink;
		f32(a, a, 1, w);
		for (size_t j = 0; j < n; j++)
			y[j] = bf16 ? smx_bf16_from_float(a[j]) : smx_f16_from_float(a[j]);
	}
	if (a != st)
		free(a);
}

#define LV_KERNEL(fmt, isa, bf16)                                                                  \
	static void lv_##fmt##_##isa(const uint16_t *x, uint16_t *y, size_t rows, size_t n,        \
				     const struct smx_variant_params *p)                           \
	{                                                                                          \
		run(x, y, rows, n, p, bf16, smx_softmax_f32_shifted__##isa);                       \
	}
LV_KERNEL(bf16, avx2, 1)
LV_KERNEL(f16, avx2, 0)
LV_KERNEL(bf16, avx512, 1)
LV_KERNEL(f16, avx512, 0)
#undef LV_KERNEL

smx_fnv_u16 smx_lowp_variant_kernel(smx_op op, smx_dtype dt, const char *name)
{
	static const struct {
		smx_dtype dt;
		const char *name;
		smx_fnv_u16 fn;
	} ks[] = {
	    {SMX_BF16, "shifted.acc32/avx2", lv_bf16_avx2},
	    {SMX_F16, "shifted.acc32/avx2", lv_f16_avx2},
	    {SMX_BF16, "shifted.acc32/avx512", lv_bf16_avx512},
	    {SMX_F16, "shifted.acc32/avx512", lv_f16_avx512},
	};
	for (size_t i = 0; op == SMX_OP_SOFTMAX && i < sizeof ks / sizeof *ks; i++)
		if (ks[i].dt == dt && !strcmp(ks[i].name, name))
			return ks[i].fn;
	return NULL;
}
