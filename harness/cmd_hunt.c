/* smx hunt: a worst-case search per entry. Rows are run-length lists of
 * (value, count) segments, so that a step of one value moves all its copies
 * together (errors that add up coherently) and a reproducer stays short.
 * Structured seeds first, then a local search from the worst rows found;
 * a violation is shrunk to a minimal row and printed with the command that
 * replays it. */
#define _DEFAULT_SOURCE /* M_LN2 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "op.h"
#include "cli.h"
#include "measure.h"
#include "dtype.h"
#include "metrics.h"
#include "plugin.h"
#include "run.h"
#include "ref.h"
#include "ref_out.h"
#include "rows.h"
#include "smx_impls.h"
#include "util.h"
#include "hunt.h"
#include "variant.h"

static const char help[] =
    "usage: smx [--plugin X.so] hunt [--impl LIST] [--op LIST] [--dtype LIST] [--seconds S]\n"
    "                [--seed S] [--max-n N] [--bound C0[,CN[,CD[,CM]]]] [--domain D]\n"
    "                [--row ROW [--grad ROW | --target K] | --input FILE]\n"
    "Searches, per entry, for rows that break its claimed bound (error over the\n"
    "claim > 1) or its edge policy (NaN, all -inf, +inf rows; NaN or inf where the\n"
    "exact value is finite). Seeds: near-ties at the max, max first or last, large\n"
    "|x| with inexact x - max, entries at the claim's domain edge and at exp's\n"
    "thresholds, subnormal outputs, -inf/+inf/NaN mixes, many copies of a value,\n"
    "the edge catalogue's rows (a first block of -inf, finite -inf sentinels,\n"
    "all but the SIMD tail masked, -inf and +inf together, benchdnn's fills),\n"
    "every n up to 33 and 2^k +- 1 up to --max-n; then a local search (ulp steps,\n"
    "copies, n up and down) from the worst rows. A violation is shrunk (fewest\n"
    "entries, fewest distinct values) and printed with the command that replays\n"
    "it. Defaults: softmax and logsoftmax, f32 and f64, every runnable entry, 10\n"
    "seconds of search per entry, in CPU time, so that a loaded machine searches\n"
    "as far (wall time: at most 4x; shrinking: at most half as long again, at\n"
    "least 5 s), seed 1, --max-n 8193 (4097 for the backward ops, 128 for\n"
    "the Jacobian). Threads: --threads T (the reference runs in parallel).\n"
    "ROW: values (hex floats, decimals, inf, -inf, nan), each optionally VALUE*COUNT\n"
    "for COUNT copies, e.g. '0 -0x1.4d278p+2*3948 -0x1.4cb302p+2'. Backward ops\n"
    "take ROW as their given input (s, or y for the log-softmax ones) and --grad\n"
    "as g (v for the jvps).\n"
    "xent and xent_fused search (logits, class target) pairs: the seeds above\n"
    "with the target at the max, the min, first, last or anywhere, and rows of\n"
    "their own (the target at the max by a gap past exp's range, at the min, in\n"
    "the SIMD tail, among ties, at -inf, near exp's thresholds); the local search\n"
    "also moves the target. They replay with --target K (the class index) and\n"
    "take '| K' in a file; the claims are accuracy's (loss in ulps, gradient in\n"
    "units of u (p_c + q_c)); --max-n 8193 for xent, 4097 for xent_fused.\n"
    "--input FILE replays a file of such rows, one a line, '#' comments, each\n"
    "optionally prefixed 'OP DTYPE:' (then it applies to that op and dtype only)\n"
    "and for two-input ops followed by '| GRAD' (xent: '| K'). --bound and\n"
    "--domain replace the claims checked (e.g. an n-dependent claim a plug-in\n"
    "cannot declare).\n"
    "Exit status: 1 when a violation was found, 0 when none, 2 on bad input.\n";

/* A run of k copies of x value v (and g value g for two-input ops). */
struct seg {
	double v, g;
	size_t k;
};

struct cand {
	struct seg *s;
	size_t ns, cap, n; /* runs, their room, entries */
	/* Cross-entropy rows: the one run whose g is 1, a run of one entry,
	 * is the target, so that it keeps its value as the row changes
	 * around it; every other g is 0 (without such a run, n is 0). */
	int tgt;
	double score; /* max error / claim (max ulp when none); -inf: not measured */
	int bad;      /* a violation */
	char why[200];
};

struct hunt {
	struct smx_impl im; /* the entry, with the claim checked */
	int xent;	    /* the op takes class targets (struct cand's tgt) */
	int claim;	    /* the entry claims a bound */
	int direct;	    /* rows are the entry's inputs (replay), not logits */
	int inplace;	    /* forward ops: also run with y == x, compare the bits */
	size_t nmax;
	uint64_t rng;
	size_t evals;
};

static const char *cmd = "hunt";

static int takes_targets(smx_op op)
{
	return smx_op_info(op)->in[1] == SMX_ARG_TARGETS;
}

/* ---- rows ---- */

static double to_dt(smx_dtype dt, double v)
{
	return smx_dtype_info(dt)->round(v);
}

/* v moved by d units in the last place of dt, staying finite. */
static double ulp_step(smx_dtype dt, double v, int64_t d)
{
	if (!isfinite(v) || d == 0)
		return v;
	if (dt == SMX_F32) {
		float f = (float)v;
		int32_t b;
		memcpy(&b, &f, 4);
		int64_t o = b < 0 ? -(int64_t)(b & 0x7fffffff) : b, lim = 0x7f7fffff;
		o += d;
		o = o > lim ? lim : o < -lim ? -lim : o;
		b = o < 0 ? (int32_t)(0x80000000u | (uint32_t)(-o)) : (int32_t)o;
		memcpy(&f, &b, 4);
		return f;
	}
	const struct smx_dtype_info *f = smx_dtype_info(dt);
	if (f->size == 2) {
		/* The 16-bit storage formats: the same walk on their patterns. */
		uint16_t p, top;
		f->store(&p, 0, to_dt(dt, v));
		f->store(&top, 0, f->max_finite);
		int64_t o = p & 0x8000 ? -(int64_t)(p & 0x7fff) : p, lim = top;
		o += d;
		o = o > lim ? lim : o < -lim ? -lim : o;
		p = (uint16_t)(o < 0 ? 0x8000u | (unsigned)(-o) : (unsigned)o);
		return f->load(&p, 0);
	}
	int64_t b;
	memcpy(&b, &v, 8);
	int64_t lim = 0x7fefffffffffffff;
	int64_t o = b < 0 ? -(b & INT64_MAX) : b;
	o = d > 0 ? (o > lim - d ? lim : o + d) : (o < -lim - d ? -lim : o + d);
	b = o < 0 ? (int64_t)(0x8000000000000000u | (uint64_t)(-o)) : o;
	memcpy(&v, &b, 8);
	return v;
}

static void cand_free(struct cand *c)
{
	free(c->s);
	*c = (struct cand){0};
}

static void cand_copy(struct cand *d, const struct cand *s)
{
	*d = *s;
	d->cap = s->ns ? s->ns : 1;
	d->s = smx_alloc(d->cap, sizeof *d->s);
	memcpy(d->s, s->s, s->ns * sizeof *d->s);
}

static int same_val(double a, double b)
{
	return isnan(a) ? isnan(b) : memcmp(&a, &b, sizeof a) == 0;
}

static void cand_push(struct cand *c, double v, double g, size_t k);

/* The target's run: the first run marked 1 that is not empty, cut to one
 * entry (the rest of the run follows it unmarked); other marks cleared.
 * 0, or -1 when no run is marked. */
static int target_norm(struct cand *c)
{
	size_t at = c->ns;
	for (size_t i = 0; i < c->ns; i++) {
		if (c->s[i].g != 1 || !c->s[i].k || at < c->ns)
			c->s[i].g = 0;
		else
			at = i;
	}
	if (at == c->ns)
		return -1;
	if (c->s[at].k > 1) {
		struct seg rest = {c->s[at].v, 0, c->s[at].k - 1};
		cand_push(c, 0, 0, 0);
		memmove(&c->s[at + 2], &c->s[at + 1], (c->ns - 2 - at) * sizeof rest);
		c->s[at].k = 1;
		c->s[at + 1] = rest;
	}
	return 0;
}

/* Merge neighbours with equal values, drop empty runs, recount n (a
 * cross-entropy row without a target: n = 0, no row). */
static void cand_norm(struct cand *c)
{
	size_t k = 0;
	c->n = 0;
	if (c->tgt && target_norm(c)) {
		c->ns = 0;
		c->score = -INFINITY;
		c->bad = 0;
		return;
	}
	for (size_t i = 0; i < c->ns; i++) {
		if (!c->s[i].k)
			continue;
		if (k && same_val(c->s[k - 1].v, c->s[i].v) && same_val(c->s[k - 1].g, c->s[i].g))
			c->s[k - 1].k += c->s[i].k;
		else
			c->s[k++] = c->s[i];
		c->n += c->s[i].k;
	}
	c->ns = k;
	c->score = -INFINITY;
	c->bad = 0;
	c->why[0] = 0;
}

static void cand_push(struct cand *c, double v, double g, size_t k)
{
	if (c->ns == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 8;
		c->s = smx_realloc(c->s, c->cap, sizeof *c->s);
	}
	c->s[c->ns++] = (struct seg){v, g, k};
}

