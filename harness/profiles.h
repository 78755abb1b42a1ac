/* Edge profiles: named sets of expected edge behaviours, one per library
 * convention a kernel may be asked to follow (PyTorch, its _safe_softmax,
 * ONNX Attention, oneDNN's inf_as_zero, JAX). A profile gives, per row kind
 * and op, the output the library gives; `smx overflow --profile NAME`
 * checks entries against it (README, "Edge profiles"). A declared policy
 * (struct smx_policy) speaks of two row kinds; a profile fixes every row
 * kind below, and the finite ones with no excuse for a claim's domain. */
#ifndef SMX_PROFILES_H
#define SMX_PROFILES_H

#include <stdio.h>

#include "smx.h"
#include "table.h"
#include "verdict.h"

/* Row kinds the profiles speak of (each catalogue row has one). */
enum smx_rowkind {
	SMX_RK_NONE,		/* a row no profile speaks of */
	SMX_RK_MASKED,		/* every entry -inf (a fully masked row) */
	SMX_RK_POS_INF,		/* +inf entries among finite ones */
	SMX_RK_MIXED_INF,	/* +inf and -inf entries */
	SMX_RK_NAN,		/* a NaN entry */
	SMX_RK_SENTINEL,	/* every entry at or below a finite "-inf" (-5e4, -3.402823e38) */
	SMX_RK_FIRST_BLOCK,	/* a blocked or online kernel's first block all -inf */
	SMX_RK_TAIL_MASK,	/* -inf entries in the SIMD tail, or everywhere but there */
	SMX_RK_TARGET_NEGINF,	/* cross-entropy: a -inf logit at the target */
	SMX_RK_TARGET_SENTINEL, /* cross-entropy: the target alone at or below a sentinel */
	SMX_RK_COUNT
};
const char *smx_rowkind_name(enum smx_rowkind k);

/* Expected outputs: not specified; the reference (within the entry's
 * bound); NaN in the row; a row of zeros; -inf; +inf (lse, and the loss
 * at a -inf target: the reference's value). */
enum smx_expect {
	SMX_EXP_ANY,
	SMX_EXP_REF,
	SMX_EXP_NAN,
	SMX_EXP_ZERO,
	SMX_EXP_NEGINF,
	SMX_EXP_POSINF,
};
const char *smx_expect_name(enum smx_expect e);

/* Columns of a profile: softmax, log-softmax, lse, the cross-entropy loss
 * (xent) and its gradient (xent_fused). */
enum {
	SMX_PCOL_SOFTMAX,
	SMX_PCOL_LOGSOFTMAX,
	SMX_PCOL_LSE,
	SMX_PCOL_XENT,
	SMX_PCOL_XENT_FUSED,
	SMX_PCOL_COUNT
};

struct smx_profile {
	const char *name;   /* --profile NAME */
	const char *title;  /* one line */
	const char *source; /* where the behaviour is stated or implemented */
	unsigned char expect[SMX_RK_COUNT][SMX_PCOL_COUNT]; /* enum smx_expect */
};

size_t smx_profile_count(void);
const struct smx_profile *smx_profile_get(size_t i);
const struct smx_profile *smx_profile_find(const char *name);
/* Every profile's name, comma separated (for messages). */
const char *smx_profile_names(void);

/* What profile p expects of op on a row of kind k (SMX_EXP_ANY for ops
 * and kinds it does not speak of). */
enum smx_expect smx_profile_expect(const struct smx_profile *p, smx_op op, enum smx_rowkind k);

/* Whether outcome got (smx_classify's class) is what e expects. */
int smx_expect_holds(enum smx_expect e, enum smx_outcome got);

/* One catalogue row's verdict: with p, what p expects where p speaks of
 * the row's kind; else (p NULL, or a kind p does not name) what im's
 * policy declares. 1 when got matches; *expected gets the expected
 * outcome's name ("any" when every outcome is allowed). */
struct smx_scenario;
int smx_row_judge(const struct smx_profile *p, const struct smx_impl *im,
		  const struct smx_scenario *s, enum smx_outcome got, const char **expected);

/* The names of the profiles im's policy declares, comma separated ("none"). */
void smx_profile_declared_list(const struct smx_impl *im, char *buf, size_t len);

/* Whether im's declared policy names p's behaviour: every row kind the
 * policy speaks of (fully masked, +inf and mixed +-inf) expected alike,
 * no overflow declared and a claim that holds for every finite row (a
 * profile expects the reference on finite rows down to -3.402823e38). */
int smx_profile_declared(const struct smx_profile *p, const struct smx_impl *im);

/* Run im on the catalogue rows of every kind p speaks of; 1 when every
 * outcome is what p expects, else 0 with the failing rows in bad (space
 * separated "row=outcome"). */
int smx_profile_check(const struct smx_profile *p, const struct smx_impl *im, char *bad,
		      size_t len);

/* The profile x row kind x op table, as Markdown (the README's table). */
void smx_profile_markdown(FILE *f);

/* The entries x profiles matrix for the report: per entry, each profile's
 * verdict ("yes", or the failing rows), the declared ones marked. */
void smx_profile_matrix(struct smx_table *t, const struct smx_impl *const *ims, size_t k);

#endif
