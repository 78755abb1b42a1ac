/* Softmax variants: the parameters an entry receives per call.
 *
 * A variant transforms each logit before the softmax (or log-softmax) and
 * may add one term to the denominator. With every variant on, entry j of
 * row r (its query position) becomes
 *
 *     v_j = ((cap(x_j) + mask[r][j]) + alibi * (j - r)) / temperature,
 *     cap(x) = softcap * tanh(x / softcap),
 *
 * and the outputs are y_j = exp(v_j) / (sum_k exp(v_k) + exp(sink))
 * (log-softmax: v_j - log(...)); without a sink or plus-one the added term
 * is absent, and plus-one is a sink at 0. The sink's own probability is
 * not an output. The ALiBi bias is Press, Smith & Lewis, "Train Short,
 * Test Long" (ICLR 2022): slope times (key - query), non-positive on and
 * below the diagonal. A causal:K mask adds -inf where j > r + K (K = 0:
 * the usual causal mask, a query sees itself and the keys before it). */
#ifndef SMX_VARIANT_PUBLIC_H
#define SMX_VARIANT_PUBLIC_H

#include <stddef.h>
#include <stdint.h>

/* The variants (bit mask). */
enum {
	SMX_VARIANT_TEMPERATURE = 1u << 0,
	SMX_VARIANT_MASK = 1u << 1, /* --mask FILE */
	SMX_VARIANT_ALIBI = 1u << 2,
	SMX_VARIANT_SINK = 1u << 3,
	SMX_VARIANT_PLUS_ONE = 1u << 4,
	SMX_VARIANT_SOFTCAP = 1u << 5,
	SMX_VARIANT_CAUSAL = 1u << 6, /* --mask causal:K */
	SMX_VARIANT_ALL = (1u << 7) - 1,
};

/* One call's parameters. Every value is one of the entry's dtype (an f32
 * entry gets floats held in doubles), and the reference uses the same
 * values. Fields are only ever appended; size is the sizeof smx filled. */
struct smx_variant_params {
	size_t size;
	unsigned flags;	    /* the SMX_VARIANT_* in force */
	double temperature; /* > 0 */
	double softcap;	    /* > 0 */
	double alibi;	    /* the slope */
	double sink;	    /* the sink logit (0 for plus-one) */
	/* MASK: mask_rows rows of n elements of the entry's dtype; row r of
	 * the call adds row (row0 + r) % mask_rows. */
	const void *mask;
	size_t mask_rows;
	size_t row0;	    /* query position of the call's first row */
	long long causal_k; /* CAUSAL: entry j of query position q is -inf
			       when j > q + causal_k */
};

typedef void (*smx_fnv_f32)(const float *x, float *y, size_t rows, size_t n,
			    const struct smx_variant_params *v);
typedef void (*smx_fnv_f64)(const double *x, double *y, size_t rows, size_t n,
			    const struct smx_variant_params *v);
/* bf16 and f16 entries: bit patterns; the values (temperature, mask) are
 * of the entry's storage format, the mask as patterns. */
typedef void (*smx_fnv_u16)(const uint16_t *x, uint16_t *y, size_t rows, size_t n,
			    const struct smx_variant_params *v);

#endif