static size_t cand_distinct(const struct cand *c)
{
	size_t d = 0;
	for (size_t i = 0; i < c->ns; i++) {
		size_t j = 0;
		while (j < i && !same_val(c->s[j].v, c->s[i].v))
			j++;
		d += j == i;
	}
	return d;
}

static void expand(const struct cand *c, double *x, double *g)
{
	size_t p = 0;
	for (size_t i = 0; i < c->ns; i++)
		for (size_t j = 0; j < c->s[i].k; j++, p++) {
			x[p] = c->s[i].v;
			if (g)
				g[p] = c->s[i].g;
		}
}

/* The row as "v v*k ...": runs of bitwise-equal values. */
static void print_rle(FILE *f, const double *x, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && same_val(x[j], x[i]))
			j++;
		fprintf(f, "%s%a", i ? " " : "", x[i]);
		if (j - i > 1)
			fprintf(f, "*%zu", j - i);
		i = j;
	}
}

/* Parse a run-length row into segments (g values 0); -1 with a reason. */
static int parse_rle(const char *s, smx_dtype dt, struct cand *c, char *err, size_t errlen)
{
	*c = (struct cand){0};
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (!*s)
			break;
		char *end;
		double v = strtod(s, &end);
		size_t k = 1;
		if (end == s) {
			snprintf(err, errlen, "'%.20s' is not a number", s);
			goto fail;
		}
		if (!isnan(v) && to_dt(dt, v) != v) {
			snprintf(err, errlen, "%.*s is not exactly a %s", (int)(end - s), s,
				 smx_dtype_name(dt));
			goto fail;
		}
		if (*end == '*') {
			char *e2;
			unsigned long long kk = strtoull(end + 1, &e2, 10);
			if (e2 == end + 1 || kk == 0 || kk > ((size_t)1 << 28)) {
				snprintf(err, errlen, "bad count after '*' in '%.20s'", s);
				goto fail;
			}
			k = (size_t)kk;
			end = e2;
		}
		if (*end && *end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') {
			snprintf(err, errlen, "unexpected '%c' in '%.20s'", *end, s);
			goto fail;
		}
		cand_push(c, v, 0, k);
		c->n += k;
		if (c->n > ((size_t)1 << 28)) {
			snprintf(err, errlen, "more than 2^28 entries");
			goto fail;
		}
		s = end;
	}
	if (!c->n) {
		snprintf(err, errlen, "no values");
		goto fail;
	}
	return 0;
fail:
	cand_free(c);
	return -1;
}

/* ---- verdicts ---- */

/* The special values of a row and of its outputs, which the edge
 * policies speak of. */
struct specials {
	size_t nnan, npinf, nninf, ynan, yzero;
};

static struct specials count_specials(const double *x, size_t n, const double *y, size_t outs)
{
	struct specials sp = {0};
	for (size_t i = 0; i < n; i++) {
		sp.nnan += isnan(x[i]);
		sp.npinf += x[i] == INFINITY;
		sp.nninf += x[i] == -INFINITY;
	}
	for (size_t i = 0; i < outs; i++) {
		sp.ynan += isnan(y[i]);
		sp.yzero += y[i] == 0;
	}
	return sp;
}

/* Under a variant (every candidate at query position 0): the edge
 * policies speak of the plain row, so only the claim derived for the
 * variant and NaN or inf where the exact value is finite are judged. */
static void judge_variant(const struct hunt *h, struct cand *c, const double *x, const double *y,
			  const struct smx_refval *ref, int status)
{
	size_t n = c->n;
	c->score = 0;
	if (status != SMX_REF_OK)
		return;
	double *lim = smx_alloc(n ? n : 1, sizeof *lim);
	int claimed = h->claim && smx_variant_claim_row(&h->im, x, 0, n, ref, lim);
	for (size_t i = 0; i < n && !c->bad; i++) {
		double e = smx_ulp_error(&ref[i], y[i]), r = e;
		if (!isfinite(y[i]) && y[i] != ref[i].cr && (claimed || !h->im.policy.overflows)) {
			c->bad = 1;
			c->score = INFINITY;
			snprintf(c->why, sizeof c->why,
				 "%g at entry %zu where the exact value is %a", y[i], i,
				 smx_ref_value(&ref[i]));
			break;
		}
		if (claimed) {
			r = smx_bound_measure(&h->im.bound, smx_impl_out(&h->im), &ref[i], y[i]) /
			    lim[i];
			if (!(r <= 1)) {
				c->bad = 1;
				snprintf(
				    c->why, sizeof c->why,
				    "claim broken: %.4g ulp (%.4g of the claim %g) at entry %zu", e,
				    r, lim[i], i);
			}
		} else if (h->claim) {
			r = 0;
		} else if (!isfinite(r)) {
			r = 0x1p1000;
		}
		if (!(r <= c->score))
			c->score = r;
	}
	free(lim);
}

/* The edge policies on a row with NaN, +inf or only -inf entries: 1 when
 * one of them decides the row (c->bad and c->why set), else 0. A policy of
 * "limit" is the reference's value: such rows are judged as any row. */
static int policy_decides(const struct smx_impl *im, const struct specials *sp, size_t n,
			  size_t outs, struct cand *c)
{
	if (sp->nnan) {
		c->bad = !sp->ynan;
		snprintf(c->why, sizeof c->why, "a NaN entry does not reach the output");
	} else if (sp->nninf == n && im->policy.all_neginf != SMX_EDGE_LIMIT) {
		int zero = im->policy.all_neginf == SMX_EDGE_ZERO;
		c->bad = zero ? sp->yzero != outs : !sp->ynan;
		snprintf(c->why, sizeof c->why, "all -inf row: declared %s, got %s",
			 zero ? "zeros" : "NaN", sp->ynan ? "NaN" : "numbers");
	} else if (sp->npinf && im->policy.pos_inf == SMX_EDGE_NAN) {
		c->bad = !sp->ynan;
		snprintf(c->why, sizeof c->why, "+inf entries: declared NaN, got numbers");
	} else {
		return 0;
	}
	return 1;
}

/* A forward row: the edge policies, NaN/inf where the exact value is
 * finite, and the claim; the score is the largest error over the claim. */
static void judge_forward(const struct hunt *h, struct cand *c, const double *x, const double *y,
			  const struct smx_refval *ref, int status)
{
	const struct smx_impl *im = &h->im;
	if (smx_variant_on(im->op)) {
		judge_variant(h, c, x, y, ref, status);
		return;
	}
	size_t n = c->n, outs = smx_op_out_len(im->op, n);
	struct specials sp = count_specials(x, n, y, outs);
	c->score = 0;
	if (policy_decides(im, &sp, n, outs, c) || status != SMX_REF_OK) {
		c->score = c->bad ? INFINITY : 0;
		return;
	}
	double xmax = -INFINITY, xmin = INFINITY;
	int in_domain = 1;
	for (size_t i = 0; i < n; i++) {
		if (isfinite(x[i])) {
			xmax = fmax(xmax, x[i]);
			xmin = fmin(xmin, x[i]);
		}
		if (im->bound.domain > 0 && !(fabs(x[i]) <= im->bound.domain) && x[i] != -INFINITY)
			in_domain = 0;
	}
	double dmax = sp.npinf || xmax < xmin ? 0 : xmax - xmin;
	for (size_t i = 0; i < outs; i++) {
		double e = smx_ulp_error(&ref[i], y[i]);
		if (!isfinite(y[i]) && y[i] != ref[i].cr && (!im->policy.overflows || in_domain)) {
			c->bad = 1;
			c->score = INFINITY;
			snprintf(c->why, sizeof c->why,
				 "%g at entry %zu where the exact value is %a", y[i], i,
				 smx_ref_value(&ref[i]));
			return;
		}
		double r = e;
		if (h->claim && in_domain) {
			double d = sp.npinf || outs != n || !isfinite(x[i]) ? 0 : xmax - x[i];
			double lim = smx_bound_at(&im->bound, n, d, dmax);
			r = smx_bound_measure(&im->bound, smx_impl_out(im), &ref[i], y[i]) / lim;
			if (!(r <= 1) && !c->bad) {
				c->bad = 1;
				snprintf(
				    c->why, sizeof c->why,
				    "claim broken: %.4g ulp (%.4g of the claim %g) at entry %zu", e,
				    r, lim, i);
			}
		} else if (h->claim) {
			r = 0; /* outside the claim's domain: nothing to measure against */
		} else if (!isfinite(r)) {
			r = 0x1p1000;
		}
		if (!(r <= c->score))
			c->score = r;
	}
}

static void judge_backward(const struct hunt *h, struct cand *c, const double *in, const double *g,
			   const double *y, const struct smx_refval *ref, int status)
{
	struct smx_metrics m;
	smx_metrics_init(&m);
	smx_metrics_backward_row(&m, h->im.op, h->im.dtype, h->claim ? &h->im.bound : NULL, in, g,
				 y, ref, status, c->n, NULL);
	if (status != SMX_REF_OK)
		return;
	c->score = h->claim ? m.decl_ratio : m.max_ulp;
	if (m.nan_rows || m.inf_rows) {
		c->bad = 1;
		c->score = INFINITY;
		snprintf(c->why, sizeof c->why, "NaN or inf where the exact value is finite");
	} else if (m.wrong_rows) {
		c->bad = 1;
		snprintf(c->why, sizeof c->why,
			 "claim broken: %.4g of the claim (cond_err %.4g, max %.4g ulp)",
			 m.decl_ratio, m.cond_err, m.max_ulp);
	}
	if (isnan(c->score))
		c->score = -INFINITY;
}

