/* The bf16>f32>bf16 and f16>f32>f16 vector softmax with the variants
 * applied in f32, after the upcast (lowp_variant.h): per row, every entry
 * is widened exactly and transformed in f32, in the order of
 * impls/smx_variant.h,
 *   a = x + m          the mask (a value of the storage format), rounded to f32;
 *   a = a + -inf       where the causal mask hides entry j;
 *   a = a / T          T a value of the storage format, rounded to f32;
 * then the f32 shifted kernel of the same ISA runs on the row and each
 * output is rounded once to the format. Without a variant this is the
 * entry's own kernel (the f32 kernel rounded once: the benchdnn rule), so
 * the claim is the entry's bound on softmax(a), carried to the exact
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

static void run(const uint16_t *x, uint16_t *y, size_t rows, size_t n,
		const struct smx_variant_params *p, int bf16, smx_fn_f32 f32)
{
	float st[STACK_N], *a = n <= STACK_N ? st : malloc(n * sizeof *a);
	const uint16_t *mask = p->mask;
	const float T = (float)p->temperature;
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		const size_t q = p->row0 + r;
		if (!a) { /* no memory for the row: say so by NaN, never silently */
			for (size_t j = 0; j < n; j++)
				y[j] = bf16 ? 0x7fc0 : 0x7e00;
			continue;
		}
		for (size_t j = 0; j < n; j++)
			a[j] = bf16 ? smx_bf16_to_float(x[j]) : smx_f16_to_float(x[j]);
		if (p->flags & SMX_VARIANT_MASK) {
			const uint16_t *m = mask + (q % p->mask_rows) * n;
			for (size_t j = 0; j < n; j++)
				a[j] += bf16 ? smx_bf16_to_float(m[j]) : smx_f16_to_float(m[j]);
		}
		if (p->flags & SMX_VARIANT_CAUSAL)
			for (size_t j = 0; j < n; j++)
				if ((long long)j > (long long)q + p->causal_k)
					a[j] += -INFINITY;
		if (p->flags & SMX_VARIANT_TEMPERATURE)
			for (size_t j = 0; j < n; j++)
				a[j] /= T;
		f32(a, a, 1, n);
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
