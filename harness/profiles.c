/* Edge profiles; see profiles.h. What each library does was read from its
 * source or documentation, named in each profile's source line. */
#include <stdlib.h>
#include <string.h>

#include "profiles.h"
#include "scenarios.h"

#define A SMX_EXP_ANY
#define R SMX_EXP_REF
#define N SMX_EXP_NAN
#define Z SMX_EXP_ZERO
#define NI SMX_EXP_NEGINF
#define PI SMX_EXP_POSINF
/* Finite rows (sentinels, first block masked, tail masks): every library
 * computes the exact softmax of finite inputs (a finite sentinel is not a
 * mask to any of them), so each expects the reference there. */
#define FINITE_ROWS                                                                                \
	[SMX_RK_SENTINEL] = {R, R, R, R, R}, [SMX_RK_FIRST_BLOCK] = {R, R, R, R, R},               \
	[SMX_RK_TAIL_MASK] = {R, R, R, R, R}
/* Cross-entropy as the log-softmax at the target (PyTorch's cross_entropy
 * is nll_loss of log_softmax; ONNX SoftmaxCrossEntropyLoss and optax's
 * softmax_cross_entropy_with_integer_labels the same): a -inf target
 * logit gives the loss +inf and the finite gradient softmax - one-hot; a
 * target below a finite sentinel is a finite row. The row kinds of the
 * softmax columns carry over through the log-softmax: NaN. */
#define CE_ROWS                                                                                    \
	[SMX_RK_TARGET_NEGINF] = {A, A, A, PI, R}, [SMX_RK_TARGET_SENTINEL] = {A, A, A, R, R}

static const struct smx_profile profiles[] = {
    {.name = "pytorch",
     .title = "IEEE arithmetic after the max shift: torch.softmax, log_softmax, logsumexp, "
	      "cross_entropy",
     .source = "x - max with max = -inf or +inf gives NaN, so all -inf rows and +inf entries "
	       "give NaN (pytorch/pytorch#55056); logsumexp replaces an infinite max by 0 "
	       "(aten/src/ATen/native/ReduceOps.cpp), so it gives -inf and +inf; "
	       "cross_entropy is nll_loss(log_softmax): a -inf target gives the loss +inf",
     .expect = {[SMX_RK_MASKED] = {N, N, NI, N, N},
		[SMX_RK_POS_INF] = {N, N, PI, N, N},
		[SMX_RK_MIXED_INF] = {N, N, PI, N, N},
		[SMX_RK_NAN] = {N, N, N, N, N},
		FINITE_ROWS,
		CE_ROWS}},
    {.name = "pytorch-safe",
     .title = "PyTorch's _safe_softmax (scaled_dot_product_attention's math path)",
     .source = "softmax, then zeros where every entry is -inf (pytorch/pytorch PR #131060, "
	       "aten/src/ATen/native/transformers/attention.cpp); NaN entries stay NaN; "
	       "there is no safe log_softmax or cross_entropy",
     .expect = {[SMX_RK_MASKED] = {Z, N, NI, N, N},
		[SMX_RK_POS_INF] = {N, N, PI, N, N},
		[SMX_RK_MIXED_INF] = {N, N, PI, N, N},
		[SMX_RK_NAN] = {N, N, N, N, N},
		FINITE_ROWS,
		CE_ROWS}},
    {.name = "onnx-attention",
     .title = "ONNX Attention (opset 23): a fully masked query row gives zeros",
     .source = "opset-23 errata, onnx/onnx PR #8068 (zeros instead of NaN, as PyTorch's "
	       "SDPA); otherwise the plain softmax of onnx/reference/ops/op_attention.py; "
	       "LogSoftmax, ReduceLogSumExp and SoftmaxCrossEntropyLoss keep IEEE results",
     .expect = {[SMX_RK_MASKED] = {Z, N, NI, N, N},
		[SMX_RK_POS_INF] = {N, N, PI, N, N},
		[SMX_RK_MIXED_INF] = {N, N, PI, N, N},
		[SMX_RK_NAN] = {N, N, N, N, N},
		FINITE_ROWS,
		CE_ROWS}},
    {.name = "onednn-inf-as-zero",
     .title = "oneDNN softmax_accurate_inf_as_zero (graph SoftMax mode=inf_as_zero)",
     .source = "zeros when the row's max is -inf, on the softmax path only "
	       "(src/cpu/rv64/rvv_softmax.cpp; Developer Guide, SoftMax); softmax_log has "
	       "no such mode; oneDNN has no lse or cross-entropy primitive",
     .expect = {[SMX_RK_MASKED] = {Z, N, A, A, A},
		[SMX_RK_POS_INF] = {N, N, A, A, A},
		[SMX_RK_MIXED_INF] = {N, N, A, A, A},
		[SMX_RK_NAN] = {N, N, A, A, A},
		[SMX_RK_SENTINEL] = {R, R, A, A, A},
		[SMX_RK_FIRST_BLOCK] = {R, R, A, A, A},
		[SMX_RK_TAIL_MASK] = {R, R, A, A, A}}},
    {.name = "jax",
     .title = "jax.nn.softmax, log_softmax and logsumexp; optax's integer-label cross-entropy",
     .source = "+inf gives NaN, as documented (jax/_src/nn/functions.py); logsumexp replaces "
	       "a non-finite max by 0 (jax/_src/ops/special.py); dot_product_attention masks "
	       "with the finite -0.7 finfo.max, which is the sentinel row; "
	       "optax.softmax_cross_entropy_with_integer_labels is logsumexp(x - max) minus "
	       "the target's x - max (optax/losses/_classification.py)",
     .expect = {[SMX_RK_MASKED] = {N, N, NI, N, N},
		[SMX_RK_POS_INF] = {N, N, PI, N, N},
		[SMX_RK_MIXED_INF] = {N, N, PI, N, N},
		[SMX_RK_NAN] = {N, N, N, N, N},
		FINITE_ROWS,
		CE_ROWS}},
};
#undef A
#undef R
#undef N
#undef Z
#undef NI
#undef PI
#undef FINITE_ROWS
#undef CE_ROWS