/* A cross-entropy row: NaN, +inf and all -inf rows against the declared
 * policy (the reference has no value there), then the claim, as accuracy
 * measures it (xent_metrics.c): loss in ulps, the gradient in units of
 * u (p_c + q_c). A -inf target is a finite row whose loss is +inf. */
static void judge_xent(const struct hunt *h, struct cand *c, const double *x, const double *t,
		       const double *y, const struct smx_refval *ref, int status)
{
	const struct smx_impl *im = &h->im;
	size_t n = c->n, outs = smx_op_out_len(im->op, n);
	struct specials sp = count_specials(x, n, y, outs);
	c->score = 0;
	policy_decides(im, &sp, n, outs, c);
	if (c->bad || sp.nnan || sp.npinf || sp.nninf == n || status != SMX_REF_OK) {
		c->score = c->bad ? INFINITY : 0;
		return;
	}
	struct smx_metrics m;
	smx_metrics_init(&m);
	smx_metrics_xent_row(&m, im->op, im->dtype, h->claim ? &im->bound : NULL, x, t, y, ref,
			     status, n, NULL);
	c->score = h->claim ? m.decl_ratio : m.max_ulp;
	if (m.nan_rows || m.inf_rows) {
		c->bad = 1;
		c->score = INFINITY;
		snprintf(c->why, sizeof c->why, "NaN or inf where the exact value is %s",
			 outs == 1 ? "finite or another infinity" : "finite");
	} else if (m.wrong_rows || m.decl_ratio > 1) {
		c->bad = 1;
		snprintf(c->why, sizeof c->why,
			 "claim broken: %.4g of the claim (max %.4g ulp, target %lld)",
			 m.decl_ratio, m.max_ulp, (long long)t[0]);
	}
	if (isnan(c->score))
		c->score = -INFINITY;
}

/* Row buffers of one candidate while it is evaluated. */
struct work {
	double *x, *in, *g, *y;
	struct smx_refval *ref;
	int status;
	size_t moved; /* first entry where y == x gives other bits, else -1 */
};

static void work_ref(const struct hunt *h, const struct cand *c, struct work *w)
{
	smx_op op = h->im.op;
	smx_dtype dt = h->im.dtype;
	size_t n = c->n, olen = smx_op_out_len(op, n);
	int two = smx_op_arity(op) == 2;
	w->x = smx_alloc(n, sizeof *w->x);
	w->g = two ? smx_alloc(n, sizeof *w->g) : NULL;
	w->y = smx_alloc(olen, sizeof *w->y);
	w->ref = smx_alloc(olen, sizeof *w->ref);
	expand(c, w->x, w->g);
	w->in = w->x;
	if (c->tgt) { /* the mark becomes the target's index, at the head (op.h) */
		size_t at = 0;
		for (size_t i = 0; i < n; i++) {
			at = w->g[i] == 1 ? i : at;
			w->g[i] = 0;
		}
		w->g[0] = (double)at;
	}
	if (smx_variant_on(op)) {
		smx_variant_ref_rows(op, dt, w->x, 1, n, w->ref, &w->status);
		return;
	}
	const struct smx_op_info *oi = smx_op_info(op);
	if (oi->in[0] == SMX_ARG_X && (smx_impl_out(&h->im) != dt || h->im.out_scale != 0)) {
		smx_ref_out_rows(smx_impl_out(&h->im), h->im.out_scale, w->x, 1, n, w->ref,
				 &w->status);
		return;
	}
	if (oi->in[0] == SMX_ARG_X) {
		w->status = oi->ref_row(op, dt, 0, w->x, w->g, n, w->ref);
		return;
	}
	if (!h->direct) { /* the backward input: the forward output, rounded */
		smx_op fwd = smx_arg_source(oi->in[0]);
		w->status = smx_op_info(fwd)->ref_row(fwd, dt, 0, w->x, NULL, n, w->ref);
		if (w->status != SMX_REF_OK)
			return;
		w->in = smx_alloc(n, sizeof *w->in);
		for (size_t i = 0; i < n; i++)
			w->in[i] = w->ref[i].cr;
	}
	w->status = oi->ref_row(op, dt, 0, w->in, w->g, n, w->ref);
}

static void work_free(struct work *w)
{
	if (w->in != w->x)
		free(w->in);
	free(w->x);
	free(w->g);
	free(w->y);
	free(w->ref);
}

/* Run the entry on m rows of n: one call, so that a plug-in forks once per
 * group. A built-in gets groups of one row, each in a buffer of exactly its
 * size, so that reads and writes past a row meet the sanitizers. */
static void run_group(const struct hunt *h, struct work **ws, size_t m, size_t n)
{
	size_t es = smx_dtype_size(h->im.dtype), olen = smx_op_out_len(h->im.op, n);
	const smx_dtype od = smx_impl_out(&h->im);
	const size_t os = smx_dtype_size(od);
	int two = ws[0]->g != NULL;
	char *a = smx_alloc(m * n, es), *b = two ? smx_alloc(m * n, es) : NULL,
	     *out = smx_alloc(m * olen, os);
	for (size_t r = 0; r < m; r++) {
		smx_to_dtype(h->im.dtype, ws[r]->in, a + r * n * es, n);
		if (b)
			smx_to_dtype(h->im.dtype, ws[r]->g, b + r * n * es, n);
	}
	smx_run_guarded(&h->im, a, b, out, m, n);
	for (size_t r = 0; r < m; r++) {
		smx_from_dtype(od, out + r * olen * os, ws[r]->y, olen);
		ws[r]->moved = (size_t)-1;
	}
	if (h->inplace && smx_op_forward(h->im.op) && smx_op_info(h->im.op)->in_place) {
		smx_run_guarded(&h->im, a, NULL, a, m, n);
		for (size_t r = 0; r < m; r++)
			for (size_t i = 0; i < n && ws[r]->moved == (size_t)-1; i++)
				if (memcmp(a + (r * n + i) * os, out + (r * n + i) * os, os))
					ws[r]->moved = i;
	}
	free(a);
	free(b);
	free(out);
}

static void judge(struct hunt *h, struct cand *c, const struct work *w)
{
	if (h->xent)
		judge_xent(h, c, w->x, w->g, w->y, w->ref, w->status);
	else if (smx_op_forward(h->im.op))
		judge_forward(h, c, w->x, w->y, w->ref, w->status);
	else
		judge_backward(h, c, w->in, w->g, w->y, w->ref, w->status);
	if (w->moved != (size_t)-1 && !c->bad) {
		c->bad = 1;
		c->score = INFINITY;
		snprintf(c->why, sizeof c->why,
			 "in place (y == x) the output differs, first at entry %zu", w->moved);
	}
}

/* References in parallel, the entry serially (a plug-in forks), verdicts. */
static void eval_batch(struct hunt *h, struct cand *cs, size_t nc)
{
	struct work *w = smx_calloc(nc, sizeof *w), **grp = smx_alloc(nc, sizeof *grp);
	char *done = smx_calloc(nc, 1);
	long long k = (long long)nc;
#pragma omp parallel for schedule(dynamic, 1) if (nc > 1)
	for (long long i = 0; i < k; i++)
		work_ref(h, &cs[i], &w[i]);
	for (size_t i = 0; i < nc; i++) {
		cs[i].score = -INFINITY;
		cs[i].bad = 0;
		done[i] = !smx_op_forward(h->im.op) && !h->xent && w[i].status != SMX_REF_OK;
	}
	for (size_t i = 0; i < nc; i++) {
		if (done[i])
			continue;
		size_t m = 0;
		for (size_t j = i; j < nc; j++)
			if (!done[j] && cs[j].n == cs[i].n &&
			    (j == i ||
			     (h->im.origin == SMX_ORIGIN_PLUGIN && !smx_variant_active()))) {
				grp[m++] = &w[j];
				done[j] = 2;
			}
		run_group(h, grp, m, cs[i].n);
	}
	for (size_t i = 0; i < nc; i++) {
		if (done[i] == 2)
			judge(h, &cs[i], &w[i]);
		work_free(&w[i]);
	}
	h->evals += nc;
	free(w);
	free(grp);
	free(done);
}

/* ---- seeds ---- */

static uint64_t rnd(struct hunt *h, uint64_t m)
{
	return m ? smx_splitmix64(&h->rng) % m : 0;
}

static double unif(struct hunt *h, double a, double b)
{
	return to_dt(h->im.dtype, a + (b - a) * smx_uniform01(&h->rng));
}

struct seeds {
	struct cand *c;
	size_t n, cap;
};

static struct cand *seed_new(struct seeds *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->c = smx_realloc(s->c, s->cap, sizeof *s->c);
	}
	s->c[s->n] = (struct cand){0};
	return &s->c[s->n++];
}

/* A target for a cross-entropy seed without one: the first maximum (a
 * model that is right), the first minimum, the first or the last entry,
 * or any, in turn. */
