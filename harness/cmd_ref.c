/* smx ref: the oracle. Text rows in, correctly rounded rows out. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "op.h"
#include "bench.h"
#include "cli.h"
#include "ref.h"
#include "util.h"

static const char help[] =
    "usage: smx ref [--dtype f32|f64|bf16|f16] [--out-format FMT] [--op OP] [--from x|s]\n"
    "               [--output FILE] [--shape RxN] [--slow] [--verbose] [FILE|-]\n"
    "       smx ref [--dist SPEC] [--n N] [--rows R] [--seed S] [--bench [--slow]]\n"
    "               [--pin CPU|none] ...\n"
    "--dist/--n/--rows/--seed: generated rows instead of FILE (the generators of\n"
    "'smx accuracy'; backward ops pair each row with g from normal:1, and --from s\n"
    "takes s as the rounded softmax of the row). --slow: the MPFR path alone (no\n"
    "fast path). --verbose: a line on stderr counting the values each path decided.\n"
    "--bench: time the reference alone (no text I/O), one thread pinned to CPU 0\n"
    "(--pin), and print ns per element (median, min, max over the repetitions) and\n"
    "how often the fast path fell back to MPFR; with --slow, the MPFR path too, side\n"
    "by side.\n"
    "Defaults with --bench: normal:3, n = 1000, 64 rows.\n"
    "FILE: text rows, a .npy (float16/32/64, any rank: last axis = row; bf16 as <u2\n"
    "bit patterns with --dtype bf16), or raw .f32/.f64/.bf16/.f16 with --shape.\n"
    "--dtype: the input format (default f64); --out-format: the format the results\n"
    "are rounded to (default the input's; also e4m3, saturating to +-448, and e5m2,\n"
    "the OCP 8-bit floats). --output FILE.npy writes the results as .npy (rows x n,\n"
    "rows x n x n for the Jacobian, rows for lse; undefined rows as NaN; bf16 as\n"
    "<u2 and the 8-bit formats as |u1 bit patterns).\n"
    "OP: an op as `smx list` names it (default softmax).\n"
    "Reads rows (one a line; decimal or hex floats, inf, -inf, nan; '#' comments)\n"
    "and prints each row's correctly rounded result as C99 hex floats, or the\n"
    "word 'undefined' (a NaN in the row; an all -inf row for softmax and\n"
    "log-softmax). Values must be exactly representable in the dtype.\n"
    "The backward ops of two inputs (vjp, jvp and their log-softmax forms) read\n"
    "rows in pairs: a line x, then a line g (or v).\n"
    "--from x (default): the backward ops use the exact softmax (log-softmax) of\n"
    "x; --from s: the first line of a pair is s (y for the log-softmax ones) as\n"
    "given.\n"
    "jacobian prints its n x n matrix a row a line, and an empty line after it.\n";

/* Where row r's first input starts, and its length (pairs: x then g). */
static size_t span(const struct smx_rows *rows, int pairs, size_t r, size_t *n)
{
	size_t a = rows->off[pairs ? 2 * r : r];
	*n = rows->off[pairs ? 2 * r + 1 : r + 1] - a;
	return a;
}

static void put_value(FILE *f, double v)
{
	if (isinf(v))
		fputs(v > 0 ? "inf" : "-inf", f);
	else
		fprintf(f, "%a", v);
}

static void put_row(FILE *f, const struct smx_refval *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(' ', f);
		put_value(f, v[i].cr);
	}
	fputc('\n', f);
}

/* One run of the reference over rows read or generated. */
struct ref_job {
	smx_dtype dt, out_fmt; /* rows in, results rounded to */
	smx_op op;
	int from_x, pairs;
	const char *path;
	struct smx_rows rows;
	size_t count; /* rows (pairs) */
	size_t *at;   /* where each row's output starts; at[count] is the total */
	struct smx_refval *out;
	int *status;
};

/* Generated rows: for each n, R rows of the distribution; backward ops
 * pair each with g from normal:1, and from s replace x by its rounded
 * forward output. */
