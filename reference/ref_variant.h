/* The exact reference of a softmax variant (impls/smx_variant.h): each
 * output correctly rounded from the given logits and parameters, the
 * transformed logits never rounded. */
#ifndef SMX_REF_VARIANT_H
#define SMX_REF_VARIANT_H

#include <stddef.h>

#include "ref.h"

/* One row's variant: the SMX_VARIANT_* flags and their values, each taken
 * exactly as given (the caller passes the values of the entry's dtype);
 * plus-one is a sink at 0. mask: this row's n additive entries (finite or
 * -inf), or NULL. pos: the row's query position; with CAUSAL, entry j is
 * -inf when j > pos + causal_k. */
struct smx_ref_variant {
	unsigned flags;
	double temperature, softcap, alibi, sink;
	const double *mask;
	long long pos, causal_k;
};

/* Softmax or log-softmax of the row under v, correctly rounded per
 * component in dt. SMX_REF_UNDEFINED (out left alone): a NaN logit or
 * mask entry, a +inf mask entry, a +inf logit without softcap (the limit
 * is not taken under a variant), every entry -inf without a sink, or a
 * row the loop cannot decide below 2^16 bits. With a sink every entry may
 * be -inf: the outputs are then exact zeros (-inf for log-softmax). */
int smx_ref_variant_row(smx_op op, smx_dtype dt, const struct smx_ref_variant *v, const double *x,
			size_t n, struct smx_refval *out);

#endif
