/* smx plug-ins: bring your own softmax.
 *
 * A shared object exports one symbol, `smx_plugin`, and
 * `smx --plugin PATH.so <command> ...` (any command, repeatable) adds its
 * entries to the registry, marked as plug-ins: they appear in list,
 * accuracy, overflow, perf, check and report like the built-ins. Functions
 * take the registry's signatures (smx.h): one input or two, as the op's
 * row of the op table says (`smx list` names the ops). See
 * examples/plugin/ for worked examples of both ABIs.
 *
 * ABI 2 (new plug-ins):
 *
 *     static const struct smx_plugin_entry entries[] = {
 *         {SMX_ENTRY_SIZE, .op = "softmax", .dtype = "f32", .name = "mine/avx2",
 *          .f32 = my_softmax, .bound = {.c0 = 2, .cn = 0x1p-24}},
 *     };
 *     const struct smx_plugin2 smx_plugin = {SMX_PLUGIN_ABI_2, 1, entries};
 *
 * ABI 1 (struct smx_plugin with struct smx_plugin_impl, a constant bound)
 * keeps loading unchanged.
 *
 * How ABI 2 grows: every entry starts with its own size (SMX_ENTRY_SIZE,
 * the sizeof the plug-in was compiled with), and smx steps through the
 * table by that size. Fields are only ever appended, and a field that is
 * zero means "absent" (today's meaning). So a plug-in built against an
 * older header loads in a newer smx (the missing tail reads as zeros), and
 * one built against a newer header loads in an older smx as long as the
 * fields that smx does not know are zero; otherwise it is refused with one
 * line, never half-understood. Storage formats, precision recipes,
 * variant parameters and the cross-entropy options arrived this way,
 * without a new ABI number.
 *
 * The environment a function runs in (both ABIs): a separate runner
 * process with guard pages next to its buffers and a time limit
 * (`--timeout`, 60 s by default); a crash, an exit() or a timeout is a
 * failed verdict on the entry. Every call starts under the default
 * floating-point environment (round to nearest, no flush-to-zero, no
 * denormals-are-zero, exceptions masked) and must leave it so; a call or a
 * load (e.g. -ffast-math's start-up code) that changes it is named as a
 * violation, and the state is restored. */
#ifndef SMX_PLUGIN_H
#define SMX_PLUGIN_H

#include <stddef.h>

#include "smx.h"

#define SMX_PLUGIN_ABI 1   /* struct smx_plugin */
#define SMX_PLUGIN_ABI_2 2 /* struct smx_plugin2 */

/* ABI 1. */
struct smx_plugin_impl {
	const char *op;	   /* an op name as `smx list` shows it: "softmax", "vjp", ... */
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

/* ABI 2: one entry. After size, the next eleven fields mean what they mean
 * in ABI 1. */
struct smx_plugin_entry {
	size_t size; /* SMX_ENTRY_SIZE */
	const char *op, *dtype, *name, *note;
	smx_fn_f32 f32;
	smx_fn_f64 f64;
	smx_fn2_f32 f32_2;
	smx_fn2_f64 f64_2;
	const char *all_neginf, *pos_inf;
	int overflows;
	/* The claimed bound of component i of a row of n entries (smx.h,
	 * struct smx_bound):
	 *     c0 + cn n + cd |x_i - max| + cm max_j |x_j - max|
	 * kind: "ulp" (ulps of the exact value), "abs" (units of
	 * u max(1, |y_i|), for log-softmax) or "cond" (units of u times the
	 * condition scale, the backward ops); NULL: "ulp" for the forward ops
	 * and the Jacobian, "cond" for the backward ops. The backward ops use
	 * c0 + cn n only. domain: the bound holds for rows whose entries all
	 * lie in [-domain, domain]; 0 means every finite row. Every
	 * coefficient 0: no claim. */
	struct {
		const char *kind;
		double c0, cn, cd, cm, domain;
	} bound;
	/* Variants (smx_variant.h), softmax and logsoftmax only: the
	 * SMX_VARIANT_* bits the entry applies itself, and the function smx
	 * calls (with the parameters) whenever a variant is on; without a bit,
	 * smx does not run the entry under that variant. Its claim under a
	 * variant is its bound on the row as smx's own prelude would compute
	 * it, plus that prelude's roundings carried through the softmax (see
	 * README, "Variants"): arithmetic that rounds more must claim more. */
	unsigned variants;
	smx_fnv_f32 f32_v;
	smx_fnv_f64 f64_v;
	/* The precision recipe (smx.h, struct smx_impl): "in>compute>out" or
	 * "in>compute>exp>out" in dtype names, in being the entry's dtype, e.g.
	 * "f32>f64>f32" for an f32 entry that computes in double. NULL: the
	 * dtype throughout. */
	const char *recipe;
	/* The output format, softmax only: a dtype name ("e4m3", "e5m2"), or
	 * NULL for the dtype itself. The function (f32 or f64 as the dtype
	 * says, cast to that type) then writes elements of that format through
	 * y: one byte each for e4m3 and e5m2 (OCP 8-bit floats, impls/lowp.h).
	 * out_scale as struct smx_impl's (smx.h): 0 writes p, SMX_SCALE_AMAX
	 * writes p * max_finite / max_i p_i per row, S > 0 writes p * S; smx
	 * compares the output with the exact p S rounded once to the format,
	 * in its ulps. */
	const char *out_format;
	double out_scale;
	/* Cross-entropy options (smx_xent_params.h: --label-smoothing,
	 * --ignore-index), ops xent and xent_fused only: the function smx
	 * calls with them, always, in place of f32_2/f64_2 (which may then be
	 * NULL). An entry without it runs only at the defaults (no smoothing,
	 * ignore index -100). */
	smx_fnx_f32 f32_x;
	smx_fnx_f64 f64_x;
	/* Fields appended later go here (see "How ABI 2 grows" above). */
};

#define SMX_ENTRY_SIZE sizeof(struct smx_plugin_entry)
/* The size of an entry built before the variant fields existed. */
#define SMX_ENTRY_SIZE_V0 offsetof(struct smx_plugin_entry, variants)
/* The size of an entry built before the recipe field existed. */
#define SMX_ENTRY_SIZE_V1 offsetof(struct smx_plugin_entry, recipe)
/* The size of an entry built before the output format existed. */
#define SMX_ENTRY_SIZE_V2 offsetof(struct smx_plugin_entry, out_format)
/* The size of an entry built before the cross-entropy functions existed. */
#define SMX_ENTRY_SIZE_V3 offsetof(struct smx_plugin_entry, f32_x)

struct smx_plugin2 {
	int abi; /* SMX_PLUGIN_ABI_2 */
	size_t count;
	const struct smx_plugin_entry *entries; /* stepped through by each entry's size */
};

#endif