enum { NPROF = sizeof profiles / sizeof *profiles };

size_t smx_profile_count(void)
{
	return NPROF;
}

const struct smx_profile *smx_profile_get(size_t i)
{
	return i < NPROF ? &profiles[i] : NULL;
}

const struct smx_profile *smx_profile_find(const char *name)
{
	for (size_t i = 0; i < NPROF; i++)
		if (!strcmp(profiles[i].name, name))
			return &profiles[i];
	return NULL;
}

const char *smx_profile_names(void)
{
	static char names[256];
	if (!names[0])
		for (size_t i = 0, l = 0; i < NPROF && l < sizeof names; i++)
			l += (size_t)snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "",
					      profiles[i].name);
	return names;
}

const char *smx_rowkind_name(enum smx_rowkind k)
{
	static const char *const names[] = {"-",
					    "fully masked (all -inf)",
					    "+inf entries",
					    "mixed +inf and -inf",
					    "NaN entry",
					    "below a finite sentinel",
					    "first block masked",
					    "masks in the SIMD tail",
					    "-inf at the target",
					    "target below a finite sentinel"};
	return names[k];
}

const char *smx_expect_name(enum smx_expect e)
{
	static const char *const names[] = {"-", "ref", "nan", "zeros", "-inf", "+inf"};
	return names[e];
}

static int column(smx_op op)
{
	return op == SMX_OP_SOFTMAX	 ? SMX_PCOL_SOFTMAX
	       : op == SMX_OP_LOGSOFTMAX ? SMX_PCOL_LOGSOFTMAX
	       : op == SMX_OP_LSE	 ? SMX_PCOL_LSE
	       : op == SMX_OP_XENT	 ? SMX_PCOL_XENT
	       : op == SMX_OP_XENT_FUSED ? SMX_PCOL_XENT_FUSED
					 : -1;
}

enum smx_expect smx_profile_expect(const struct smx_profile *p, smx_op op, enum smx_rowkind k)
{
	int c = column(op);
	if (c < 0 || k == SMX_RK_NONE)
		return SMX_EXP_ANY;
	return (enum smx_expect)p->expect[k][c];
}

int smx_expect_holds(enum smx_expect e, enum smx_outcome got)
{
	switch (e) {
	case SMX_EXP_ANY:
		return 1;
	case SMX_EXP_REF:
		return got == SMX_OUT_OK;
	case SMX_EXP_NAN:
		return got == SMX_OUT_NAN;
	case SMX_EXP_ZERO:
		return got == SMX_OUT_ZERO;
	case SMX_EXP_NEGINF:
	case SMX_EXP_POSINF:
		/* Where the reference is that infinity (lse), the classifier
		 * calls an equal output ok. */
		return got == SMX_OUT_INF || got == SMX_OUT_OK;
	}
	return 0;
}

