/* smx perf: throughput of implementations side by side with the memory
 * ceilings of the same bytes: memcpy and a streaming read of the input,
 * and (Jacobian) a memset of the n x n output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "env.h"
#include "op.h"
#include "peers.h"
#include "progress.h"
#include "run.h"
#include "rows.h"
#include "sweeps.h"
#include "targets.h"
#include "util.h"

static const char help[] =
    "usage: smx perf [--op LIST] [--dtype LIST] [--impl LIST|all|best] [--n LIST]\n"
    "                [--rows R] [--cache hot|cold] [--min-time MS] [--repetitions K]\n"
    "                [--pin CPU|none] [--dist SPEC] [--seed S] [--format table|csv|json]\n"
    "                [--output FILE] [--targets uniform|model|argmax|FILE]\n"
    "defaults: softmax, f32, every runnable entry, n = 16,1024,4096,65536, rows so\n"
    "that a call touches >= 64 KiB (1 for longer rows), hot cache, 5 ms samples,\n"
    "9 repetitions, pinned to CPU 0. Times are medians; q1/q3 give the spread.\n"
    "--impl best: the entry fastest at each n, by a short calibration of every\n"
    "runnable entry (listed with names, it joins them).\n"
    "vs_memcpy: time / memcpy of the input's bytes; vs_stream: time / the time to\n"
    "stream the bytes the op must move (memcpy's rate), e.g. s, g in and dx out\n"
    "for vjp, x in and the gradient out for xent_fused, x alone for xent (whose\n"
    "vs_read, in CSV and JSON, is time / one streaming read of x); vs_memset\n"
    "(Jacobian, in place of vs_memcpy): time / memset of the n x n output.\n"
    "With the global --threads T, each implementation is measured again on rows\n"
    "split across T threads ('impl xT'); scaling = t1 / (T tT).\n"
    "With a plug-in among the entries, the whole timing loop (ceilings and\n"
    "built-ins beside it) runs in the plug-in runner, on buffers next to guard\n"
    "pages; a plug-in that crashes, exits, changes the FP environment or spends\n"
    "more than the global --timeout S (plus one sample) in a call is exit 1, and\n"
    "so is a run that measures nothing (every entry skipped).\n";

static const struct smx_column cols[] = {
    {"impl", SMX_STR, 1},
    {"op", SMX_STR, 1},
    {"dtype", SMX_STR, 1},
    {"n", SMX_INT, 1},
    {"rows", SMX_INT, 1},
    {"cache", SMX_STR, 0},
    {"iterations", SMX_INT, 0},
    {"repetitions", SMX_INT, 0},
    {"median_ns", SMX_NUM, 1},
    {"q1_ns", SMX_NUM, 0},
    {"q3_ns", SMX_NUM, 0},
    {"cv", SMX_NUM, 1},
    {"ns_per_elem", SMX_NUM, 1},
    {"gb_per_s", SMX_NUM, 1},
    {"vs_memcpy", SMX_NUM, 1},
    {"vs_stream", SMX_NUM, 1},
    {"vs_memset", SMX_NUM, 1},
    {"vs_read", SMX_NUM, 0},
    {"matrix_bytes", SMX_INT, 0},
    {"threads", SMX_INT, 1},
    {"scaling", SMX_NUM, 1},
    {"cycles_per_elem", SMX_NUM, 1},
    {"items_per_second", SMX_NUM, 0},
    {"bytes_per_second", SMX_NUM, 0},
    {"mean_ns", SMX_NUM, 0},
    {"stddev_ns", SMX_NUM, 0},
};

void smx_perf_table(struct smx_table *t)
{
	smx_table_init(t, cols, sizeof cols / sizeof *cols);
}

struct perf_row {
	char name[80];
	smx_op op;
	smx_dtype dt;
	size_t n, rows;
	enum smx_cache cache;
	struct smx_stats st;
	double bytes; /* moved by this subject */
	double vs_memcpy, vs_stream, vs_memset, vs_read;
	long long matrix;
	int threads;
	double scaling; /* t(1 thread) / (T t(T threads)) */
};

