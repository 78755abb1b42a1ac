/* smx plug-ins: bring your own softmax.
 *
 * A shared object exports one symbol,
 *
 *     const struct smx_plugin smx_plugin = { SMX_PLUGIN_ABI, count, impls };
 *
 * and `smx --plugin PATH.so <command> ...` (any command, repeatable) adds
 * its entries to the registry, marked as plug-ins: they appear in list,
 * accuracy, overflow, perf, check and report like the built-ins. Functions
 * take the registry's signatures (smx.h): one input for softmax,
 * logsoftmax and jacobian, two for vjp, jvp and logsoftmax_vjp. See
 * examples/plugin/ for a worked example. */
#ifndef SMX_PLUGIN_H
#define SMX_PLUGIN_H

#include "smx.h"

#define SMX_PLUGIN_ABI 1

struct smx_plugin_impl {
	const char *op;	   /* "softmax", "logsoftmax", "jacobian", "vjp", "jvp", "logsoftmax_vjp" */
	const char *dtype; /* "f32" or "f64" */
	const char *name;  /* "<algo>/<isa>", unique within (op, dtype) */
	const char *note;  /* one line for `smx list`, or NULL */
	/* The function for (op, dtype): exactly one of these is set. */
	smx_fn_f32 f32;
	smx_fn_f64 f64;
	smx_fn2_f32 f32_2;
	smx_fn2_f64 f64_2;
	/* Declared edge policy: "nan", "zero" (all -inf rows), "limit" (+inf
	 * entries); NULL means "nan". overflows: finite rows can overflow. */
	const char *all_neginf, *pos_inf;
	int overflows;
	/* Claimed error bound: ulps for the forward ops and the Jacobian,
	 * units of u times the condition scale for the backward ops; 0 claims
	 * none. */
	double bound;
};

struct smx_plugin {
	int abi; /* SMX_PLUGIN_ABI */
	size_t count;
	const struct smx_plugin_impl *impls;
};

#endif
