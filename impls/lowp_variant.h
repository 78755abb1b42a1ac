/* bf16 and f16 entries that apply the softmax variants themselves, after
 * the upcast, in f32 (lowp_variant.c). The others of those dtypes apply
 * them before the upcast, through the harness's prelude in the storage
 * format (harness/variant.c): x / T rounded to bf16, as a bf16 tensor
 * divided by a temperature is in frameworks (miles issue 1554). */
#ifndef SMX_LOWP_VARIANT_H
#define SMX_LOWP_VARIANT_H

#include "smx.h"

/* The variants the f32 path applies (SMX_VARIANT_*). */
#define SMX_LOWP_VARIANTS_F32 SMX_VARIANT_ALL

/* The variant kernel of the entry (op, dt, name), or NULL. */
smx_fnv_u16 smx_lowp_variant_kernel(smx_op op, smx_dtype dt, const char *name);

#endif