static double subject_bytes(const struct smx_bench *b, enum smx_subject s,
			    const struct smx_impl *im)
{
	switch (s) {
	case SMX_SUBJ_MEMCPY:
		return 2.0 * (double)b->bytes;
	case SMX_SUBJ_READ:
		return (double)b->bytes;
	case SMX_SUBJ_MEMSET:
		return (double)b->out_bytes;
	case SMX_SUBJ_IMPL:
		break;
	}
	/* An output in another format (fp8) moves bytes of that size. */
	double out = (double)b->out_bytes / (double)smx_dtype_size(b->dt) *
		     (double)smx_dtype_size(smx_impl_out(im));
	return (double)b->moved - (double)b->out_bytes + out;
}

/* Google Benchmark's shape, read from the table by column name. */
static void json_out(FILE *f, const struct smx_table *t, const char *ctx)
{
	fprintf(f, "{\n  \"context\": %s,\n  \"benchmarks\": [", ctx ? ctx : "{}");
	static const char *const aggs[] = {"mean", "median", "stddev", "cv"};
	int first = 1;
	for (size_t i = 0; i < t->nrows; i++)
		for (int a = 0; a < 4; a++) {
#define AT(col) smx_table_at(t, i, col)
			double mean = AT("mean_ns")->d, sd = AT("stddev_ns")->d;
			double v = a == 0   ? mean
				   : a == 1 ? AT("median_ns")->d
				   : a == 2 ? sd
					    : sd / mean;
			char name[200];
			snprintf(name, sizeof name, "%s/%s/%s/%lld/%lld/%s", AT("op")->s,
				 AT("dtype")->s, AT("impl")->s, AT("n")->i, AT("rows")->i,
				 AT("cache")->s);
			fprintf(f,
				"%s\n    {\"name\": \"%s_%s\", \"run_name\": \"%s\", \"run_type\": "
				"\"aggregate\", "
				"\"aggregate_name\": \"%s\", \"aggregate_unit\": \"%s\", "
				"\"repetitions\": %lld, "
				"\"iterations\": %lld, \"real_time\": ",
				first ? "" : ",", name, aggs[a], name, aggs[a],
				a == 3 ? "percentage" : "time", AT("repetitions")->i,
				AT("iterations")->i);
			first = 0;
			smx_json_num(f, v);
			fputs(", \"cpu_time\": ", f);
			smx_json_num(f, v);
			fputs(", \"time_unit\": \"ns\"", f);
			if (a == 1) {
				fputs(", \"items_per_second\": ", f);
				smx_json_num(f, AT("items_per_second")->d);
				fputs(", \"bytes_per_second\": ", f);
				smx_json_num(f, AT("bytes_per_second")->d);
				fputs(", \"vs_memcpy\": ", f);
				smx_json_num(f, AT("vs_memcpy")->d);
				fputs(", \"vs_stream\": ", f);
				smx_json_num(f, AT("vs_stream")->d);
				fputs(", \"cycles_per_item\": ", f);
				smx_json_num(f, AT("cycles_per_elem")->d);
			}
#undef AT
			fputc('}', f);
		}
	fputs("\n  ]\n}\n", f);
}

/* One measured subject as a table row. */
static void add_row(struct smx_table *t, const struct perf_row *p)
{
	double items = (double)(p->n * p->rows), sec = p->st.median * 1e-9;
	smx_table_add(t, p->name, smx_op_name(p->op), smx_dtype_name(p->dt), (long long)p->n,
		      (long long)p->rows, p->cache == SMX_CACHE_HOT ? "hot" : "cold",
		      (long long)p->st.iters, (long long)p->st.reps, p->st.median, p->st.q1,
		      p->st.q3, p->st.stddev / p->st.mean, p->st.median / items,
		      p->bytes / sec * 1e-9, p->vs_memcpy, p->vs_stream, p->vs_memset, p->vs_read,
		      p->matrix, (long long)p->threads, p->scaling, p->st.cycles / items,
		      items / sec, p->bytes / sec, p->st.mean, p->st.stddev);
}

/* Inputs for an op: logits for the forward ops; for the backward ops the
 * forward output in double precision (speed does not need the reference)
 * and an upstream gradient. */
