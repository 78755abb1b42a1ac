/* Declarations of every built-in kernel, expanded from impls.inc. */
#ifndef SMX_IMPLS_H
#define SMX_IMPLS_H

#include "smx.h"

#define SMX_T_f32 float
#define SMX_T_f64 double
#define SMX_IMPL(op, dt, algo, isa, ...)                                                           \
	void smx_##op##_##dt##_##algo##__##isa(const SMX_T_##dt *x, SMX_T_##dt *y, size_t rows,    \
					       size_t n);
#include "impls.inc"
#undef SMX_IMPL

#endif
