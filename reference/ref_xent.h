/* Cross-entropy references (MPFR): the loss and its gradient, each
 * component correctly rounded to the target format (ref.h's struct
 * smx_refval), by a Ziv loop over interval evaluations at growing
 * precision, every MPFR operation rounded outwards.
 *
 * With m a row maximum (index k), R = sum over j != k of exp(x_j - m),
 * q_c = (1 - eps) [c == t] + eps / n and S = 1 + R:
 *   loss = log1p(R) + (1 - eps)(m - x_t) + (eps / n) sum_j (m - x_j),
 *     three terms >= 0 (no cancellation: an argmax target's loss is
 *     log1p(R), however small);
 *   grad_c = (n e_c - S (eps + n (1 - eps) [c == t])) / (n S), e_c =
 *     exp(x_c - m), and for c = t = k the numerator as eps (n - 1) S - n R
 *     (no cancellation at eps = 0). Every part is exact when its inputs
 *     are, so exact results (0, uniform rows) end the loop too.
 * A row whose target is ignore_index: loss 0 and gradient 0. Undefined
 * (SMX_REF_UNDEFINED, outputs left alone): a NaN or +inf entry, no entry
 * above -inf, a target outside [0, n). A -inf target, or any -inf entry
 * with eps > 0, gives loss +inf (the gradient is still finite). */
#ifndef SMX_REF_XENT_H
#define SMX_REF_XENT_H

#include <stdint.h>

#include "ref.h"

/* grad may be NULL (the loss alone); otherwise n values. */
int smx_ref_xent(smx_dtype dt, const double *x, size_t n, int64_t t, double eps,
		 int64_t ignore_index, struct smx_refval *loss, struct smx_refval *grad);

#endif