static void make_inputs(smx_op op, smx_dtype dt, const struct smx_dist *d, uint64_t seed,
			size_t rows, size_t n, double *a, double *g)
{
	smx_dist_fill(d, dt, seed, rows, n, a);
	if (smx_op_info(op)->in[1] == SMX_ARG_TARGETS)
		smx_targets_fill(seed, a, rows, n, g);
	if (smx_op_forward(op) || smx_op_info(op)->in[0] == SMX_ARG_X)
		return;
	for (size_t r = 0; r < rows; r++) {
		double *x = a + r * n, m = -INFINITY, sum = 0;
		for (size_t i = 0; i < n; i++)
			m = fmax(m, x[i]);
		for (size_t i = 0; i < n; i++)
			sum += exp(x[i] - m);
		for (size_t i = 0; i < n; i++)
			x[i] = smx_op_info(op)->in[0] == SMX_ARG_Y ? x[i] - m - log(sum)
								   : exp(x[i] - m) / sum;
	}
	if (g) {
		struct smx_dist gd;
		smx_dist_parse("normal:1", &gd);
		smx_dist_fill(&gd, dt, seed + 1, rows, n, g);
	}
}

/* The named entries, and with "best" the entry fastest on this cell's
 * inputs by a short calibration: 1 ms samples, 3 of them, every runnable
 * entry. */
static size_t entries(const struct smx_sel *sel, smx_keep_fn keep, smx_op op, smx_dtype dt,
		      const double *a, const double *g, size_t r, size_t n, enum smx_cache cache,
		      const struct smx_impl **ims)
{
	struct smx_sel named = *sel;
	named.best = 0;
	size_t k = !sel->best || sel->nnames ? smx_sweep_entries(&named, keep, op, dt, ims) : 0;
	if (!sel->best)
		return k;
	struct smx_sel every = *sel;
	every.best = 0;
	every.nnames = 0;
	const struct smx_impl *all[256];
	size_t m = smx_sel_entries(&every, op, dt, all, 256);
	if (m == 0)
		return k;
	enum smx_subject subj[256];
	for (size_t i = 0; i < m; i++)
		subj[i] = SMX_SUBJ_IMPL;
	struct smx_bench b;
	smx_bench_init(&b, op, dt, a, g, r, n, cache, 1, 3);
	struct smx_stats st[256];
	smx_run_bench(&b, m, subj, all, st);
	smx_bench_free(&b);
	size_t best = 0;
	for (size_t i = 1; i < m; i++)
		if (st[i].median < st[best].median)
			best = i;
	for (size_t i = 0; i < k; i++)
		if (ims[i] == all[best])
			return k;
	ims[k++] = all[best];
	return k;
}

/* One (op, dtype, n) cell: the ceilings and the entries side by side,
 * then with --threads T each entry again on T threads. Returns the rows
 * added to t. */