static void generate(struct ref_job *j, const struct smx_dist *d, const size_t *ns, size_t nn,
		     size_t rows, uint64_t seed)
{
	size_t per = j->pairs ? 2 : 1, total = 0, k = 0;
	for (size_t i = 0; i < nn; i++) {
		size_t cells;
		if (smx_mul_overflows(ns[i], rows, &cells) || cells > (size_t)1 << 28)
			smx_die("ref: --rows x --n = %zu x %zu is more than 2^28 values", rows,
				ns[i]);
		total += per * cells;
	}
	j->rows.count = per * rows * nn;
	j->rows.off = smx_alloc(j->rows.count + 1, sizeof *j->rows.off);
	j->rows.x = smx_alloc(total ? total : 1, sizeof *j->rows.x);
	struct smx_dist gd;
	smx_dist_parse("normal:1", &gd);
	const struct smx_op_info *oi = smx_op_info(j->op);
	int given = !j->from_x && oi->in[0] != SMX_ARG_X;
	smx_op fwd = smx_arg_source(oi->in[0]);
	j->rows.off[0] = 0;
	for (size_t i = 0; i < nn; i++) {
		double *x = smx_alloc(rows * ns[i], sizeof *x);
		struct smx_refval *f = given ? smx_alloc(ns[i], sizeof *f) : NULL;
		smx_dist_fill(d, j->dt, seed, rows, ns[i], x);
		for (size_t r = 0; r < rows; r++) {
			double *dst = j->rows.x + j->rows.off[k], *xr = x + r * ns[i];
			if (given && smx_op_info(fwd)->ref_row(fwd, j->dt, 0, xr, NULL, ns[i], f) ==
					 SMX_REF_OK)
				for (size_t c = 0; c < ns[i]; c++)
					xr[c] = f[c].cr;
			memcpy(dst, xr, ns[i] * sizeof *dst);
			j->rows.off[k + 1] = j->rows.off[k] + ns[i];
			k++;
			if (j->pairs) {
				smx_dist_fill(&gd, j->dt, (seed ^ 0x5bd1e995u) + r, 1, ns[i],
					      j->rows.x + j->rows.off[k]);
				j->rows.off[k + 1] = j->rows.off[k] + ns[i];
				k++;
			}
		}
		free(f);
		free(x);
	}
}

/* Check pairs, lay out the outputs (refusing what would not print before
 * anything is allocated), allocate. */
static void layout(struct ref_job *j)
{
	struct smx_rows *rows = &j->rows;
	j->count = j->pairs ? rows->count / 2 : rows->count;
	if (j->pairs) {
		if (rows->count % 2)
			smx_die(
			    "ref: %s: %s reads rows in pairs (x, then g); the last row has no g",
			    j->path, smx_op_name(j->op));
		for (size_t r = 0; r < j->count; r++)
			if (rows->off[2 * r + 1] - rows->off[2 * r] !=
			    rows->off[2 * r + 2] - rows->off[2 * r + 1])
				smx_die("ref: %s: pair %zu: g has %zu values, x has %zu", j->path,
					r + 1, rows->off[2 * r + 2] - rows->off[2 * r + 1],
					rows->off[2 * r + 1] - rows->off[2 * r]);
	}
	j->at = smx_alloc(j->count + 1, sizeof *j->at);
	j->at[0] = 0;
	for (size_t r = 0; r < j->count; r++) {
		size_t n;
		span(rows, j->pairs, r, &n);
		if (smx_op_info(j->op)->out == SMX_LEN_NN && n > 4096)
			smx_die("ref: %s: row %zu: the %zu x %zu Jacobian is more than this "
				"command prints "
				"(n <= 4096)",
				j->path, r + 1, n, n);
		j->at[r + 1] = j->at[r] + smx_op_out_len(j->op, n);
	}
	size_t outs = j->at[j->count];
	if (outs > (size_t)1 << 28)
		smx_die("ref: %s: %zu output values are more than this command holds (2^28)",
			j->path, outs);
	j->out = smx_alloc(outs ? outs : 1, sizeof *j->out);
	j->status = smx_alloc(j->count ? j->count : 1, sizeof *j->status);
}

static void evaluate(struct ref_job *j)
{
	const struct smx_op_info *oi = smx_op_info(j->op);
	long nr = (long)j->count;
#pragma omp parallel for schedule(dynamic, 1) if (nr > 1)
	for (long r = 0; r < nr; r++) {
		size_t n, a = span(&j->rows, j->pairs, (size_t)r, &n);
		j->status[r] =
		    oi->ref_row(j->op, j->out_fmt, j->from_x, j->rows.x + a,
				j->pairs ? j->rows.x + a + n : NULL, n, j->out + j->at[r]);
	}
}

