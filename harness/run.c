/* The run layer; see run.h. */
#define _GNU_SOURCE
#ifdef _OPENMP
#include <omp.h>
#endif
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "op.h"
#include "run.h"
#include "runner.h"
#include "util.h"
#include "variant.h"

static int threads = 1, threads_given;

int smx_threads(void)
{
	return threads;
}

int smx_threads_given(void)
{
	return threads_given;
}

#ifdef _OPENMP
/* The stack size libgomp gives its threads: OMP_STACKSIZE (or
 * GOMP_STACKSIZE), a number with an optional B, K, M or G suffix (K when
 * none); 0 for the pthread default. */
static size_t omp_stacksize(void)
{
	const char *s = getenv("OMP_STACKSIZE");
	if (!s)
		s = getenv("GOMP_STACKSIZE");
	if (!s)
		return 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	while (*end == ' ')
		end++;
	int sh = *end == 'B' || *end == 'b'   ? 0
		 : *end == 'M' || *end == 'm' ? 20
		 : *end == 'G' || *end == 'g' ? 30
					      : 10;
	return v && v < (1ull << 40) >> sh ? (size_t)(v << sh) : 0;
}

static void *idle(void *arg)
{
	return arg;
}
#endif

/* libgomp ends the process with its own message and status 1 when it
 * cannot create a thread. So with --threads T the team is started here, at
 * start-up, after a probe with plain threads of the same stack size has
 * shown that they can all exist at once: failing to start them is bad
 * input (exit 2). */
static void start_threads(void)
{
#ifdef _OPENMP
	int T = threads_given;
	if (T <= 1)
		return;
	pthread_attr_t at;
	if (pthread_attr_init(&at))
		smx_die("--threads %d: cannot set up threads", T);
	size_t stack = omp_stacksize();
	if (stack && pthread_attr_setstacksize(&at, stack))
		smx_die("--threads %d: OMP_STACKSIZE %zu is refused", T, stack);
	pthread_t *t = smx_alloc((size_t)T, sizeof *t);
	int made = 0, err = 0;
	while (made < T - 1 && !(err = pthread_create(&t[made], &at, idle, NULL)))
		made++;
	for (int i = 0; i < made; i++)
		pthread_join(t[i], NULL);
	free(t);
	pthread_attr_destroy(&at);
	if (err)
		smx_die("--threads %d: cannot start %d threads: %s", T, T, strerror(err));
	int got = 0;
#pragma omp parallel num_threads(T)
#pragma omp atomic
	got++;
	if (got != T)
		smx_die("--threads %d: only %d threads started", T, got);
#endif
}

int smx_threads_from_argv(int argc, char **argv)
{
	int k = 1;
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		if (!strcmp(argv[i], "--threads")) {
			if (i + 1 >= argc)
				smx_die("--threads needs a number");
			v = argv[++i];
		} else if (!strncmp(argv[i], "--threads=", 10)) {
			v = argv[i] + 10;
		}
		if (!v) {
			argv[k++] = argv[i];
			continue;
		}
		size_t t;
		if (smx_parse_size(v, 1, 1024, &t))
			smx_die("--threads: '%s' is not a whole number from 1 to 1024", v);
		threads = threads_given = (int)t;
#ifdef _OPENMP
		omp_set_num_threads(threads);
#endif
	}
	argv[k] = NULL;
	start_threads();
	return k;
}

void smx_run_guarded(const struct smx_impl *im, const void *a, const void *b, void *out,
		     size_t rows, size_t n)
{
	if (im->origin != SMX_ORIGIN_PLUGIN) {
		smx_variant_run(im, a, b, out, rows, n, 0);
		return;
	}
	struct smx_run_opts o = {.in_place = out == a ? 1 : out == b && b ? 2 : 0};
	struct smx_run_result r;
	if (smx_runner_call(im, a, b, out, rows, n, &o, &r))
		smx_die("internal: plug-in %s cannot run in place", im->name);
	if (r.status != SMX_RUN_OK)
		smx_fail("plug-in %s %s %s: %s on rows of n = %zu", smx_op_name(im->op),
			 smx_dtype_name(im->dtype), im->name, smx_run_describe(&r), n);
}

int smx_run_isolated(const struct smx_impl *im, const void *a, const void *b, void *out,
		     size_t rows, size_t n, const struct smx_run_opts *o, struct smx_run_result *r)
{
	if (smx_runner_call(im, a, b, out, rows, n, o, r))
		return -1;
	return r->status == SMX_RUN_OK || r->status == SMX_RUN_FPENV;
}

void smx_run_bench(struct smx_bench *b, size_t count, const enum smx_subject *subj,
		   const struct smx_impl *const *impls, struct smx_stats *out)
{
	size_t stopped;
	for (size_t j = 0; j < count; j++)
		if (subj[j] == SMX_SUBJ_IMPL && impls[j]->origin == SMX_ORIGIN_PLUGIN) {
			struct smx_run_result r;
			if (smx_runner_bench(b, count, subj, impls, out, &r, &stopped)) {
				const struct smx_impl *im =
				    stopped < count && subj[stopped] == SMX_SUBJ_IMPL
					? impls[stopped]
					: impls[j];
				smx_fail("plug-in %s %s %s: %s in perf at n = %zu",
					 smx_op_name(im->op), smx_dtype_name(im->dtype), im->name,
					 smx_run_describe(&r), b->n);
			}
			return;
		}
	smx_bench_run_here(b, count, subj, impls, out, &stopped);
}

double smx_run_cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6 + smx_runner_cpu_ms();
}