static void pick_target(struct hunt *h, struct cand *c)
{
	size_t at = rnd(h, c->ns), hi = 0, lo = 0;
	for (size_t i = 0; i < c->ns; i++) {
		if (c->s[i].g == 1 && c->s[i].k)
			return;
		hi = c->s[i].v > c->s[hi].v ? i : hi;
		lo = c->s[i].v < c->s[lo].v ? i : lo;
	}
	switch (rnd(h, 5)) {
	case 0:
		at = hi;
		break;
	case 1:
		at = lo;
		break;
	case 2:
		at = 0;
		break;
	case 3: /* the last entry: its own run */
		while (at + 1 < c->ns)
			at++;
		if (c->ns && c->s[at].k > 1) {
			c->s[at].k--;
			cand_push(c, c->s[at].v, 0, 1);
			at++;
		}
		break;
	}
	if (at < c->ns)
		c->s[at].g = 1;
}

/* Finish a seed: g values for two-input ops (a target for the
 * cross-entropy ops), normalised; dropped if outside 1..nmax. */
static void seed_done(struct hunt *h, struct seeds *s)
{
	struct cand *c = &s->c[s->n - 1];
	if (h->xent) {
		c->tgt = 1;
		pick_target(h, c);
	} else {
		for (size_t i = 0; i < c->ns; i++)
			c->s[i].g = smx_op_arity(h->im.op) == 2
					? to_dt(h->im.dtype, smx_normal(&h->rng))
					: 0;
	}
	cand_norm(c);
	if (c->n == 0 || c->n > h->nmax) {
		cand_free(c);
		s->n--;
	}
}

/* n entries uniform in (lo, hi), one segment each. */
static void seed_uniform(struct hunt *h, struct seeds *s, size_t n, double lo, double hi)
{
	struct cand *c = seed_new(s);
	for (size_t i = 0; i < n; i++)
		cand_push(c, unif(h, lo, hi), 0, 1);
	seed_done(h, s);
}

/* The seed families at length n. */
static void seeds_at(struct hunt *h, struct seeds *s, size_t n)
{
	const int f32 = h->im.dtype == SMX_F32;
	const double ovf = f32 ? 88.72283f : 709.782712893384,
		     nrm = f32 ? -87.33654f : -708.3964185322641,
		     sub = f32 ? -103.97208f : -745.1332191019411;
	const double dom = h->im.bound.domain > 0 ? h->im.bound.domain : f32 ? 1e6 : 0x1p40;
	struct cand *c;
	seed_uniform(h, s, n, -4, 4);
	seed_uniform(h, s, n, nrm + 1, 0);
	seed_uniform(h, s, n, sub - 1, nrm + 1); /* subnormal outputs after the shift */
	/* near-ties at the max */
	c = seed_new(s);
	for (size_t i = 0; i < n; i++)
		cand_push(c, ulp_step(h->im.dtype, 1.5, -(int64_t)rnd(h, 4)), 0, 1);
	seed_done(h, s);
	/* max first or last, gaps up to past exp's range */
	static const double gaps[] = {1, 17, 90, 120, 750, 1e4};
	for (size_t j = 0; j < sizeof gaps / sizeof *gaps; j++) {
		c = seed_new(s);
		int last = (int)rnd(h, 2);
		if (!last)
			cand_push(c, to_dt(h->im.dtype, gaps[j]), 0, 1);
		cand_push(c, unif(h, -1, 0), 0, n > 1 ? n - 1 : 0);
		if (last)
			cand_push(c, to_dt(h->im.dtype, gaps[j]), 0, 1);
		seed_done(h, s);
	}
	/* inexact x - max at large |x| */
	double big = ldexp(1, (int)rnd(h, f32 ? 20 : 40) + 8) * (rnd(h, 2) ? 1 : -1);
	seed_uniform(h, s, n, big - 4, big + 4);
	/* entries at the domain edge (clamps), both signs, a few ulps in */
	for (int sg = -1; sg <= 1; sg += 2) {
		c = seed_new(s);
		double e = sg * to_dt(h->im.dtype, dom);
		cand_push(c, ulp_step(h->im.dtype, e, -sg * (int64_t)(1 + rnd(h, 64))), 0, n);
		seed_done(h, s);
		c = seed_new(s);
		for (size_t i = 0; i < n; i++)
			cand_push(c, to_dt(h->im.dtype, e - sg * (double)rnd(h, 4)), 0, 1);
		seed_done(h, s);
	}
	/* around exp's thresholds */
	c = seed_new(s);
	cand_push(c, 0, 0, 1);
	cand_push(c, unif(h, nrm - 0.5, nrm + 0.5), 0, n > 2 ? n - 2 : 0);
	cand_push(c, unif(h, sub - 0.5, sub + 0.5), 0, n > 1 ? 1 : 0);
	seed_done(h, s);
	c = seed_new(s);
	cand_push(c, unif(h, ovf - 1, ovf + 1), 0, n);
	seed_done(h, s);
	/* -inf masks (one, the tail, all), +inf and NaN */
	static const double marks[] = {-INFINITY, -INFINITY, INFINITY, NAN};
	for (size_t j = 0; j < sizeof marks / sizeof *marks; j++) {
		c = seed_new(s);
		size_t at = j == 1 ? n - n % 8 : rnd(h, n);
		for (size_t i = 0; i < n; i++)
			cand_push(c, i == at || (j == 1 && i > at) ? marks[j] : unif(h, -4, 4), 0,
				  1);
		seed_done(h, s);
	}
	c = seed_new(s);
	cand_push(c, -INFINITY, 0, n);
	seed_done(h, s);
	c = seed_new(s);
	cand_push(c, -INFINITY, 0, n > 1 ? n - 1 : 0);
	cand_push(c, ulp_step(h->im.dtype, -dom, 1), 0, 1);
	seed_done(h, s);
	/* ascending (every entry a new max) */
	c = seed_new(s);
	for (size_t i = 0; i < n; i++)
		cand_push(c, to_dt(h->im.dtype, (double)i * 0.37 - 3), 0, 1);
	seed_done(h, s);
}

/* Many copies of a value next to a larger one: the copies' errors add up
 * coherently in the sum, and every output inherits the sum's error. Many
 * distinct small entries ride on that sum, so one row tries many values
 * whose own error may go the other way (the shrink keeps the worst). The
 * values sit near x - max = -(j + 1/2) ln 2, where an exp's argument
 * reduction leaves its largest remainder, or anywhere. */
static double near_half_ln2(struct hunt *h, int jlo, int jhi)
{
	double j = (double)(jlo + (int)rnd(h, (uint64_t)(jhi - jlo + 1)));
	return rnd(h, 4) ? unif(h, -(j + 0.5) * M_LN2 - 0.01, -(j + 0.5) * M_LN2 + 0.01)
			 : unif(h, -(j + 1) * M_LN2, -j * M_LN2);
}

static void seed_copies(struct hunt *h, struct seeds *s)
{
	double a = near_half_ln2(h, 0, 3);
	double want = ldexp(1, 5 + (int)rnd(h, 2)) / exp(a);
	size_t k = want > (double)h->nmax / 2 ? h->nmax / 2 : (size_t)want + 1;
	struct cand *c = seed_new(s);
	cand_push(c, 0, 0, 1);
	cand_push(c, a, 0, k);
	for (size_t i = 0; i < 256 && c->ns + k < h->nmax; i++)
		cand_push(c, near_half_ln2(h, 4, 16), 0, 1);
	seed_done(h, s);
}

/* The same, aimed: an output's error in ulps is largest when the output
 * lies just below a power of 2. With the terms' mantissas near sqrt 2
 * (remainders near +-ln2/2), the sum is set, by the number of copies, just
 * above sqrt(2) 2^j, so that term / sum lands there. */
static void seed_aimed(struct hunt *h, struct seeds *s)
{
	int ja = 1 + (int)rnd(h, 7);
	double a = unif(h, -(ja + 0.5) * M_LN2 - 0.004, -(ja + 0.5) * M_LN2 + 0.004), sb = 0;
	struct cand *c = seed_new(s);
	cand_push(c, 0, 0, 1);
	cand_push(c, a, 0, 1);
	for (size_t i = 0; i < 128; i++) {
		double jb = (double)(ja + (int)rnd(h, 8));
		double b = unif(h, -(jb + 0.5) * M_LN2 - 0.003, -(jb + 0.5) * M_LN2 + 0.003);
		cand_push(c, b, 0, 1);
		sb += exp(b);
	}
	double ea = exp(a);
	int j = (int)ceil(log2((1 + sb + 16 * ea) / M_SQRT2)) + (int)rnd(h, 4);
	double target = M_SQRT2 * ldexp(1, j) * (1 + unif(h, 0, 0.003));
	double k = round((target - 1 - sb) / ea);
	c->s[1].k = k >= 1 && k <= (double)h->nmax - 40 ? (size_t)k : 0;
	seed_done(h, s);
}

/* The few families that matter most at long n (tails, subnormal
 * outputs, plain rows). */
static void seeds_long(struct hunt *h, struct seeds *s, size_t n)
{
	const int f32 = h->im.dtype == SMX_F32;
	seed_uniform(h, s, n, -4, 4);
	seed_uniform(h, s, n, f32 ? -104 : -746, 0);
	struct cand *c = seed_new(s);
	cand_push(c, 1, 0, 1);
	cand_push(c, unif(h, -2, 0), 0, n - 1 - n % 8);
	cand_push(c, -INFINITY, 0, n % 8);
	seed_done(h, s);
}

/* The edge catalogue's row kinds at length n (README, "Edge profiles"):
 * a first block of -inf (the online kernels' widest step, the blocked
 * kernels' block) with the rest far below 0, every entry at a finite
 * sentinel or below it, all but the SIMD tail masked, mixed +-inf, and
 * benchdnn's fills. */
