/* Plug-ins: dlopen, validate, register; guarded runs. See plugin.h. */
#define _GNU_SOURCE
#include <dlfcn.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plugin.h"
#include "smx_plugin.h"
#include "util.h"

static int parse_edge(const char *s, smx_edge *e)
{
	if (!s || !strcmp(s, "nan"))
		*e = SMX_EDGE_NAN;
	else if (!strcmp(s, "zero"))
		*e = SMX_EDGE_ZERO;
	else if (!strcmp(s, "limit"))
		*e = SMX_EDGE_LIMIT;
	else
		return -1;
	return 0;
}

static void load(const char *path)
{
	struct stat st;
	if (stat(path, &st))
		smx_die("--plugin: %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		smx_die("--plugin: %s: not a regular file", path);
	/* dlopen needs a path with a slash to skip the library search. */
	char full[4096];
	snprintf(full, sizeof full, "%s%s", strchr(path, '/') ? "" : "./", path);
	void *h = dlopen(full, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		smx_die("--plugin: %s: not a loadable shared object (%s)", path, why ? why : "?");
	}
	const struct smx_plugin *p = dlsym(h, "smx_plugin");
	if (!p)
		smx_die("--plugin: %s: no symbol 'smx_plugin' (see impls/smx_plugin.h)", path);
	if (p->abi != SMX_PLUGIN_ABI)
		smx_die("--plugin: %s: ABI version %d, this smx knows %d", path, p->abi,
			SMX_PLUGIN_ABI);
	if (p->count > 0 && !p->impls)
		smx_die("--plugin: %s: %zu entries but no table", path, p->count);
	if (p->count > 256)
		smx_die("--plugin: %s: %zu entries (at most 256)", path, p->count);
	for (size_t i = 0; i < p->count; i++) {
		const struct smx_plugin_impl *e = &p->impls[i];
		struct smx_impl im = {.origin = SMX_ORIGIN_PLUGIN};
		if (!e->op || smx_op_parse(e->op, &im.op))
			smx_die("--plugin: %s: entry %zu: unknown op '%s'", path, i,
				e->op ? e->op : "(null)");
		if (!e->dtype || smx_dtype_parse(e->dtype, &im.dtype))
			smx_die("--plugin: %s: entry %zu: unknown dtype '%s'", path, i,
				e->dtype ? e->dtype : "(null)");
		const char *slash = e->name ? strchr(e->name, '/') : NULL;
		if (!slash || slash == e->name || !slash[1] || strchr(slash + 1, '/') ||
		    strlen(e->name) > 60 || strpbrk(e->name, " \t\n,;"))
			smx_die("--plugin: %s: entry %zu: name '%s' is not <algo>/<isa>", path, i,
				e->name ? e->name : "(null)");
		int two = smx_op_arity(im.op) == 2;
		void (*want)(void) =
		    im.dtype == SMX_F32 ? (two ? (void (*)(void))e->f32_2 : (void (*)(void))e->f32)
					: (two ? (void (*)(void))e->f64_2 : (void (*)(void))e->f64);
		if (!want)
			smx_die("--plugin: %s: %s: no %s function for %s %s", path, e->name,
				two ? "two-input" : "one-input", e->op, e->dtype);
		if (smx_registry_find(im.op, im.dtype, e->name))
			smx_die("--plugin: %s: %s %s %s is already registered", path, e->op,
				e->dtype, e->name);
		if (parse_edge(e->all_neginf, &im.policy.all_neginf) ||
		    parse_edge(e->pos_inf, &im.policy.pos_inf))
			smx_die("--plugin: %s: %s: edge policy is not nan, zero or limit", path,
				e->name);
		if (!(e->bound >= 0) || isinf(e->bound))
			smx_die("--plugin: %s: %s: bound %g is not a finite number >= 0", path,
				e->name, e->bound);
		/* Owned copies: the names outlive nothing but the process. */
		char *name = smx_alloc(strlen(e->name) + 1, 1),
		     *algo = smx_alloc(strlen(e->name) + 1, 1);
		strcpy(name, e->name);
		strcpy(algo, e->name);
		algo[slash - e->name] = 0;
		im.name = name;
		im.algo = algo;
		im.isa = name + (slash - e->name) + 1;
		if (two && im.dtype == SMX_F32)
			im.fn2.f32 = e->f32_2;
		else if (two)
			im.fn2.f64 = e->f64_2;
		else if (im.dtype == SMX_F32)
			im.fn.f32 = e->f32;
		else
			im.fn.f64 = e->f64;
		im.policy.overflows = e->overflows != 0;
		im.bound = (struct smx_bound){
		    .kind = smx_op_forward(im.op) || im.op == SMX_OP_JACOBIAN ? SMX_BOUND_ULP
									      : SMX_BOUND_COND,
		    .c0 = e->bound > 0 ? e->bound : INFINITY};
		im.note = e->note ? e->note : "plug-in";
		if (smx_registry_add(&im))
			smx_die("--plugin: %s: out of memory", path);
	}
}

int smx_plugins_from_argv(int argc, char **argv)
{
	int k = 1;
	for (int i = 1; i < argc; i++) {
		const char *path = NULL;
		if (!strcmp(argv[i], "--plugin")) {
			if (i + 1 >= argc)
				smx_die("--plugin needs a path to a shared object");
			path = argv[++i];
		} else if (!strncmp(argv[i], "--plugin=", 9)) {
			path = argv[i] + 9;
		}
		if (path)
			load(path);
		else
			argv[k++] = argv[i];
	}
	argv[k] = NULL;
	return k;
}

static int threads = 1;

int smx_threads(void)
{
	return threads;
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
		threads = (int)t;
#ifdef _OPENMP
		omp_set_num_threads(threads);
#endif
	}
	argv[k] = NULL;
	return k;
}

void smx_run_guarded(const struct smx_impl *im, const void *a, const void *b, void *out,
		     size_t rows, size_t n)
{
	if (im->origin != SMX_ORIGIN_PLUGIN) {
		smx_impl_run(im, a, b, out, rows, n);
		return;
	}
	size_t es = smx_dtype_size(im->dtype), in_bytes = rows * n * es;
	size_t out_bytes = rows * smx_op_out_len(im->op, n) * es;
	size_t len = out_bytes > in_bytes ? out_bytes : in_bytes;
	void *shared =
	    mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		smx_die("out of memory: cannot map %zu bytes for a plug-in run", len);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		smx_die("cannot fork to run plug-in %s: %s", im->name, strerror(errno));
	if (pid == 0) {
		/* In place stays in place: the aliased input is the shared copy. */
		const void *ca = a, *cb = b;
		if (out == a || out == b) {
			memcpy(shared, out, in_bytes);
			if (out == a)
				ca = shared;
			else
				cb = shared;
		}
		smx_impl_run(im, ca, cb, shared, rows, n);
		_exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			smx_die("plug-in %s: lost its child process: %s", im->name,
				strerror(errno));
	if (WIFSIGNALED(status))
		smx_die("plug-in %s %s %s crashed (signal %d, %s) on rows of n = %zu",
			smx_op_name(im->op), smx_dtype_name(im->dtype), im->name, WTERMSIG(status),
			strsignal(WTERMSIG(status)), n);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		smx_die("plug-in %s %s %s exited with status %d instead of returning",
			smx_op_name(im->op), smx_dtype_name(im->dtype), im->name,
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	memcpy(out, shared, out_bytes);
	munmap(shared, len ? len : 1);
}
