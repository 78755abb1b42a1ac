/* The published-results and language-model sections of smx report
 * (report_sections.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "dtype.h"
#include "lowp.h"
#include "measure.h"
#include "metrics.h"
#include "run.h"
#include "progress.h"
#include "report_sections.h"
#include "rows.h"
#include "sweeps.h"
#include "util.h"

/* ---- published results ---- */

/* Blanchard, Higham & Higham, IMA J. Numer. Anal. 41 (2021), the fp16
 * experiment on the 2,500 MNIST rows. */
enum { PUB_NAIVE_INF = 475, PUB_SINGLE_EXP = 471, PUB_SHIFTED_INF = 0 };
#define UNIFORM_N 512

static const char *yes(int ok)
{
	return ok ? "yes" : "no";
}

static void count_row(struct smx_pub_section *p, const char *what, size_t got, size_t want)
{
	char pub[32];
	snprintf(pub, sizeof pub, "%zu", want);
	smx_table_add(&p->counts, what, (double)got, (const char *)pub, yes(got == want));
	p->mismatched += got != want;
}

static void upcast_rows(struct smx_pub_section *p, uint64_t seed)
{
	enum { ROWS = 8, N = 1000 };
	struct smx_dist d;
	smx_dist_parse("normal:3", &d);
	double *xd = smx_alloc(ROWS * N, sizeof *xd);
	uint16_t *x = smx_alloc(ROWS * N, sizeof *x);
	smx_dist_fill(&d, SMX_F32, seed, ROWS, N, xd);
	for (size_t i = 0; i < smx_lowp_pair_count(); i++) {
		const struct smx_lowp_pair *q = smx_lowp_pair_get(i);
		char verdict[64];
		if ((smx_cpu_features() & q->cpu) != q->cpu) {
			smx_table_add(&p->upcast, q->op, q->dtype, q->name, q->f32name,
				      (const char *)"not run (this CPU lacks the ISA)");
			continue;
		}
		for (size_t j = 0; j < ROWS * N; j++)
			x[j] = q->is_bf16 ? smx_bf16_from_float((float)xd[j])
					  : smx_f16_from_double(xd[j]);
		const size_t bad = smx_lowp_upcast_mismatches(q, x, ROWS, N);
		if (bad == (size_t)-1)
			smx_die("report: out of memory");
		if (bad)
			snprintf(verdict, sizeof verdict, "no (%zu of %d outputs differ)", bad,
				 q->per_row ? ROWS : ROWS * N);
		else
			snprintf(verdict, sizeof verdict, "yes (%d outputs)",
				 q->per_row ? ROWS : ROWS * N);
		p->mismatched += bad != 0;
		smx_table_add(&p->upcast, q->op, q->dtype, q->name, q->f32name,
			      (const char *)verdict);
	}
	free(xd);
	free(x);
}

int smx_pub_measure(struct smx_pub_section *p, const char *data, uint64_t seed, char *err,
		    size_t errlen)
{
	static const struct smx_column cc[] = {{"result", SMX_STR, 1},
					       {"smx", SMX_NUM, 1},
					       {"published", SMX_STR, 1},
					       {"matches", SMX_STR, 1}};
	static const struct smx_column uc[] = {{"op", SMX_STR, 1},
					       {"dtype", SMX_STR, 1},
					       {"entry", SMX_STR, 1},
					       {"f32 entry", SMX_STR, 1},
					       {"equals f32 on the upcast input", SMX_STR, 1}};
	memset(p, 0, sizeof *p);
	smx_table_init(&p->counts, cc, sizeof cc / sizeof *cc);
	smx_table_init(&p->upcast, uc, sizeof uc / sizeof *uc);
	if (smx_published_mnist_fp16(data, &p->m, err, errlen))
		return -1;
	count_row(p, "MNIST rows read", p->m.rows, 2500);
	count_row(p, "fp16 unshifted LSE is inf (rows)", p->m.naive_inf, PUB_NAIVE_INF);
	count_row(p, "  of those, one exp(x_i) > 65504", p->m.naive_single_exp, PUB_SINGLE_EXP);
	count_row(p, "fp16 shifted LSE is inf (rows)", p->m.shifted_inf, PUB_SHIFTED_INF);
	smx_table_add(&p->counts, "fp16 shifted LSE, worst error (u max(1,|lse|))",
		      p->m.shifted_max_err, (const char *)"-", (const char *)"-");
	const int within = p->m.shifted_max_ratio <= 1;
	smx_table_add(&p->counts, "fp16 shifted LSE, worst error / bound", p->m.shifted_max_ratio,
		      (const char *)"<= 1", yes(within));
	p->mismatched += !within;

	p->u = smx_published_uniform_bf16(UNIFORM_N);
	const int u16 = p->u.acc16 == 1.0 / 256, u32 = p->u.acc32 == 1.0 / UNIFORM_N;
	smx_table_add(&p->counts, "bf16 uniform n = 512, bf16 sum: p_0", p->u.acc16,
		      (const char *)"1/256 = 0.003906", yes(u16));
	smx_table_add(&p->counts, "bf16 uniform n = 512, f32 sum: p_0", p->u.acc32,
		      (const char *)"1/512 (exact)", yes(u32));
	p->mismatched += !u16 + !u32;
	upcast_rows(p, seed);
	return 0;
}