static void seeds_edge(struct hunt *h, struct seeds *s, size_t n)
{
	const smx_dtype dt = h->im.dtype;
	struct cand *c;
	const size_t blocks[2] = {64, SMX_BLOCK_BYTES / smx_dtype_size(dt)};
	for (size_t j = 0; j < 2; j++)
		if (blocks[j] < n) {
			c = seed_new(s);
			cand_push(c, -INFINITY, 0, blocks[j]);
			for (size_t i = blocks[j]; i < n; i++)
				cand_push(c, unif(h, -1004, -996), 0, 1);
			seed_done(h, s);
		}
	static const double sentinels[2] = {-5e4, -3.402823e38};
	for (size_t j = 0; j < 2; j++) {
		const double v = to_dt(dt, sentinels[j]);
		c = seed_new(s);
		cand_push(c, v, 0, n);
		seed_done(h, s);
		c = seed_new(s);
		for (size_t i = 0; i < n; i++)
			cand_push(c, j ? ulp_step(dt, v, -(int64_t)rnd(h, 3)) : unif(h, v - 8, v),
				  0, 1);
		seed_done(h, s);
	}
	const size_t tail = n % 16 ? n % 16 : n % 8;
	if (tail && tail < n) {
		c = seed_new(s);
		cand_push(c, -INFINITY, 0, n - tail);
		for (size_t i = 0; i < tail; i++)
			cand_push(c, unif(h, -4, 4), 0, 1);
		seed_done(h, s);
	}
	if (n >= 2) {
		c = seed_new(s);
		cand_push(c, -INFINITY, 0, 1);
		for (size_t i = 1; i + 1 < n; i++)
			cand_push(c, unif(h, -4, 4), 0, 1);
		cand_push(c, INFINITY, 0, 1);
		seed_done(h, s);
	}
	static const char *const fills[2] = {"benchdnn+", "benchdnn-"};
	double *x = smx_alloc(n, sizeof *x);
	for (size_t j = 0; j < 2; j++) {
		struct smx_dist d;
		smx_dist_parse(fills[j], &d);
		smx_dist_fill(&d, dt, smx_splitmix64(&h->rng), 1, n, x);
		c = seed_new(s);
		for (size_t i = 0; i < n; i++)
			cand_push(c, x[i], 0, 1);
		seed_done(h, s);
	}
	free(x);
}

/* n - 1 entries uniform in (lo, hi) with the target v at position at. */
static void seed_target_at(struct hunt *h, struct seeds *s, size_t n, size_t at, double v,
			   double lo, double hi)
{
	struct cand *c = seed_new(s);
	for (size_t i = 0; i < n; i++)
		cand_push(c, i == at ? v : unif(h, lo, hi), i == at, 1);
	seed_done(h, s);
}

/* Rows aimed at cross-entropy code at length n: the target at the
 * maximum by a gap past exp's range (the loss log1p(R) that a log-softmax
 * rounds to 0), at the minimum by a gap (a large loss), in the SIMD tail,
 * first and last, among ties at the maximum, at -inf (the loss is +inf
 * exactly), and near exp's thresholds and the claim's clamps below the
 * maximum. */
static void seeds_xent(struct hunt *h, struct seeds *s, size_t n)
{
	const smx_dtype dt = h->im.dtype;
	const int f32 = dt == SMX_F32;
	static const double gaps32[] = {9, 17, 30, 90, 104, 1e4},
			    gaps64[] = {18, 38, 60, 710, 746, 1e6};
	const double *gaps = f32 ? gaps32 : gaps64;
	for (size_t j = 0; j < 6; j++) {
		seed_target_at(h, s, n, rnd(h, n), to_dt(dt, gaps[j]), -1, 0);
		seed_target_at(h, s, n, rnd(h, n), to_dt(dt, -gaps[j]), -1, 0);
	}
	const size_t tail = n % 8;
	seed_target_at(h, s, n, n - 1 - rnd(h, tail ? tail : 1), unif(h, -4, 4), -4, 4);
	seed_target_at(h, s, n, n - 1 - rnd(h, tail ? tail : 1), to_dt(dt, gaps[1]), -1, 0);
	seed_target_at(h, s, n, 0, unif(h, -4, 4), -4, 4);
	seed_target_at(h, s, n, n - 1, unif(h, -4, 4), -4, 4);
	seed_target_at(h, s, n, n - 1, -INFINITY, -4, 4);
	seed_target_at(h, s, n, rnd(h, n), -INFINITY, -4, 4);
	/* ties at the maximum: all of them, or a few among lower entries */
	struct cand *c = seed_new(s);
	const double top = unif(h, -2, 2);
	const size_t at = rnd(h, n), ties = 1 + rnd(h, 4);
	for (size_t i = 0; i < n; i++)
		cand_push(c, i % (n / ties + 1) == 0 || i == at ? top : unif(h, top - 3, top),
			  i == at, 1);
	seed_done(h, s);
	c = seed_new(s);
	cand_push(c, top, 0, n);
	seed_done(h, s);
	/* the target just above or below exp's thresholds and the claim's
	 * domain edge, below a maximum of 0 */
	const double thr[3] = {f32 ? -87.33654f : -708.3964185322641,
			       f32 ? -103.97208f : -745.1332191019411,
			       -(h->im.bound.domain > 0 ? h->im.bound.domain
				 : f32			? 1e6
							: 0x1p40)};
	for (size_t j = 0; j < 3; j++)
		seed_target_at(h, s, n, rnd(h, n),
			       ulp_step(dt, to_dt(dt, thr[j]), (int64_t)rnd(h, 65) - 32),
			       thr[j] / 2, 0);
	/* large logits: x - max and x - x_t inexact */
	const double big = ldexp(1, (int)rnd(h, f32 ? 20 : 40) + 8);
	seed_target_at(h, s, n, rnd(h, n), unif(h, big - 4, big + 4), big - 4, big + 4);
}

static void make_seeds(struct hunt *h, struct seeds *s)
{
	/* The cross-entropy rows first, so that a short budget reaches them. */
	static const size_t xent_n[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 65, 100, 513, 1025};
	for (size_t j = 0; h->xent && j < sizeof xent_n / sizeof *xent_n; j++)
		if (xent_n[j] <= h->nmax)
			seeds_xent(h, s, xent_n[j]);
	for (size_t n = 1; n <= 33 && n <= h->nmax; n++)
		seeds_at(h, s, n);
	for (size_t i = 0; i < 96; i++) {
		seed_aimed(h, s);
		if (i % 3 == 0)
			seed_copies(h, s);
	}
	for (size_t p = 64; p / 2 <= h->nmax; p *= 2)
		for (size_t d = 0; d < 3; d++)
			if (p + d - 1 <= h->nmax) {
				if (p <= 1024)
					seeds_at(h, s, p + d - 1);
				else
					seeds_long(h, s, p + d - 1);
			}
	/* Last, so the seeds above draw the same random numbers as without
	 * them (the error seeds come first within a short budget). */
	const size_t edge_n[4] = {7, 37, 101, SMX_BLOCK_BYTES / smx_dtype_size(h->im.dtype) + 37};
	for (size_t j = 0; j < 4; j++)
		if (edge_n[j] <= h->nmax)
			seeds_edge(h, s, edge_n[j]);
}

/* ---- local search ---- */

static void mutate(struct hunt *h, struct cand *c)
{
	smx_dtype dt = h->im.dtype;
	if (!c->ns) /* a cross-entropy row that lost its target: none */
		return;
	/* half the time the longest run: the value whose error adds up */
	size_t j = rnd(h, c->ns);
	for (size_t i = 0; i < c->ns && rnd(h, 2); i++)
		j = c->s[i].k > c->s[j].k ? i : j;
	struct seg *sg = &c->s[j];
	switch (rnd(h, 11)) {
	case 0:
	case 1:
	case 2: { /* a few ulps, or many */
		int64_t d = (int64_t)1 << rnd(h, rnd(h, 3) ? 4 : 24);
		sg->v = ulp_step(dt, sg->v, rnd(h, 2) ? d : -d);
		break;
	}
	case 3: /* more copies */
		if (c->n + sg->k <= h->nmax)
			sg->k *= 2;
		else if (c->n < h->nmax)
			sg->k += h->nmax - c->n;
		break;
	case 4: /* fewer copies */
		sg->k = sg->k > 1 ? sg->k - 1 - rnd(h, sg->k / 2) : sg->k;
		break;
	case 5: /* a new entry near an existing one */
		if (c->n < h->nmax) {
			double v = ulp_step(dt, sg->v, (int64_t)rnd(h, 64) - 32);
			cand_push(c, v, sg->g, 1);
			size_t at = rnd(h, c->ns);
			struct seg t = c->s[c->ns - 1];
			memmove(&c->s[at + 1], &c->s[at], (c->ns - 1 - at) * sizeof t);
			c->s[at] = t;
		}
		break;
	case 6: /* drop a run */
		if (c->ns > 1)
			sg->k = 0;
		break;
	case 7: { /* move a run to the front or the back */
		struct seg t = *sg;
		memmove(sg, sg + 1, (c->ns - 1 - j) * sizeof t);
		if (rnd(h, 2)) {
			memmove(&c->s[1], &c->s[0], (c->ns - 1) * sizeof t);
			c->s[0] = t;
		} else {
			c->s[c->ns - 1] = t;
		}
		break;
	}
	case 8: { /* shift every value */
		double d = ldexp(unif(h, -1, 1), (int)rnd(h, 12) - 4);
		for (size_t i = 0; i < c->ns; i++)
			if (isfinite(c->s[i].v))
				c->s[i].v = to_dt(dt, c->s[i].v + d);
		break;
	}
	case 9: /* every single entry moved: many new values in one row */
		for (size_t i = 0; i < c->ns; i++)
			if (c->s[i].k == 1)
				c->s[i].v =
				    ulp_step(dt, c->s[i].v, (int64_t)rnd(h, 1u << 21) - (1 << 20));
		break;
	default: /* the target elsewhere, the other input (two-input ops), else one ulp */
		if (h->xent) {
			for (size_t i = 0; i < c->ns; i++)
				c->s[i].g = 0;
			sg->g = 1;
		} else if (smx_op_arity(h->im.op) == 2)
			sg->g = ulp_step(dt, sg->g, (int64_t)rnd(h, 1 << 12) - (1 << 11));
		else
			sg->v = ulp_step(dt, sg->v, rnd(h, 2) ? 1 : -1);
	}
	cand_norm(c);
}