static void print(const struct ref_job *j, const char *output)
{
	FILE *f = smx_out_open(output);
	int npy = output && strlen(output) > 4 && !strcmp(output + strlen(output) - 4, ".npy");
	size_t outs = j->at[j->count];
	if (npy) {
		size_t n0, n;
		span(&j->rows, j->pairs, 0, &n0);
		for (size_t r = 0; r < j->count; r++)
			if (span(&j->rows, j->pairs, r, &n), n != n0)
				smx_die("ref: --output %s: rows of different lengths do not make "
					"an array",
					output);
		size_t olen = smx_op_out_len(j->op, n0);
		double *v = smx_alloc(outs ? outs : 1, sizeof *v);
		for (size_t r = 0; r < j->count; r++)
			for (size_t k = j->at[r]; k < j->at[r] + olen; k++)
				v[k - j->at[r] + r * olen] =
				    j->status[r] == SMX_REF_OK ? j->out[k].cr : NAN;
		enum smx_outlen ol = smx_op_info(j->op)->out;
		smx_write_npy(f, j->out_fmt, v, j->count, n0,
			      ol == SMX_LEN_ONE	 ? 1
			      : ol == SMX_LEN_NN ? 3
						 : 2);
		free(v);
	}
	for (size_t r = 0; r < j->count && !npy; r++) {
		size_t n;
		span(&j->rows, j->pairs, r, &n);
		if (j->status[r] != SMX_REF_OK) {
			fputs(smx_op_info(j->op)->out == SMX_LEN_NN ? "undefined\n\n"
								    : "undefined\n",
			      f);
			continue;
		}
		if (smx_op_info(j->op)->out == SMX_LEN_NN) {
			for (size_t i = 0; i < n; i++)
				put_row(f, j->out + j->at[r] + i * n, n);
			fputc('\n', f);
		} else {
			put_row(f, j->out + j->at[r], j->at[r + 1] - j->at[r]);
		}
	}
	smx_out_commit(f);
}

static double cpu_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

/* Time the reference alone on one thread (pinned to CPU pin, unless it is
 * -1): reps samples of ns per input element, each at least 50 ms (or one
 * evaluation); print the wall time's median, min and max, the median of
 * the CPU time the process got (the same figure on a machine others
 * share), and how many values the fast path left to MPFR, on o. */
static void bench(struct ref_job *j, int slow, const char *dist, int pin, FILE *o)
{
	if (pin >= 0 && smx_pin(pin))
		fprintf(stderr, "smx: note: ref: could not pin to CPU %d; timing unpinned\n", pin);
	omp_set_num_threads(1);
	size_t elems = j->pairs ? j->rows.off[j->rows.count] / 2 : j->rows.off[j->rows.count];
	size_t n0;
	span(&j->rows, j->pairs, 0, &n0);
	fprintf(o, "%-5s %-14s %-5s %-14s %8s %6s %10s %10s %10s %10s %4s %10s %12s\n", "path",
		"op", "dtype", "dist", "n", "rows", "ns/elem", "min", "max", "cpu_ns", "reps",
		"values", "mpfr_values");
	double med[2] = {0, 0}, cmed[2] = {0, 0};
	for (int path = 0; path <= slow; path++) {
		smx_ref_set_mpfr_only(path);
		smx_ref_stats_reset();
		double t0 = smx_now_ms();
		evaluate(j);
		double once = smx_now_ms() - t0;
		struct smx_ref_stats st;
		smx_ref_stats_get(&st);
		size_t reps = path ? 3 : 9,
		       iters = once >= 50 ? 1 : (size_t)(50 / (once + 1e-3)) + 1;
		double ns[9], cpu[9];
		for (size_t k = 0; k < reps; k++) {
			t0 = smx_now_ms();
			double c0 = cpu_ms();
			for (size_t it = 0; it < iters; it++)
				evaluate(j);
			double per = 1e6 / (double)iters / (double)elems;
			cpu[k] = (cpu_ms() - c0) * per;
			ns[k] = (smx_now_ms() - t0) * per;
		}
		qsort(ns, reps, sizeof *ns, smx_cmp_double);
		qsort(cpu, reps, sizeof *cpu, smx_cmp_double);
		med[path] = ns[reps / 2];
		cmed[path] = cpu[reps / 2];
		size_t outs = j->at[j->count];
		fprintf(o,
			"%-5s %-14s %-5s %-14s %8zu %6zu %10.1f %10.1f %10.1f %10.1f %4zu %10zu "
			"%12llu\n",
			path ? "mpfr" : "fast", smx_op_name(j->op), smx_dtype_name(j->dt), dist, n0,
			j->count, med[path], ns[0], ns[reps - 1], cpu[reps / 2], reps, outs,
			path ? (unsigned long long)outs : st.mpfr_values);
	}
	smx_ref_set_mpfr_only(0);
	if (slow)
		fprintf(o, "mpfr / fast: %.1fx (wall), %.1fx (cpu)\n", med[1] / med[0],
			cmed[1] / cmed[0]);
}

/* --verbose: which path decided how many values. */
static void note_counts(void)
{
	struct smx_ref_stats st;
	smx_ref_stats_get(&st);
	fprintf(stderr, "smx: ref: %llu values: %llu by the fast path, %llu by MPFR (%llu rows)\n",
		st.fast_values + st.mpfr_values, st.fast_values, st.mpfr_values, st.mpfr_rows);
}

