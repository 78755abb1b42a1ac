/* Long forward rows measured span by span; see stream.h. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "run.h"
#include "ref_internal.h"
#include "ref_out.h"
#include "dtype.h"
#include "stream.h"
#include "util.h"

#define BLOCK SMX_REF_BLOCK
#define SPAN SMX_METRICS_SPAN

int smx_stream_wants(smx_op op, size_t n)
{
	return (op == SMX_OP_SOFTMAX || op == SMX_OP_LOGSOFTMAX) && n >= SMX_STREAM_MIN &&
	       smx_ref_fast_on();
}

/* Values [at, at + len) of the rows as doubles (exact), in any format. */
static void load(smx_dtype dt, const void *x, size_t at, size_t len, double *out)
{
	smx_from_dtype(dt, (const char *)x + at * smx_dtype_size(dt), out, len);
}

/* A block's maximum (first index of it) over entries that are not -inf,
 * and whether it holds a NaN or +inf. */
struct block_max {
	double m;
	size_t k; /* SIZE_MAX: no entry */
	int odd;  /* NaN or +inf */
};

/* The row's plan, as ref.c's row setup and smx_ref_fast_row make it; 0
 * when the fast path does not take the row whole. */
static int plan_row(struct smx_stream *s, size_t r, struct smx_ref_plan *plan)
{
	size_t n = s->n, nb = (n + BLOCK - 1) / BLOCK, at = r * n;
	struct block_max *bm = smx_alloc(nb, sizeof *bm);
	struct smx_ref_part *part = smx_alloc(nb, sizeof *part);
	long lnb = (long)nb;
#pragma omp parallel
	{
		double xb[BLOCK];
#pragma omp for schedule(static)
		for (long b = 0; b < lnb; b++) {
			size_t a = (size_t)b * BLOCK, len = a + BLOCK < n ? BLOCK : n - a;
			load(s->dt, s->x, at + a, len, xb);
			struct block_max o = {-INFINITY, SIZE_MAX, 0};
			for (size_t i = 0; i < len; i++) {
				o.odd |= isnan(xb[i]) || xb[i] == INFINITY;
				if (xb[i] != -INFINITY && (o.k == SIZE_MAX || xb[i] > o.m)) {
					o.m = xb[i];
					o.k = a + i;
				}
			}
			bm[b] = o;
		}
	}
	struct block_max top = {-INFINITY, SIZE_MAX, 0};
	for (size_t b = 0; b < nb; b++) {
		top.odd |= bm[b].odd;
		if (bm[b].k != SIZE_MAX && (top.k == SIZE_MAX || bm[b].m > top.m))
			top = (struct block_max){bm[b].m, bm[b].k, top.odd};
	}
	free(bm);
	int ok = !top.odd && top.k != SIZE_MAX;
	if (ok) {
#pragma omp parallel
		{
			double xb[BLOCK];
#pragma omp for schedule(static)
			for (long b = 0; b < lnb; b++) {
				size_t a = (size_t)b * BLOCK, len = a + BLOCK < n ? BLOCK : n - a;
				load(s->dt, s->x, at + a, len, xb);
				smx_ref_fast_part(xb, len,
						  top.k >= a && top.k < a + len ? top.k - a : len,
						  top.m, &part[b]);
			}
		}
		ok = smx_ref_fast_plan(plan, s->op, s->dt, n, top.m, part);
	}
	free(part);
	return ok;
}

int smx_stream_generate(struct smx_stream *s, smx_op op, smx_dtype dt, const struct smx_dist *d,
			uint64_t seed, size_t rows, size_t n)
{
	size_t count;
	if (smx_mul_overflows(rows, n, &count) ||
	    smx_mul_overflows(count, smx_dtype_size(dt), &s->bytes))
		smx_die("rows x n overflows");
	*s = (struct smx_stream){op, dt, rows, n, s->bytes, NULL, NULL, 0};
	/* Pages of its own, made read-only once written: an entry that wrote
	 * into its input would otherwise change the next entry's rows and the
	 * reference computed from them. */
	s->x = mmap(NULL, s->bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->x == MAP_FAILED)
		smx_die("out of memory (%zu bytes of rows)", s->bytes);
	smx_dist_fill_as(d, dt, seed, rows, n, s->x);
	if (mprotect(s->x, s->bytes, PROT_READ))
		smx_die("internal: mprotect of the rows failed");
	s->plan = smx_alloc(rows, sizeof *s->plan);
	for (size_t r = 0; r < rows; r++)
		if (!plan_row(s, r, &s->plan[r])) {
			smx_stream_free(s);
			return -1;
		}
	return 0;
}