#define ELITE 12
/* Elites by row length (short, medium, long), so that long rows, which
 * cost more, get their share of the time and no more. */
#define CLASSES 3

static size_t size_class(size_t n)
{
	return n <= 64 ? 0 : n <= 1100 ? 1 : 2;
}

/* Keep the best rows, distinct scores only. */
static void elite_offer(struct cand *el, size_t *ne, const struct cand *c)
{
	if (!(c->score > -INFINITY))
		return;
	for (size_t i = 0; i < *ne; i++)
		if (el[i].score == c->score)
			return;
	if (*ne == ELITE) {
		if (!(c->score > el[ELITE - 1].score))
			return;
		cand_free(&el[--*ne]);
	}
	size_t at = *ne;
	while (at > 0 && el[at - 1].score < c->score)
		at--;
	memmove(&el[at + 1], &el[at], (*ne - at) * sizeof *el);
	cand_copy(&el[at], c);
	(*ne)++;
}

/* ---- shrinking ---- */

/* Round v to b significant bits (toward zero), for shorter constants. */
static double fewer_bits(double v, int b)
{
	if (!isfinite(v) || v == 0)
		return v;
	int e;
	double m = frexp(v, &e);
	return ldexp(trunc(ldexp(m, b)), e - b);
}

/* After entries were dropped from c to give t, restore sum exp(x - max) by
 * more copies of t's longest run, so that a violation that rests on the
 * sum's value (an output just below a power of 2) survives the removal. */
static void keep_mass(const struct cand *c, struct cand *t)
{
	double m = -INFINITY, lost = 0;
	size_t big = 0;
	for (size_t j = 0; j < c->ns; j++)
		m = c->s[j].v > m ? c->s[j].v : m;
	for (size_t j = 0; j < c->ns; j++) {
		lost += (double)(c->s[j].k - t->s[j].k) * exp(c->s[j].v - m);
		big = t->s[j].k > t->s[big].k ? j : big;
	}
	double per = exp(t->s[big].v - m);
	if (!isfinite(m) || !(per > 0) || !(lost > 0))
		return;
	double add = round(lost / per);
	if (add >= 1 && add < 1e6)
		t->s[big].k += (size_t)add;
}

static int sig_bits(double v)
{
	int b = 0;
	while (b < 60 && fewer_bits(v, b) != v)
		b++;
	return b;
}

/* a is simpler than b: fewer distinct values, then fewer entries, then
 * shorter constants. */
static int simpler(const struct cand *a, const struct cand *b, size_t nmax)
{
	size_t da = cand_distinct(a), db = cand_distinct(b);
	if (a->n > nmax || da != db || a->n != b->n)
		return a->n <= nmax && (da < db || (da == db && a->n < b->n));
	int ba = 0, bb = 0;
	for (size_t i = 0; i < a->ns; i++)
		ba += sig_bits(a->s[i].v) + sig_bits(a->s[i].g);
	for (size_t i = 0; i < b->ns; i++)
		bb += sig_bits(b->s[i].v) + sig_bits(b->s[i].g);
	return ba < bb;
}

/* The simpler variants of c, simplest first. */
static size_t shrink_trials(const struct cand *c, struct cand *t, size_t max, size_t nmax)
{
	size_t k = 0;
#define TRY(...)                                                                                   \
	do {                                                                                       \
		if (k < max) {                                                                     \
			cand_copy(&t[k], c);                                                       \
			struct cand *T = &t[k];                                                    \
			__VA_ARGS__;                                                               \
			cand_norm(T);                                                              \
			if (T->n && simpler(T, c, nmax))                                           \
				k++;                                                               \
			else                                                                       \
				cand_free(T);                                                      \
		}                                                                                  \
	} while (0)
	/* whole chunks of runs removed, then flattened to one value (largest
	 * chunks first, as in delta debugging) */
	size_t cap = k + max / 4;
	for (size_t w = c->ns / 2; w >= 1 && k < cap; w /= 2)
		for (size_t a = 0; a + w <= c->ns && c->ns > 1 && k < cap; a += w) {
			TRY(for (size_t j = a; j < a + w; j++) T->s[j].k = 0);
			TRY(for (size_t j = a; j < a + w; j++) T->s[j].k = 0; keep_mass(c, T));
		}
	for (size_t j = 0; j < c->ns; j++)
		if (c->s[j].k > 1) {
			size_t kk = c->s[j].k;
			TRY(T->s[j].k = 1);
			TRY(T->s[j].k = kk / 2);
			TRY(T->s[j].k = kk - (kk + 7) / 8);
			TRY(T->s[j].k = kk - 1);
		}
	cap = k + max / 4;
	for (size_t w = c->ns / 2; w >= 1 && k < cap; w /= 2)
		for (size_t a = 0; a + w <= c->ns && k < cap; a += w) {
			size_t from = a ? a - 1 : a + w < c->ns ? a + w : a;
			if (from != a)
				TRY(for (size_t j = a; j < a + w; j++) T->s[j].v = c->s[from].v);
		}
	for (size_t i = 0; i < c->ns && c->ns <= 16; i++)
		for (size_t j = 0; j < c->ns; j++)
			if (i != j && !same_val(c->s[i].v, c->s[j].v))
				TRY(T->s[j].v = c->s[i].v);
	for (size_t j = 0; j < c->ns; j++)
		for (int b = 1; b <= 24; b += b < 4 ? 1 : 4)
			if (fewer_bits(c->s[j].v, b) != c->s[j].v) {
				double v = fewer_bits(c->s[j].v, b);
				TRY(T->s[j].v = v);
			}
#undef TRY
	return k;
}

/* The search's clock, in ms: the CPU time of this process and of the
 * plug-in runner, so that a budget buys the same search on a loaded machine
 * as on a quiet one, whether the kernel runs here or in the runner; wall
 * time counts at a quarter, which bounds a search that waits to four times
 * its budget. */
static double effort_ms(void)
{
	static double cpu0 = -1, wall0;
	double cpu = smx_run_cpu_ms(), wall = smx_now_ms();
	if (cpu0 < 0) {
		cpu0 = cpu;
		wall0 = wall;
	}
	return fmax(cpu - cpu0, (wall - wall0) / 4);
}

/* Greedy: take the first simpler variant that still breaks something,
 * until none does or the time is up. */
static void shrink(struct hunt *h, struct cand *best, double until_ms)
{
	enum { MAXT = 512, CHUNK = 16 };
	struct cand *t = smx_alloc(MAXT, sizeof *t);
	for (int changed = 1; changed && effort_ms() < until_ms;) {
		changed = 0;
		size_t k = shrink_trials(best, t, MAXT, h->nmax);
		for (size_t a = 0; a < k && !changed; a += CHUNK) {
			size_t m = k - a < CHUNK ? k - a : CHUNK;
			if (effort_ms() >= until_ms)
				break;
			eval_batch(h, t + a, m);
			for (size_t i = a; i < a + m && !changed; i++)
				if (t[i].bad) {
					cand_free(best);
					cand_copy(best, &t[i]);
					changed = 1;
				}
		}
		for (size_t i = 0; i < k; i++)
			cand_free(&t[i]);
	}
	free(t);
}

/* ---- reporting ---- */

static void print_claim(FILE *f, const struct hunt *h)
{
	const struct smx_bound *b = &h->im.bound;
	if (!b->at) /* a derived family is the entry's own: no option spells it */
		fprintf(f, " --bound %.17g,%.17g,%.17g,%.17g", b->c0, b->cn, b->cd, b->cm);
	if (b->domain > 0)
		fprintf(f, " --domain %.17g", b->domain);
}

/* What a break is called: a violation for a built-in or a plug-in, a
 * finding for a peer (peers never fail a command). */
static const char *break_word(const struct smx_impl *im)
{
	return im->origin == SMX_ORIGIN_PEER ? "finding" : "VIOLATION";
}

