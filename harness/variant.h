/* Softmax variants on the command line (impls/smx_variant.h says what
 * they compute): parsing, the prelude that lets a plain kernel run a
 * variant, the reference rows and the claims an entry makes under them.
 *
 * The variant is process-wide: set once at start-up from the options
 * (smx_variant_from_argv), passed on to the runner process, and applied
 * to every softmax and log-softmax entry that supports it. Built-in and
 * peer entries support every variant through the prelude; a plug-in entry
 * supports those it declares (ABI 2's variants field). */
#ifndef SMX_VARIANT_H
#define SMX_VARIANT_H

#include <stddef.h>

#include "ref.h"
#include "smx.h"

struct smx_variant {
	unsigned flags;				  /* SMX_VARIANT_*; 0: none */
	double temperature, softcap, alibi, sink; /* as given (doubles) */
	int causal;				  /* mask causal:K */
	long long causal_k;
	double *mask; /* --mask FILE: mask_rows x mask_n (f32 values); NULL in
			 the variant in force, which holds copies */
	size_t mask_rows, mask_n;
	char text[320];	   /* the options as given again, for replay lines */
	char value[6][64]; /* each option's value as given (opts order) */
};

/* Take the variant options out of argv (anywhere on the line; bad values:
 * exit 2 with one line) and make them the process's variant. Returns the
 * new argc. */
int smx_variant_from_argv(int argc, char **argv);
/* The variant in force, or NULL. */
const struct smx_variant *smx_variant_active(void);
/* Set (v NULL: clear) the variant in force, for programs that link the
 * harness; a runner already started keeps the one it started with. */
void smx_variant_set(const struct smx_variant *v);
/* Parse one option (name without "--", value NULL for --plus-one) into v;
 * 0, or -1 with the reason in why. */
int smx_variant_parse(struct smx_variant *v, const char *name, const char *value, char *why,
		      size_t len);
/* The variant's options as argv items (for the runner); returns the count
 * (at most 12). */
size_t smx_variant_argv(const char **out);
/* The variant in one word for baseline lines ("" for none): name[:value]
 * items joined by ',', e.g. "temperature:0.7,mask:causal:0". */
void smx_variant_spec(const struct smx_variant *v, char *buf, size_t len);
/* Parse such a word into *v (clear it first; free v->mask after). A mask
 * FILE is refused: a line carries no paths of its own. 0, or -1 with the
 * reason in why. */
int smx_variant_parse_spec(struct smx_variant *v, const char *spec, char *why, size_t len);
/* Make the variant of spec ("" none) the one in force; the runner is
 * restarted when it changes. Dies (exit 2) on a bad spec. */
void smx_variant_use_spec(const char *spec);
/* Commands that take the variant options. */
int smx_variant_command_ok(const char *cmd);

/* The ops a variant applies to: softmax and log-softmax. */
int smx_variant_op(smx_op op);
/* A variant is in force and applies to op. */
int smx_variant_on(smx_op op);
/* The variants entry im applies (built-ins and peers through the prelude). */
unsigned smx_variant_support(const struct smx_impl *im);
/* Whether im runs under the variant in force: always without one; with
 * one, a softmax or log-softmax entry that supports every part of it. */
int smx_variant_admits(const struct smx_impl *im);
/* Why im is skipped under the variant in force, for a note. */
void smx_variant_skip_why(const struct smx_impl *im, char *why, size_t len);
/* The variants im applies, for `smx list`: smx_variant_names of its
 * support, and for bf16 and f16 entries the format they are applied in:
 * " (in bf16)" before the upcast, " (in f32)" after it. */
void smx_variant_support_text(const struct smx_impl *im, char *buf, size_t len);
/* "temperature,mask,..." for the bits in flags ("none" for 0, "all"). */
void smx_variant_names(unsigned flags, char *buf, size_t len);

/* Run im on rows of n like smx_impl_run, under the variant in force when
 * the op is forward; row0 is the query position of the first row. */
void smx_variant_run(const struct smx_impl *im, const void *a, const void *b, void *out,
		     size_t rows, size_t n, size_t row0);

/* The reference of rows x n logits x under the variant in force (forward
 * ops; status per row as smx_ref_rows). Dies (exit 2) when a --mask file's
 * rows are not n long. */
void smx_variant_ref_rows(smx_op op, smx_dtype dt, const double *x, size_t rows, size_t n,
			  struct smx_refval *out, int *status);

/* The claim of im on row r (its query position) of logits x under the
 * variant in force: lim[i] for each component, from ref (the variant's
 * reference of the row). Returns 0 when the row is outside the claim (no
 * bound, outside its domain, a non-finite prelude value). */
int smx_variant_claim_row(const struct smx_impl *im, const double *x, size_t r, size_t n,
			  const struct smx_refval *ref, double *lim);

#endif