int smx_profile_declared(const struct smx_profile *p, const struct smx_impl *im)
{
	if (column(im->op) < 0)
		return 0;
	/* A profile that expects nothing of the op (oneDNN has no lse) holds
	 * for every entry, overflowing ones too. */
	int any = 1;
	for (int k = SMX_RK_NONE + 1; k < SMX_RK_COUNT; k++)
		any &= smx_profile_expect(p, im->op, (enum smx_rowkind)k) == SMX_EXP_ANY;
	if (any)
		return 1;
	if (im->policy.overflows || im->bound.domain > 0)
		return 0;
	const enum smx_expect masked = im->policy.all_neginf == SMX_EDGE_ZERO	 ? SMX_EXP_ZERO
				       : im->policy.all_neginf == SMX_EDGE_LIMIT ? SMX_EXP_REF
										 : SMX_EXP_NAN,
			      inf =
				  im->policy.pos_inf == SMX_EDGE_LIMIT ? SMX_EXP_REF : SMX_EXP_NAN;
	const struct {
		enum smx_rowkind k;
		enum smx_expect want;
	} said[] = {{SMX_RK_MASKED, masked},
		    {SMX_RK_POS_INF, inf},
		    {SMX_RK_MIXED_INF, inf},
		    {SMX_RK_NAN, SMX_EXP_NAN}};
	for (size_t i = 0; i < sizeof said / sizeof *said; i++) {
		enum smx_expect e = smx_profile_expect(p, im->op, said[i].k);
		/* An infinite value expected is the reference's (lse). */
		int ref =
		    said[i].want == SMX_EXP_REF && (e == SMX_EXP_NEGINF || e == SMX_EXP_POSINF);
		if (e != SMX_EXP_ANY && e != said[i].want && !ref)
			return 0;
	}
	return 1;
}

static const char *expect_outcome(enum smx_expect e)
{
	switch (e) {
	case SMX_EXP_ANY:
		return "any";
	case SMX_EXP_REF:
		return smx_outcome_name(SMX_OUT_OK);
	case SMX_EXP_NAN:
		return smx_outcome_name(SMX_OUT_NAN);
	case SMX_EXP_ZERO:
		return smx_outcome_name(SMX_OUT_ZERO);
	case SMX_EXP_NEGINF:
	case SMX_EXP_POSINF:
		break;
	}
	return smx_outcome_name(SMX_OUT_INF);
}

int smx_row_judge(const struct smx_profile *p, const struct smx_impl *im,
		  const struct smx_scenario *s, enum smx_outcome got, const char **expected)
{
	enum smx_expect e = p ? smx_profile_expect(p, im->op, s->rk) : SMX_EXP_ANY;
	if (e != SMX_EXP_ANY) {
		*expected = expect_outcome(e);
		return smx_expect_holds(e, got);
	}
	int any;
	enum smx_outcome want = smx_scenario_expect(im, s, &any);
	*expected = any ? "any" : smx_outcome_name(want);
	return smx_policy_holds(got, want, any);
}

void smx_profile_declared_list(const struct smx_impl *im, char *buf, size_t len)
{
	size_t l = 0;
	buf[0] = 0;
	for (size_t i = 0; i < NPROF && l < len; i++)
		if (smx_profile_declared(&profiles[i], im))
			l += (size_t)snprintf(buf + l, len - l, "%s%s", l ? ", " : "",
					      profiles[i].name);
	if (!l)
		snprintf(buf, len, "none");
}

/* The entry's outcomes on the catalogue rows a profile may speak of. */
struct outcomes {
	size_t k;
	const struct smx_scenario *row[64];
	enum smx_outcome got[64];
};

static void run_rows(const struct smx_impl *im, struct outcomes *o)
{
	static struct smx_scenario scen[64];
	size_t ns = smx_scenarios_for(im->op, im->dtype, scen, 64);
	o->k = 0;
	for (size_t j = 0; j < ns; j++) {
		if (scen[j].rk == SMX_RK_NONE)
			continue;
		double u;
		o->row[o->k] = &scen[j];
		o->got[o->k++] = smx_scenario_run(im, &scen[j], &u);
	}
}