static void report(const struct hunt *h, const struct cand *c, const char *plugins, int override,
		   double secs)
{
	const struct smx_impl *im = &h->im;
	fprintf(smx_stdout(), "%s %s %s: ", smx_op_name(im->op), smx_dtype_name(im->dtype),
		im->name);
	if (!c) {
		fputs("nothing measured\n", smx_stdout());
		return;
	}
	if (!c->bad)
		fprintf(smx_stdout(), "ok: worst %.4g %s at n = %zu (%zu rows, %.1f s)\n", c->score,
			h->claim ? "of the claim" : "ulp (no claim)", c->n, h->evals, secs);
	else
		fprintf(smx_stdout(), "%s: %s; n = %zu, %zu distinct values (%zu rows, %.1f s)\n",
			break_word(&h->im), c->why, c->n, cand_distinct(c), h->evals, secs);
	/* The replayable row (for backward ops the entry's own input); the
	 * worst row within the claim only when short. */
	if (!c->bad && c->ns > 40)
		return;
	struct work w = {0};
	work_ref(h, c, &w);
	fprintf(smx_stdout(), "  %s: smx", c->bad ? "replay" : "worst");
	if (plugins && *plugins)
		fprintf(smx_stdout(), "%s", plugins);
	fprintf(smx_stdout(), " hunt --op %s --dtype %s --impl %s", smx_op_name(im->op),
		smx_dtype_name(im->dtype), im->name);
	if (smx_variant_active())
		fprintf(smx_stdout(), " %s", smx_variant_active()->text);
	if (override)
		print_claim(smx_stdout(), h);
	fputs(" --row '", smx_stdout());
	print_rle(smx_stdout(), w.in, c->n);
	fputc('\'', smx_stdout());
	if (h->xent) {
		fprintf(smx_stdout(), " --target %.0f", w.g[0]);
	} else if (w.g) {
		fputs(" --grad '", smx_stdout());
		print_rle(smx_stdout(), w.g, c->n);
		fputc('\'', smx_stdout());
	}
	fputc('\n', smx_stdout());
	work_free(&w);
	if (fflush(smx_stdout()))
		smx_die("%s: cannot write the results", cmd);
}

/* ---- the search ---- */

struct pool {
	struct cand el[CLASSES][ELITE];
	size_t ne[CLASSES];
	double spent[CLASSES]; /* ms of evaluation per class */
};

static void pool_offer(struct pool *p, const struct cand *c)
{
	size_t k = size_class(c->n);
	elite_offer(p->el[k], &p->ne[k], c);
}

static const struct cand *pool_best(const struct pool *p)
{
	const struct cand *b = NULL;
	for (size_t k = 0; k < CLASSES; k++)
		if (p->ne[k] && (!b || p->el[k][0].score > b->score))
			b = &p->el[k][0];
	return b;
}

/* Evaluate the seeds, cheap ones first; the index of the first violation
 * or -1. */
static size_t run_seeds(struct hunt *h, struct pool *p, struct seeds *s, double until)
{
	enum { BATCH = 16 };
	for (size_t a = 0; a < s->n && effort_ms() < until; a += BATCH) {
		size_t m = s->n - a < BATCH ? s->n - a : BATCH;
		eval_batch(h, s->c + a, m);
		for (size_t i = a; i < a + m; i++) {
			pool_offer(p, &s->c[i]);
			if (s->c[i].bad)
				return i;
		}
	}
	return (size_t)-1;
}

/* One generation: mutants of the elite of the class that has had the least
 * time; returns 1 and fills found on a violation. */
static int generation(struct hunt *h, struct pool *p, struct cand *found)
{
	enum { BATCH = 16 };
	/* time shares 1/4, 1/2, 1/4: medium rows hold the coherent sums */
	static const double weight[CLASSES] = {2, 1, 2};
	size_t k = CLASSES;
	for (size_t j = 0; j < CLASSES; j++)
		if (p->ne[j] && (k == CLASSES || p->spent[j] * weight[j] < p->spent[k] * weight[k]))
			k = j;
	if (k == CLASSES)
		return 0;
	struct cand kids[BATCH];
	for (size_t i = 0; i < BATCH; i++) {
		size_t par = rnd(h, 1 + rnd(h, p->ne[k])); /* the best most often */
		cand_copy(&kids[i], &p->el[k][par]);
		for (uint64_t m = 1 + rnd(h, 3); m > 0; m--)
			mutate(h, &kids[i]);
		if (kids[i].n == 0) {
			cand_free(&kids[i]);
			cand_copy(&kids[i], &p->el[k][par]);
		}
	}
	double t = smx_now_ms();
	eval_batch(h, kids, BATCH);
	p->spent[k] += smx_now_ms() - t;
	int bad = 0;
	for (size_t i = 0; i < BATCH; i++) {
		pool_offer(p, &kids[i]);
		if (kids[i].bad && !bad) {
			cand_copy(found, &kids[i]);
			bad = 1;
		}
		cand_free(&kids[i]);
	}
	return bad;
}

static void search(struct hunt *h, double seconds, double shrink_s, const char *plugins,
		   int override, int *violations)
{
	double t0 = smx_now_ms(), until = effort_ms() + 1000 * seconds;
	struct seeds s = {0};
	make_seeds(h, &s);
	static struct pool p;
	memset(&p, 0, sizeof p);
	h->inplace = 1;
	size_t bad = run_seeds(h, &p, &s, until);
	h->inplace = 0;
	struct cand found = {0};
	if (bad != (size_t)-1)
		cand_copy(&found, &s.c[bad]);
	for (size_t i = 0; i < s.n; i++)
		cand_free(&s.c[i]);
	free(s.c);
	while (!found.s && effort_ms() < until)
		if (!generation(h, &p, &found))
			if (!pool_best(&p))
				break;
	double secs = (smx_now_ms() - t0) / 1000;
	const struct cand *best = pool_best(&p);
	if (found.s) {
		h->inplace = 1;
		shrink(h, &found, effort_ms() + 1000 * shrink_s);
		++*violations;
		report(h, &found, plugins, override, secs);
		cand_free(&found);
	} else {
		report(h, best, plugins, override, secs);
		if (!best)
			++*violations; /* nothing measured fails closed */
	}
	for (size_t k = 0; k < CLASSES; k++)
		for (size_t i = 0; i < p.ne[k]; i++)
			cand_free(&p.el[k][i]);
}

/* ---- replay ---- */

struct row {
	int any; /* applies to every op and dtype */
	smx_op op;
	smx_dtype dt;
	char *x, *g; /* run-length text */
	size_t line;
};

/* A cross-entropy row: one run per entry, the target (--target K, or
 * '| K' in a file) marked. */
static void replay_target(const struct hunt *h, const struct row *r, const char *src,
			  struct cand *c)
{
	char *end;
	long long k = r->g ? strtoll(r->g, &end, 10) : -1;
	if (!r->g)
		smx_die("%s: %s: %s needs --target K (or '| K' in a file)", cmd, src,
			smx_op_name(h->im.op));
	end += strspn(end, " \t\r\n");
	if (end == r->g || *end || k < 0 || (unsigned long long)k >= c->n)
		smx_die("%s: %s: target '%s' is not a class index in [0, %zu)", cmd, src, r->g,
			c->n);
	double *x = smx_alloc(c->n, sizeof *x);
	expand(c, x, NULL);
	size_t n = c->n;
	cand_free(c);
	for (size_t i = 0; i < n; i++)
		cand_push(c, x[i], i == (size_t)k, 1);
	c->tgt = 1;
	free(x);
}

static int replay(struct hunt *h, const struct row *r, const char *file)
{
	char err[200], src[300];
	if (r->line)
		snprintf(src, sizeof src, "%s:%zu", file, r->line);
	else
		snprintf(src, sizeof src, "%s", file);
	struct cand c, g = {0};
	if (parse_rle(r->x, h->im.dtype, &c, err, sizeof err))
		smx_die("%s: %s: %s", cmd, src, err);
	int two = smx_op_arity(h->im.op) == 2 && !h->xent;
	if (h->xent)
		replay_target(h, r, src, &c);
	if (two && !r->g)
		smx_die("%s: %s: %s needs --grad (or '| GRAD' in a file)", cmd, src,
			smx_op_name(h->im.op));
	if (two) {
		if (parse_rle(r->g, h->im.dtype, &g, err, sizeof err))
			smx_die("%s: %s: grad: %s", cmd, src, err);
		if (g.n != c.n)
			smx_die("%s: %s: the row has %zu entries, the grad %zu", cmd, src, c.n,
				g.n);
		/* one segment per entry: x and g runs need not line up */
		double *x = smx_alloc(c.n, sizeof *x), *gv = smx_alloc(c.n, sizeof *gv);
		expand(&c, x, NULL);
		expand(&g, gv, NULL);
		size_t n = c.n;
		cand_free(&c);
		for (size_t i = 0; i < n; i++)
			cand_push(&c, x[i], gv[i], 1);
		free(x);
		free(gv);
		cand_free(&g);
	}
	cand_norm(&c);
	eval_batch(h, &c, 1);
	int bad = c.bad;
	const struct smx_impl *im = &h->im;
	if (bad)
		fprintf(smx_stdout(), "%s %s %s: %s: %s; %s (n = %zu)\n", smx_op_name(im->op),
			smx_dtype_name(im->dtype), im->name, break_word(im), c.why, src, c.n);
	else
		fprintf(smx_stdout(), "%s %s %s: ok: %.4g %s; %s (n = %zu)\n", smx_op_name(im->op),
			smx_dtype_name(im->dtype), im->name, c.score,
			h->claim ? "of the claim" : "ulp (no claim)", src, c.n);
	cand_free(&c);
	return bad;
}