static size_t perf_cell(const struct smx_perf_opts *o, smx_op op, smx_dtype dt, size_t n,
			struct smx_table *t)
{
	size_t r = o->rows ? o->rows : (n >= 16384 ? 1 : 16384 / n);
	smx_progress_cell(0, "%s %s n=%zu", smx_op_name(op), smx_dtype_name(dt), n);
	double *a = smx_alloc(r * n, sizeof *a);
	double *g = smx_op_arity(op) == 2 ? smx_alloc(r * n, sizeof *g) : NULL;
	make_inputs(op, dt, o->dist, o->seed, r, n, a, g);
	const struct smx_impl *ims[256];
	size_t k = entries(o->sel, o->keep, op, dt, a, g, r, n, o->cache, ims);
	if (k == 0) {
		free(a);
		free(g);
		return 0;
	}
	const struct smx_impl *all[256] = {NULL};
	enum smx_subject subj[256] = {SMX_SUBJ_MEMCPY, SMX_SUBJ_READ, SMX_SUBJ_MEMSET};
	/* The Jacobian writes n x n from n: it is read against memset of its
	 * output, not memcpy. */
	int jac = smx_op_info(op)->out == SMX_LEN_NN;
	size_t nc = jac || o->ceilings ? 3 : 2; /* ceilings */
	for (size_t i = 0; i < k; i++) {
		all[nc + i] = ims[i];
		subj[nc + i] = SMX_SUBJ_IMPL;
	}
	struct smx_bench b;
	smx_bench_init(&b, op, dt, a, g, r, n, o->cache, o->min_ms, o->reps);
	free(a);
	free(g);
	struct smx_stats st[256];
	smx_run_bench(&b, k + nc, subj, all, st);
	/* Streaming the op's bytes at memcpy's rate. */
	double stream = st[0].median * (double)b.moved / (2.0 * (double)b.bytes);
	struct perf_row one[256];
	for (size_t j = 0; j < k + nc; j++) {
		static const char *const ceil[] = {"memcpy/ceiling", "read/ceiling",
						   "memset/ceiling"};
		struct perf_row *pr = &one[j];
		memset(pr, 0, sizeof *pr);
		snprintf(pr->name, sizeof pr->name, "%s", j < nc ? ceil[j] : all[j]->name);
		pr->op = op;
		pr->dt = dt;
		pr->n = n;
		pr->rows = r;
		pr->cache = o->cache;
		pr->st = st[j];
		pr->bytes = subject_bytes(&b, subj[j], all[j]);
		pr->vs_memcpy = jac ? NAN : st[j].median / st[0].median;
		pr->vs_stream =
		    st[j].median / (j < nc ? stream : stream * pr->bytes / (double)b.moved);
		pr->vs_memset = jac ? st[j].median / st[2].median : NAN;
		pr->vs_read = st[j].median / st[1].median;
		pr->matrix = jac ? (long long)b.out_bytes : 0;
		pr->threads = 1;
		pr->scaling = NAN;
		add_row(t, pr);
	}
	size_t added = k + nc;
	/* With --threads T: each implementation again on rows split across T
	 * threads, next to its one-thread time. */
	int T = smx_threads();
	if (T > 1 && r >= (size_t)T) {
		b.threads = T;
		struct smx_stats mt[256];
		/* T CPUs for T threads (pinned to one, they would take turns). */
		if (o->pin >= 0 && smx_pin_range(o->pin, T))
			smx_die("perf: --pin: cannot use CPUs %d to %d", o->pin, o->pin + T - 1);
		smx_run_bench(&b, k, subj + nc, all + nc, mt);
		if (o->pin >= 0)
			smx_pin(o->pin);
		for (size_t j = 0; j < k; j++) {
			struct perf_row pr = one[nc + j];
			pr.st = mt[j];
			snprintf(pr.name, sizeof pr.name, "%s x%d", all[nc + j]->name, T);
			pr.threads = T;
			pr.vs_memcpy = jac ? NAN : mt[j].median / st[0].median;
			pr.vs_stream = mt[j].median / (stream * pr.bytes / (double)b.moved);
			pr.vs_read = mt[j].median / st[1].median;
			pr.vs_memset = jac ? mt[j].median / st[2].median : NAN;
			pr.scaling = st[nc + j].median / ((double)T * mt[j].median);
			add_row(t, &pr);
		}
		added += k;
	}
	smx_bench_free(&b);
	return added;
}

size_t smx_perf_sweep(const struct smx_perf_opts *o, struct smx_table *t)
{
	size_t added = 0;
	for (size_t p = 0; p < o->sel->nops; p++)
		for (size_t d = 0; d < o->sel->ndts; d++)
			for (size_t ni = 0; ni < o->nn; ni++) {
				added += perf_cell(o, o->sel->ops[p], o->sel->dts[d], o->ns[ni], t);
				smx_progress_step();
			}
	return added;
}