static int judge(const struct smx_profile *p, const struct smx_impl *im, const struct outcomes *o,
		 char *bad, size_t len)
{
	size_t lb = 0;
	int ok = 1;
	if (len)
		bad[0] = 0;
	for (size_t j = 0; j < o->k; j++) {
		enum smx_expect e = smx_profile_expect(p, im->op, o->row[j]->rk);
		if (smx_expect_holds(e, o->got[j]))
			continue;
		ok = 0;
		if (lb < len)
			lb += (size_t)snprintf(bad + lb, len - lb, "%s%s=%s", lb ? " " : "",
					       o->row[j]->name, smx_outcome_name(o->got[j]));
	}
	return ok;
}

int smx_profile_check(const struct smx_profile *p, const struct smx_impl *im, char *bad, size_t len)
{
	struct outcomes o;
	run_rows(im, &o);
	return judge(p, im, &o, bad, len);
}

void smx_profile_markdown(FILE *f)
{
	fputs("| row kind |", f);
	for (size_t i = 0; i < NPROF; i++)
		fprintf(f, " `%s` |", profiles[i].name);
	fputs("\n| --- |", f);
	for (size_t i = 0; i < NPROF; i++)
		fputs(" --- |", f);
	fputc('\n', f);
	for (int k = SMX_RK_NONE + 1; k < SMX_RK_COUNT; k++) {
		fprintf(f, "| %s |", smx_rowkind_name((enum smx_rowkind)k));
		for (size_t i = 0; i < NPROF; i++) {
			fputc(' ', f);
			for (int c = 0; c < SMX_PCOL_COUNT; c++)
				fprintf(f, "%s%s", c ? " / " : "",
					smx_expect_name((enum smx_expect)profiles[i].expect[k][c]));
			fputs(" |", f);
		}
		fputc('\n', f);
	}
}

/* "yes", or "no:" and per failing row kind its first outcome; then
 * " (declared)" when im's policy names p. */
static void matrix_cell(const struct smx_profile *p, const struct smx_impl *im,
			const struct outcomes *o, char *buf, size_t len)
{
	static const char *const brief[SMX_RK_COUNT] = {
	    "-",	"masked",      "+inf",	    "mixed-inf",     "nan",
	    "sentinel", "first-block", "tail-mask", "target-neginf", "target-sentinel"};
	size_t l = (size_t)snprintf(buf, len, "yes");
	for (int k = SMX_RK_NONE + 1; k < SMX_RK_COUNT; k++)
		for (size_t j = 0; j < o->k; j++) {
			if (o->row[j]->rk != (enum smx_rowkind)k ||
			    smx_expect_holds(smx_profile_expect(p, im->op, o->row[j]->rk),
					     o->got[j]))
				continue;
			if (!strcmp(buf, "yes"))
				l = (size_t)snprintf(buf, len, "no:");
			if (l < len)
				l += (size_t)snprintf(buf + l, len - l, " %s=%s", brief[k],
						      smx_outcome_name(o->got[j]));
			break;
		}
	if (smx_profile_declared(p, im) && l < len)
		snprintf(buf + l, len - l, " (declared)");
}

void smx_profile_matrix(struct smx_table *t, const struct smx_impl *const *ims, size_t k)
{
	_Static_assert(NPROF == 5, "one smx_table_add argument per profile below");
	static struct smx_column cols[3 + NPROF] = {
	    {"impl", SMX_STR, 1}, {"op", SMX_STR, 1}, {"dtype", SMX_STR, 1}};
	for (size_t i = 0; i < NPROF; i++)
		cols[3 + i] = (struct smx_column){profiles[i].name, SMX_STR, 1};
	smx_table_init(t, cols, 3 + NPROF);
	for (size_t e = 0; e < k; e++) {
		struct outcomes o;
		run_rows(ims[e], &o);
		char cell[NPROF][160];
		for (size_t i = 0; i < NPROF; i++)
			matrix_cell(&profiles[i], ims[e], &o, cell[i], sizeof cell[i]);
		smx_table_add(t, ims[e]->name, smx_op_name(ims[e]->op),
			      smx_dtype_name(ims[e]->dtype), cell[0], cell[1], cell[2], cell[3],
			      cell[4]);
	}
}