/* Lines "[OP DTYPE:] ROW [| GRAD]". */
static size_t read_rows(const char *path, struct row **out)
{
	FILE *f = fopen(path, "r");
	if (!f)
		smx_die("%s: --input: cannot open %s", cmd, path);
	char *line = NULL;
	size_t cap = 0, k = 0, ln = 0;
	struct row *rs = NULL;
	while (getline(&line, &cap, f) >= 0) {
		ln++;
		char *h = strchr(line, '#');
		if (h)
			*h = 0;
		char *p = line + strspn(line, " \t\r\n");
		if (!*p)
			continue;
		struct row r = {.any = 1, .line = ln};
		char *colon = strchr(p, ':');
		if (colon) {
			char op[32], dt[8];
			*colon = 0;
			if (sscanf(p, "%31s %7s", op, dt) != 2 || smx_op_parse(op, &r.op) ||
			    smx_dtype_parse(dt, &r.dt))
				smx_die("%s: %s:%zu: '%s' is not 'OP DTYPE'", cmd, path, ln, p);
			r.any = 0;
			p = colon + 1;
		}
		char *bar = strchr(p, '|');
		if (bar)
			*bar = 0;
		r.x = smx_alloc(strlen(p) + 1, 1);
		strcpy(r.x, p);
		if (bar) {
			r.g = smx_alloc(strlen(bar + 1) + 1, 1);
			strcpy(r.g, bar + 1);
		}
		rs = smx_realloc(rs, k + 1, sizeof *rs);
		rs[k++] = r;
	}
	free(line);
	if (ferror(f))
		smx_die("%s: --input: cannot read %s", cmd, path);
	fclose(f);
	if (!k)
		smx_die("%s: --input: %s holds no rows", cmd, path);
	*out = rs;
	return k;
}

/* ---- the command ---- */

struct opts {
	double seconds, domain;
	double bound[4];
	int nbound, has_domain;
	size_t max_n;
	const char *row, *grad, *target, *input;
};

static void parse_bound(char *v, struct opts *o)
{
	char *items[8];
	size_t k = smx_split(v, items, 8);
	if (k < 1 || k > 4)
		smx_die("%s: --bound: give C0[,CN[,CD[,CM]]]", cmd);
	for (size_t i = 0; i < k; i++)
		if (smx_parse_double(items[i], &o->bound[i]) || !(o->bound[i] >= 0) ||
		    isinf(o->bound[i]))
			smx_die("%s: --bound: '%s' is not a finite number >= 0", cmd, items[i]);
	if (!(o->bound[0] > 0))
		smx_die("%s: --bound: C0 must be > 0", cmd);
	o->nbound = (int)k;
}

/* Collects the entries to hunt, with the claims to check. */
static size_t entries(const struct smx_sel *sel, const struct opts *o, struct smx_impl *out,
		      size_t max)
{
	size_t k = 0;
	for (size_t a = 0; a < sel->nops; a++)
		for (size_t b = 0; b < sel->ndts; b++) {
			const struct smx_impl *ims[256];
			size_t m = smx_sel_entries(sel, sel->ops[a], sel->dts[b], ims, 256);
			for (size_t i = 0; i < m && k < max; i++) {
				struct smx_impl im = *ims[i];
				if (o->nbound) {
					im.bound.c0 = o->bound[0];
					im.bound.cn = o->bound[1];
					im.bound.cd = o->bound[2];
					im.bound.cm = o->bound[3];
					im.bound.at = NULL; /* the linear form replaces a family */
				}
				if (o->has_domain)
					im.bound.domain = o->domain;
				out[k++] = im;
			}
		}
	return k;
}

static size_t default_max_n(smx_op op)
{
	return smx_op_info(op)->hunt_n_max;
}

int smx_cmd_hunt(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"op", required_argument, 0, 'p'},	   {"dtype", required_argument, 0, 'd'},
	    {"impl", required_argument, 0, 'i'},   {"seconds", required_argument, 0, 'S'},
	    {"seed", required_argument, 0, 's'},   {"max-n", required_argument, 0, 'N'},
	    {"bound", required_argument, 0, 'B'},  {"domain", required_argument, 0, 'D'},
	    {"row", required_argument, 0, 'R'},	   {"grad", required_argument, 0, 'G'},
	    {"target", required_argument, 0, 'T'}, {"input", required_argument, 0, 'I'},
	    {"help", no_argument, 0, 'h'},	   {0, 0, 0, 0},
	};
	struct smx_sel sel;
	smx_sel_init(&sel);
	uint64_t seed = 1;
	struct opts o = {.seconds = 10};
	const struct smx_common co = {cmd, help, &sel, NULL, NULL, NULL, NULL, NULL, &seed, NULL};
	int c;
	while ((c = smx_getopt(argc, argv, lopts, cmd)) != -1) {
		switch (c) {
		case 'S':
			if (smx_parse_double(optarg, &o.seconds) || !(o.seconds > 0) ||
			    o.seconds > 86400)
				smx_die("%s: --seconds: '%s' is not a number in (0, 86400]", cmd,
					optarg);
			break;
		case 'N':
			o.max_n = smx_arg_size(cmd, "--max-n", optarg, 1, (size_t)1 << 20);
			break;
		case 'B':
			parse_bound(optarg, &o);
			break;
		case 'D':
			if (smx_parse_double(optarg, &o.domain) || !(o.domain > 0) ||
			    isinf(o.domain))
				smx_die("%s: --domain: '%s' is not a finite number > 0", cmd,
					optarg);
			o.has_domain = 1;
			break;
		case 'R':
			o.row = optarg;
			break;
		case 'G':
			o.grad = optarg;
			break;
		case 'T':
			o.target = optarg;
			break;
		case 'I':
			o.input = optarg;
			break;
		default:
			if (!smx_common_opt(c, &co))
				smx_die("%s: unknown option", cmd);
		}
	}
	smx_common_end(argc, argv, &co);
	if (o.row && o.input)
		smx_die("%s: --row and --input exclude each other", cmd);
	if ((o.grad || o.target) && !o.row)
		smx_die("%s: --grad and --target go with --row", cmd);
	if (o.grad && o.target)
		smx_die("%s: --grad (two-input ops) and --target (xent, xent_fused) exclude each "
			"other",
			cmd);
	struct row *rows = NULL;
	size_t nrows = 0;
	if (o.input) {
		nrows = read_rows(o.input, &rows);
	} else if (o.row) {
		rows = smx_alloc(1, sizeof *rows);
		rows[0] = (struct row){
		    .any = 1, .x = (char *)o.row, .g = (char *)(o.target ? o.target : o.grad)};
		nrows = 1;
	}
	if (smx_variant_active() && smx_variant_active()->flags & SMX_VARIANT_MASK)
		smx_die("%s: --mask FILE fixes n, which the search varies (causal:K works)", cmd);
	static struct smx_impl ims[1024];
	size_t nim = entries(&sel, &o, ims, 1024);
	if (!nim)
		smx_die("%s: no runnable entry matches the selection", cmd);
	char plugins[4096];
	smx_plugin_argv_text(plugins, sizeof plugins);
	int violations = 0, findings = 0;
	size_t checked = 0;
	for (size_t e = 0; e < nim; e++) {
		int *count = ims[e].origin == SMX_ORIGIN_PEER ? &findings : &violations;
		struct hunt h = {.im = ims[e],
				 .xent = takes_targets(ims[e].op),
				 .claim = isfinite(ims[e].bound.c0),
				 .direct = nrows > 0,
				 .inplace = nrows > 0,
				 .rng = seed ^ (0x9e3779b97f4a7c15u * (e + 1))};
		h.nmax = o.max_n ? o.max_n : default_max_n(h.im.op);
		if ((o.target && !h.xent) || (o.grad && h.xent))
			smx_die("%s: %s takes %s", cmd, smx_op_name(h.im.op),
				h.xent ? "--target, not --grad"
				       : "no --target (xent, xent_fused do)");
		if (!nrows) {
			search(&h, o.seconds, fmax(5, o.seconds / 2), plugins,
			       o.nbound || o.has_domain, count);
			checked++;
			continue;
		}
		for (size_t r = 0; r < nrows; r++)
			if (rows[r].any || (rows[r].op == h.im.op && rows[r].dt == h.im.dtype)) {
				*count += replay(&h, &rows[r], o.input ? o.input : "--row");
				checked++;
			}
	}
	if (o.input)
		for (size_t r = 0; r < nrows; r++) {
			free(rows[r].x);
			free(rows[r].g);
		}
	free(rows);
	if (fflush(smx_stdout()))
		smx_die("%s: cannot write the results", cmd);
	if (!checked) {
		fprintf(stderr, "smx: %s: nothing was checked (no row matches a selected entry)\n",
			cmd);
		return 1;
	}
	fprintf(stderr, "smx: %s: %d violation%s in %zu check%s%s\n", cmd, violations,
		violations == 1 ? "" : "s", checked, checked == 1 ? "" : "s",
		findings ? " (and findings for peers)" : "");
	return violations ? 1 : 0;
}

int smx_hunt_entry(const struct smx_impl *im, double seconds, uint64_t seed)
{
	struct hunt h = {.im = *im,
			 .xent = takes_targets(im->op),
			 .claim = isfinite(im->bound.c0),
			 .rng = seed ^ 0x9e3779b97f4a7c15u,
			 .nmax = default_max_n(im->op)};
	char plugins[4096];
	smx_plugin_argv_text(plugins, sizeof plugins);
	int violations = 0;
	search(&h, seconds, seconds / 2, plugins, 0, &violations);
	return violations;
}