void smx_pub_doc(struct smx_doc *doc, const struct smx_pub_section *p)
{
	smx_doc_h2(doc, "published", "Published results");
	smx_doc_p(
	    doc,
	    "Blanchard, Higham & Higham, \"Accurately computing the log-sum-exp and "
	    "softmax functions\", IMA J. Numer. Anal. 41 (2021): the %zu MNIST "
	    "pre-softmax rows of tests/data/mnist-presoftmax.txt, rounded once to fp16, "
	    "log-sum-exp with exp and the recursive sum in fp16 in index order "
	    "(lse f16 naive.acc16/scalar) and shifted by the maximum "
	    "(shifted.acc16/scalar). The error of the shifted one is in units of u = "
	    "2^-11 times max(1, |lse|) against the MPFR reference, and is divided by "
	    "the bound derived in impls/lowp_scalar.h from the paper's analysis. The bf16 rows: "
	    "a sum of ones in bf16 sticks at 256 (executorch issue 20089).",
	    p->m.rows);
	smx_doc_table(doc, &p->counts);
	smx_doc_p(doc, "%s: %zu result(s) above differ from the published or derived one.",
		  p->mismatched ? "Not reproduced" : "Reproduced", p->mismatched);
	smx_doc_p(doc, "The benchdnn rule: a bf16 or f16 entry that accumulates in f32 must give "
		       "the f32 entry of the same algorithm on the upcast input, rounded once "
		       "(8 rows of normal(0, 3), n = 1000).");
	smx_doc_table(doc, &p->upcast);
}

void smx_pub_free(struct smx_pub_section *p)
{
	smx_table_free(&p->counts);
	smx_table_free(&p->upcast);
}

/* ---- language-model scale ---- */

/* Llama 2, Llama 3, Qwen 2 and Gemma vocabularies. */
const size_t smx_lm_ns[SMX_LM_NN] = {32000, 128256, 151936, 256000};

/* The ops of the section, in the order of its tables and figure. */
static const smx_op lm_ops[] = {SMX_OP_LSE, SMX_OP_LOGSOFTMAX, SMX_OP_XENT};
#define LM_NOPS (sizeof lm_ops / sizeof *lm_ops)

/* The row of t for (impl, op, n), one thread when timed; or t->nrows. */
static size_t lm_row(const struct smx_table *t, int timed, const char *impl, smx_op op, size_t n)
{
	size_t row = 0;
	while (row < t->nrows && (strcmp(smx_table_at(t, row, "impl")->s, impl) ||
				  strcmp(smx_table_at(t, row, "op")->s, smx_op_name(op)) ||
				  smx_table_at(t, row, "n")->i != (long long)n ||
				  (timed && smx_table_at(t, row, "threads")->i != 1)))
		row++;
	return row;
}

/* Nats from an accuracy row: the largest |error| of a log (lse, the loss),
 * else the largest log-prob error (log-softmax). */
static double lm_nats(const struct smx_table *acc, size_t row)
{
	if (row == acc->nrows)
		return NAN;
	double abs = smx_table_at(acc, row, "abs_err")->d;
	return isnan(abs) ? smx_table_at(acc, row, "logprob_nats")->d : abs;
}

