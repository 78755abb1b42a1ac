/* The published-results and language-model sections of smx report
 * (report_sections.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "dtype.h"
#include "lowp.h"
#include "measure.h"
#include "metrics.h"
#include "plugin.h"
#include "progress.h"
#include "report_sections.h"
#include "rows.h"
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

/* Max ulp and max absolute error (nats) of im on c. */
static void lm_errors(const struct smx_impl *im, const struct smx_case *c, double *ulp,
		      double *nats)
{
	const size_t olen = smx_op_out_len(c->op, c->n), outs = c->rows * olen;
	float *a = smx_alloc(c->rows * c->n, sizeof *a), *out = smx_alloc(outs, sizeof *out);
	float *b = c->g ? smx_alloc(c->rows * c->n, sizeof *b) : NULL;
	double *y = smx_alloc(outs, sizeof *y);
	smx_to_dtype(SMX_F32, c->in, a, c->rows * c->n);
	if (b)
		smx_to_dtype(SMX_F32, c->g, b, c->rows * c->n);
	smx_run_guarded(im, a, b, out, c->rows, c->n);
	smx_from_dtype(SMX_F32, out, y, outs);
	struct smx_metrics m;
	smx_metrics_init(&m);
	smx_case_fold(im, c, y, &m);
	double worst = 0;
	for (size_t i = 0; i < outs; i++) {
		const double e = fabs(y[i] - smx_ref_value(&c->ref[i]));
		worst = isnan(e) || e > worst ? e : worst;
	}
	*ulp = m.max_ulp;
	*nats = worst;
	free(a);
	free(b);
	free(out);
	free(y);
}

void smx_lm_measure(struct smx_lm_section *l, const struct smx_impl *const *ims, size_t k,
		    uint64_t seed, size_t rows, int quick, FILE *csv, FILE *dat)
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
	l->rows = rows;
	struct smx_dist d;
	smx_dist_parse("lm", &d);
	double *nats = smx_calloc(k * SMX_LM_NN + 1, sizeof *nats);
	double *ulps = smx_calloc(k * SMX_LM_NN + 1, sizeof *ulps);
	struct smx_stats *st = smx_calloc(k + 1, sizeof *st);
	enum smx_subject *subj = smx_calloc(k + 1, sizeof *subj);
	const struct smx_impl **who = smx_calloc(k + 1, sizeof *who);
	for (size_t j = 0; j < SMX_LM_NN; j++) {
		const size_t n = smx_lm_ns[j];
		smx_progress_cell(0, "language-model scale f32 n=%zu", n);
		const smx_op ops[] = {SMX_OP_LSE, SMX_OP_LOGSOFTMAX, SMX_OP_XENT};
		for (size_t o = 0; o < sizeof ops / sizeof *ops; o++) {
			struct smx_case c;
			smx_case_generate(&c, ops[o], SMX_F32, &d, seed, rows, n);
			size_t m = 0;
			for (size_t i = 0; i < k; i++) {
				if (ims[i]->op != ops[o])
					continue;
				const size_t at = i * SMX_LM_NN + j;
				lm_errors(ims[i], &c, &ulps[at], &nats[at]);
				smx_table_add(&l->err, smx_op_name(ops[o]), ims[i]->name,
					      (long long)n, ulps[at], nats[at]);
				subj[m] = SMX_SUBJ_IMPL;
				who[m++] = ims[i];
			}
			struct smx_bench b;
			smx_bench_init(&b, ops[o], SMX_F32, c.x, c.g, rows, n, SMX_CACHE_HOT,
				       quick ? 1 : 3, quick ? 3 : 5);
			if (m)
				smx_bench_run(&b, m, subj, who, st);
			smx_bench_free(&b);
			const double bytes = 4.0 * rows * ((double)n + smx_op_out_len(ops[o], n));
			for (size_t i = 0, w = 0; i < k; i++) {
				if (ims[i]->op != ops[o])
					continue;
				const double per = st[w].median / ((double)rows * n);
				smx_table_add(&l->speed, smx_op_name(ops[o]), ims[i]->name,
					      (long long)n, per, bytes / st[w].median);
				fprintf(csv, "%s,%s,%zu,%zu,%.6g,%.6g,%.6g,%.6g\n", ims[i]->name,
					smx_op_name(ops[o]), n, rows, ulps[i * SMX_LM_NN + j],
					nats[i * SMX_LM_NN + j], st[w].median, per);
				w++;
			}
			smx_case_free(&c);
		}
		smx_progress_step();
	}
	for (size_t i = 0; i < k; i++) {
		fprintf(dat, "\"%s %s\"\n", smx_op_name(ims[i]->op), ims[i]->name);
		for (size_t j = 0; j < SMX_LM_NN; j++)
			if (nats[i * SMX_LM_NN + j] > 0)
				fprintf(dat, "%zu %.6g\n", smx_lm_ns[j], nats[i * SMX_LM_NN + j]);
			else
				fprintf(dat, "%zu ?\n", smx_lm_ns[j]);
		fputs("\n\n", dat);
	}
	free(nats);
	free(ulps);
	free(st);
	free(subj);
	free(who);
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