int smx_cmd_perf(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"op", required_argument, 0, 'p'},	     {"dtype", required_argument, 0, 'd'},
	    {"impl", required_argument, 0, 'i'},     {"n", required_argument, 0, 'n'},
	    {"rows", required_argument, 0, 'r'},     {"cache", required_argument, 0, 'c'},
	    {"min-time", required_argument, 0, 't'}, {"repetitions", required_argument, 0, 'k'},
	    {"pin", required_argument, 0, 'P'},	     {"dist", required_argument, 0, 'D'},
	    {"seed", required_argument, 0, 's'},     {"format", required_argument, 0, 'f'},
	    {"output", required_argument, 0, 'o'},   {"targets", required_argument, 0, 'T'},
	    {"help", no_argument, 0, 'h'},	     {0, 0, 0, 0},
	};
	const char *cmd = "perf";
	struct smx_sel sel;
	smx_sel_init(&sel);
	sel.nops = 1; /* softmax */
	sel.dts[0] = SMX_F32;
	sel.ndts = 1;
	size_t ns[SMX_MAX_LIST] = {16, 1024, 4096, 65536}, nn = 4, rows = 0, reps = 9;
	double min_ms = 5;
	int pin = 0;
	enum smx_cache cache = SMX_CACHE_HOT;
	struct smx_dist dist;
	smx_dist_parse("uniform:-10,10", &dist);
	uint64_t seed = 1;
	enum smx_format fmt = SMX_FMT_TABLE;
	const char *output = NULL;
	const struct smx_common co = {cmd, help, &sel, &fmt, &output, ns, &nn, &rows, &seed, NULL};
	int c;
	while ((c = smx_getopt(argc, argv, opts, cmd)) != -1) {
		switch (c) {
		case 'c':
			if (!strcmp(optarg, "hot"))
				cache = SMX_CACHE_HOT;
			else if (!strcmp(optarg, "cold"))
				cache = SMX_CACHE_COLD;
			else
				smx_die("perf: --cache: '%s' is not hot or cold", optarg);
			break;
		case 't':
			if (smx_parse_double(optarg, &min_ms) || min_ms <= 0 || min_ms > 60000)
				smx_die(
				    "perf: --min-time: '%s' is not a time in ms from 0 to 60000",
				    optarg);
			break;
		case 'k':
			reps = smx_arg_size(cmd, "--repetitions", optarg, 3, 1000);
			break;
		case 'P':
			pin = !strcmp(optarg, "none")
				  ? -1
				  : (int)smx_arg_size(cmd, "--pin", optarg, 0, 4095);
			break;
		case 'T':
			smx_targets_select(cmd, optarg);
			break;
		case 'D': {
			struct smx_dist d[1];
			smx_arg_dists(cmd, "--dist", optarg, d, 1);
			dist = d[0];
			break;
		}
		default:
			smx_common_opt(c, &co);
		}
	}
	smx_common_end(argc, argv, &co);
	/* Refuse sizes before allocating anything. */
	for (size_t o = 0; o < sel.nops; o++)
		for (size_t i = 0; i < nn; i++) {
			size_t r = rows ? rows : (ns[i] >= 16384 ? 1 : 16384 / ns[i]), cells, outs;
			if (smx_mul_overflows(r, ns[i], &cells) || cells > (size_t)1 << 28)
				smx_die("%s: --rows x --n = %zu x %zu is more than 2^28 values",
					cmd, r, ns[i]);
			if (smx_mul_overflows(r, smx_op_out_len(sel.ops[o], ns[i]), &outs) ||
			    outs > (size_t)1 << 28)
				smx_die("%s: %s at n = %zu: the n x n output (%zu rows) would be "
					"more than 2^28 "
					"values",
					cmd, smx_op_name(sel.ops[o]), ns[i], r);
		}
	if (pin >= 0 && smx_pin(pin))
		smx_die("perf: --pin: cannot pin to CPU %d", pin);

	/* The output opens before the work: a bad path fails at once, and an
	 * interrupted run leaves nothing (util.c removes the temporary). */
	FILE *f = smx_out_open(output);
	struct smx_perf_opts po = {.sel = &sel,
				   .ns = ns,
				   .nn = nn,
				   .rows = rows,
				   .cache = cache,
				   .min_ms = min_ms,
				   .reps = reps,
				   .pin = pin,
				   .dist = &dist,
				   .seed = seed};
	struct smx_table t;
	smx_perf_table(&t);
	smx_progress_begin(cmd, sel.nops * sel.ndts * nn, 0);
	size_t nres = smx_perf_sweep(&po, &t);
	smx_progress_end();
	char *ctx = smx_env_json(seed);
	if (fmt == SMX_FMT_JSON)
		json_out(f, &t, ctx);
	else
		smx_table_write(&t, f, fmt, ctx);
	smx_table_free(&t);
	smx_out_commit(f);
	free(ctx);
	if (*smx_peer_missing())
		fputs(smx_peer_missing(), stderr);
	if (!nres) {
		fprintf(stderr, "smx: %s: FAIL: nothing was measured\n", cmd);
		return 1;
	}
	return 0;
}