void smx_lm_measure(struct smx_lm_section *l, const struct smx_lm_opts *o, struct smx_table *acc,
		    struct smx_table *perf, FILE *dat)
{
	static const struct smx_column ec[] = {{"op", SMX_STR, 1},
					       {"impl", SMX_STR, 1},
					       {"n", SMX_INT, 1},
					       {"max ulp", SMX_NUM, 1},
					       {"max abs error (nats)", SMX_NUM, 1}};
	static const struct smx_column sc[] = {{"op", SMX_STR, 1},
					       {"impl", SMX_STR, 1},
					       {"n", SMX_INT, 1},
					       {"ns/elem", SMX_NUM, 1},
					       {"GB/s (x read, y written)", SMX_NUM, 1}};
	smx_table_init(&l->err, ec, sizeof ec / sizeof *ec);
	smx_table_init(&l->speed, sc, sizeof sc / sizeof *sc);
	l->rows = o->rows;
	struct smx_sel sel = *o->sel;
	sel.nops = LM_NOPS;
	memcpy(sel.ops, lm_ops, sizeof lm_ops);
	sel.dts[0] = SMX_F32;
	sel.ndts = 1;
	struct smx_dist d;
	smx_dist_parse("lm", &d);
	const struct smx_accuracy_opts ao = {.sel = &sel,
					     .keep = o->keep,
					     .dists = &d,
					     .ndists = 1,
					     .ns = smx_lm_ns,
					     .nn = SMX_LM_NN,
					     .rows = o->rows,
					     .seed = o->seed,
					     .hi = SIZE_MAX};
	smx_accuracy_table(acc);
	smx_accuracy_sweep(&ao, acc);
	const struct smx_perf_opts po = {.sel = &sel,
					 .keep = o->keep,
					 .ns = smx_lm_ns,
					 .nn = SMX_LM_NN,
					 .rows = o->rows,
					 .cache = SMX_CACHE_HOT,
					 .min_ms = o->quick ? 1 : 3,
					 .reps = o->quick ? 3 : 5,
					 .pin = -1,
					 .dist = &d,
					 .seed = o->seed};
	smx_perf_table(perf);
	smx_perf_sweep(&po, perf);
	const struct smx_impl *ims[LM_NOPS][256];
	size_t k[LM_NOPS];
	for (size_t p = 0; p < LM_NOPS; p++)
		k[p] = smx_sweep_entries(&sel, o->keep, lm_ops[p], SMX_F32, ims[p]);
	for (size_t j = 0; j < SMX_LM_NN; j++)
		for (size_t p = 0; p < LM_NOPS; p++)
			for (size_t i = 0; i < k[p]; i++) {
				const size_t n = smx_lm_ns[j];
				const char *name = ims[p][i]->name;
				size_t row = lm_row(acc, 0, name, lm_ops[p], n);
				smx_table_add(
				    &l->err, smx_op_name(lm_ops[p]), name, (long long)n,
				    row < acc->nrows ? smx_table_at(acc, row, "max_ulp")->d : NAN,
				    lm_nats(acc, row));
				row = lm_row(perf, 1, name, lm_ops[p], n);
				double ns = row < perf->nrows
						? smx_table_at(perf, row, "median_ns")->d
						: NAN;
				double bytes = (double)smx_dtype_size(SMX_F32) * (double)o->rows *
					       (double)(n + smx_op_out_len(lm_ops[p], n));
				smx_table_add(&l->speed, smx_op_name(lm_ops[p]), name, (long long)n,
					      ns / ((double)o->rows * (double)n), bytes / ns);
			}
	for (size_t p = 0; p < LM_NOPS; p++)
		for (size_t i = 0; i < k[p]; i++) {
			fprintf(dat, "\"%s %s\"\n", smx_op_name(lm_ops[p]), ims[p][i]->name);
			for (size_t j = 0; j < SMX_LM_NN; j++) {
				double nats = lm_nats(
				    acc, lm_row(acc, 0, ims[p][i]->name, lm_ops[p], smx_lm_ns[j]));
				if (nats > 0)
					fprintf(dat, "%zu %.6g\n", smx_lm_ns[j], nats);
				else
					fprintf(dat, "%zu ?\n", smx_lm_ns[j]);
			}
			fputs("\n\n", dat);
		}
}

void smx_lm_doc(struct smx_doc *doc, const struct smx_lm_section *l)
{
	smx_doc_h2(doc, "lm", "Language-model scale");
	smx_doc_p(doc,
		  "Log-sum-exp, log-softmax and the cross-entropy loss (f32) at the "
		  "vocabulary sizes of Llama 2, Llama 3, Qwen 2 and Gemma, on %zu row(s) of "
		  "the lm generator per size, with class targets drawn from the seed: the "
		  "absolute error in nats (of the lse value, the largest over the log-probs, "
		  "of the loss) as this audience quotes it, beside the error in ulps of the "
		  "correctly rounded reference.",
		  l->rows);
	if (!l->err.nrows)
		smx_doc_p(doc, "No lse, log-softmax or cross-entropy entry is selected: nothing "
			       "measured.");
	else
		smx_doc_fig(
		    doc, "fig10_lm_error",
		    "Max absolute error in nats against vocabulary size n (f32, lm logits); "
		    "an exact result (0 nats) has no point on the log axis, and entries with "
		    "equal errors share one line.");
	smx_doc_table(doc, &l->err);
	smx_doc_p(doc, "Throughput on the same rows: median, hot cache, one pinned thread, the "
		       "entries of one op side by side; GB/s counts x read and y written.");
	smx_doc_table(doc, &l->speed);
}

void smx_lm_free(struct smx_lm_section *l)
{
	smx_table_free(&l->err);
	smx_table_free(&l->speed);
}