int smx_cmd_ref(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dtype", required_argument, 0, 'd'},  {"out-format", required_argument, 0, 'O'},
	    {"op", required_argument, 0, 'p'},	   {"from", required_argument, 0, 'F'},
	    {"output", required_argument, 0, 'o'}, {"shape", required_argument, 0, 'S'},
	    {"dist", required_argument, 0, 'D'},   {"n", required_argument, 0, 'n'},
	    {"rows", required_argument, 0, 'r'},   {"seed", required_argument, 0, 's'},
	    {"bench", no_argument, 0, 'B'},	   {"slow", no_argument, 0, 'W'},
	    {"verbose", no_argument, 0, 'v'},	   {"pin", required_argument, 0, 'P'},
	    {"help", no_argument, 0, 'h'},	   {0, 0, 0, 0},
	};
	struct ref_job j = {
	    .dt = SMX_F64, .out_fmt = SMX_DTYPE_COUNT, .op = SMX_OP_SOFTMAX, .from_x = 1};
	const char *output = NULL, *shape = NULL;
	struct smx_dist dist;
	int gen = 0, bench_on = 0, slow = 0, verbose = 0, pin = 0, from_given = 0;
	size_t ns[SMX_MAX_LIST] = {1000}, nn = 1, rows = 64;
	uint64_t seed = 1;
	const struct smx_common co = {.cmd = "ref",
				      .help = help,
				      .ns = ns,
				      .nn = &nn,
				      .rows = &rows,
				      .seed = &seed,
				      .output = &output};
	smx_dist_parse("normal:3", &dist);
	int c;
	while ((c = smx_getopt(argc, argv, opts, "ref")) != -1) {
		switch (c) {
		case 'd':
			if (smx_dtype_parse(optarg, &j.dt) || !smx_dtype_info(j.dt)->storage)
				smx_die("ref: --dtype: '%s' is not f32, f64, bf16 or f16", optarg);
			break;
		case 'O':
			if (smx_dtype_parse(optarg, &j.out_fmt))
				smx_die(
				    "ref: --out-format: '%s' is not f32, f64, bf16, f16, e4m3 or "
				    "e5m2",
				    optarg);
			break;
		case 'p':
			if (smx_op_parse(optarg, &j.op)) {
				char known[256] = "";
				for (int o = 0; o < SMX_OP_COUNT; o++)
					strcat(strcat(known, o ? ", " : ""),
					       smx_op_name((smx_op)o));
				smx_die("ref: --op: '%s' is not one of %s", optarg, known);
			}
			break;
		case 'F':
			if (strcmp(optarg, "x") && strcmp(optarg, "s"))
				smx_die("ref: --from: '%s' is not x or s", optarg);
			j.from_x = !strcmp(optarg, "x");
			from_given = 1;
			break;
		case 'S':
			shape = optarg;
			break;
		case 'D':
			smx_arg_dists("ref", "--dist", optarg, &dist, 1);
			gen = 1;
			break;
		case 'B':
			bench_on = 1;
			break;
		case 'W':
			slow = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'P':
			pin = !strcmp(optarg, "none")
				  ? -1
				  : (int)smx_arg_size("ref", "--pin", optarg, 0, 4095);
			break;
		default:
			gen |= c == 'n' || c == 'r' || c == 's';
			smx_common_opt(c, &co);
		}
	}
	if (argc - optind > 1)
		smx_die("ref: more than one input file");
	if ((gen || bench_on) && optind < argc)
		smx_die("ref: generated rows (--dist, --n, --rows, --seed, --bench) and an input "
			"file exclude each other");
	if (from_given && smx_op_info(j.op)->in[0] == SMX_ARG_X)
		smx_die("ref: --from: %s takes x only; --from chooses what the backward ops' "
			"first input is",
			smx_op_info(j.op)->name);
	j.pairs = smx_op_arity(j.op) == 2;
	if (j.out_fmt == SMX_DTYPE_COUNT)
		j.out_fmt = j.dt;
	j.path = optind < argc ? argv[optind] : gen || bench_on ? "<generated>" : "-";
	if (gen || bench_on)
		generate(&j, &dist, ns, nn, rows, seed);
	else
		smx_read_rows("ref", j.path, j.dt, shape, &j.rows);
	layout(&j);
	if (bench_on) {
		bench(&j, slow, dist.spec, pin, smx_stdout());
		smx_out_commit(smx_stdout());
	} else {
		smx_ref_set_mpfr_only(slow);
		evaluate(&j);
		if (verbose)
			note_counts();
		print(&j, output);
	}
	free(j.out);
	free(j.at);
	free(j.status);
	smx_rows_free(&j.rows);
	return 0;
}