/* What a span source reads: one row of the rows and of an output (in
 * format ydt), with the plan of that output's reference. */
struct span_src {
	const struct smx_stream *s;
	const void *y;
	smx_dtype ydt;
	const struct smx_ref_plan *plan;
	size_t r;
};

static int span_src(void *arg, size_t i0, size_t len, const double **x, const double **y,
		    const struct smx_refval **ref, void *scratch)
{
	const struct span_src *c = arg;
	const struct smx_stream *s = c->s;
	double *xb = scratch, *yb = xb + SPAN;
	struct smx_refval *rb = (struct smx_refval *)(yb + SPAN);
	size_t at = c->r * s->n + i0;
	load(s->dt, s->x, at, len, xb);
	load(c->ydt, c->y, at, len, yb);
	for (size_t k = 0; k < len; k += BLOCK)
		if (!smx_ref_fast_block(c->plan, xb + k, len - k < BLOCK ? len - k : BLOCK, rb + k))
			return -1;
	*x = xb;
	*y = yb;
	*ref = rb;
	return 0;
}

/* The row's input facts for bound (its domain), span by span. */
static void scan_row(const struct smx_stream *s, size_t r, const struct smx_bound *bound,
		     struct smx_row_scan *sc)
{
	size_t nb = (s->n + SPAN - 1) / SPAN;
	struct smx_row_scan *part = smx_alloc(nb, sizeof *part);
	long lnb = (long)nb;
#pragma omp parallel
	{
		double *xb = smx_alloc(SPAN, sizeof *xb);
#pragma omp for schedule(static)
		for (long b = 0; b < lnb; b++) {
			size_t a = (size_t)b * SPAN, len = a + SPAN < s->n ? SPAN : s->n - a;
			load(s->dt, s->x, r * s->n + a, len, xb);
			smx_row_scan_init(&part[b]);
			smx_row_scan_add(&part[b], bound, xb, len);
		}
		free(xb);
	}
	smx_row_scan_init(sc);
	for (size_t b = 0; b < nb; b++)
		smx_row_scan_merge(sc, &part[b]);
	free(part);
}

int smx_stream_measure(const struct smx_impl *im, struct smx_stream *s, struct smx_metrics *m)
{
	/* An output of another format or scaled (fp8) against the reference
	 * of that output (reference/ref_out.h), span by span as any other;
	 * a scale the fast path does not take is measured whole. */
	const smx_dtype od = smx_impl_out(im);
	const int scaled = im->out_scale != 0, other = od != s->dt || scaled;
	struct smx_ref_plan plan = {.op = s->op};
	if (other && !smx_ref_out_plan(&plan, &plan, od, im->out_scale))
		return -1;
	/* which references have been decided whole: one bit per output
	 * format and scale kind */
	const unsigned kind = 1u << (2 * od + scaled);
	void *y = smx_alloc(s->rows * s->n, smx_dtype_size(od));
	smx_run_guarded(im, s->x, NULL, y, s->rows, s->n);
	const struct smx_bound *bd = isfinite(im->bound.c0) ? &im->bound : NULL;
	struct smx_metrics acc = *m;
	int rc = 0;
	for (size_t r = 0; r < s->rows && !rc; r++) {
		struct smx_row_scan sc;
		scan_row(s, r, bd, &sc);
		plan = s->plan[r];
		if (other)
			smx_ref_out_plan(&plan, &s->plan[r], od, im->out_scale);
		struct span_src src = {s, y, od, &plan, r};
		rc = smx_metrics_row_spans(&acc, s->op, od, bd, &sc, s->n, span_src, &src,
					   SPAN * (2 * sizeof(double) + sizeof(struct smx_refval)),
					   scaled);
	}
	free(y);
	if (rc) {
		/* the components depend on the output only: a kind decided
		 * once is decided again */
		if (s->verified & kind)
			smx_die("internal: a streamed reference changed between entries");
		return -1;
	}
	if (!(s->verified & kind))
		for (size_t r = 0; r < s->rows; r++)
			smx_ref_count(s->n, 0);
	s->verified |= kind;
	*m = acc;
	return 0;
}

double smx_stream_bhh(const struct smx_stream *s)
{
	double worst = 0;
	for (size_t r = 0; r < s->rows; r++) {
		struct smx_row_scan sc;
		scan_row(s, r, NULL, &sc);
		worst = fmax(worst, (double)s->n + 2 + 2 * (sc.xmax - sc.xmin));
	}
	return worst;
}

void smx_stream_free(struct smx_stream *s)
{
	if (s->x)
		munmap(s->x, s->bytes);
	free(s->plan);
	*s = (struct smx_stream){0};
}
