/* The runner: see runner.h. The spawn helper is here (posix_spawn of
 * /proc/self/exe with its own process group), so nothing in smx forks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "op.h"
#include "measure.h"
#include "plugin.h"
#include "run.h"
#include "runner.h"
#include "util.h"
#include "variant.h"
#include "xent_opts.h"

/* ---- The floating-point environment ---- */

/* MXCSR bits 6-15: DAZ, the exception masks, rounding, FTZ. Bits 0-5 are
 * sticky exception flags that any arithmetic may set. */
#define MXCSR_CONTROL 0xffc0u
#define MXCSR_DEFAULT 0x1f80u /* all exceptions masked, round to nearest */
/* x87 control word: exception masks (0-5), precision (8-9), rounding
 * (10-11). */
#define X87_CONTROL 0x0f3fu
#define X87_DEFAULT 0x037fu /* masked, 64-bit precision, round to nearest */

void smx_fpenv_get(struct smx_fpenv *e)
{
#if defined(__x86_64__)
	unsigned m;
	unsigned short cw;
	__asm__ volatile("stmxcsr %0" : "=m"(m));
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	e->mxcsr = m & MXCSR_CONTROL;
	e->x87 = cw & X87_CONTROL;
#else
	e->mxcsr = MXCSR_DEFAULT;
	e->x87 = X87_DEFAULT & X87_CONTROL;
#endif
}

void smx_fpenv_default(void)
{
#if defined(__x86_64__)
	unsigned m = MXCSR_DEFAULT;
	unsigned short cw = X87_DEFAULT;
	__asm__ volatile("ldmxcsr %0" : : "m"(m));
	__asm__ volatile("fldcw %0" : : "m"(cw));
#endif
}

int smx_fpenv_is_default(const struct smx_fpenv *e)
{
	return e->mxcsr == MXCSR_DEFAULT && e->x87 == (X87_DEFAULT & X87_CONTROL);
}

/* ---- Options ---- */

static double timeout_s = 60;

double smx_timeout(void)
{
	return timeout_s;
}

int smx_timeout_from_argv(int argc, char **argv)
{
	int k = 1;
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		if (!strcmp(argv[i], "--timeout")) {
			if (i + 1 >= argc)
				smx_die("--timeout needs a number of seconds");
			v = argv[++i];
		} else if (!strncmp(argv[i], "--timeout=", 10)) {
			v = argv[i] + 10;
		}
		if (!v) {
			argv[k++] = argv[i];
			continue;
		}
		if (smx_parse_double(v, &timeout_s) || !(timeout_s > 0) || timeout_s > 1e6)
			smx_die("--timeout: '%s' is not a number of seconds in (0, 1e6]", v);
	}
	argv[k] = NULL;
	return k;
}

/* ---- Guarded buffers ---- */

void *smx_gbuf_alloc(struct smx_gbuf *g, size_t bytes, enum smx_guard where, size_t misalign)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), data = (bytes + 128 + page - 1) / page * page;
	g->len = data + page;
	g->map = mmap(NULL, g->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->map == MAP_FAILED)
		return g->map = NULL;
	char *m = g->map, *guard = where == SMX_GUARD_BEFORE ? m : m + data;
	if (mprotect(guard, page, PROT_NONE)) {
		smx_gbuf_free(g);
		return NULL;
	}
	if (where == SMX_GUARD_BEFORE)
		return m + page + misalign;
	if (!misalign)
		return guard - bytes;
	uintptr_t p = ((uintptr_t)(guard - bytes) & ~(uintptr_t)63) + misalign;
	return (char *)(p > (uintptr_t)(guard - bytes) ? p - 64 : p);
}

void smx_gbuf_free(struct smx_gbuf *g)
{
	if (g->map)
		munmap(g->map, g->len);
	g->map = NULL;
}

/* ---- The protocol ---- */

/* The runner's descriptors: the socket on 0, the shared file on 3. */
#define SHM_FD 3
#define MAX_SUBJ 257
#define NAME_LEN 64
/* The shared file starts with a header; data follows. */
#define HDR 64

enum { REQ_CALL = 1, REQ_BENCH };
enum { RSP_HELLO = 1, RSP_DONE, RSP_BEAT, RSP_ERROR };

struct req {
	uint32_t kind, op, dt, guard, in_place, cache, threads, count;
	uint64_t rows, n, misalign, shm_size, reps, row0;
	double min_ms;
	char name[NAME_LEN];
	cpu_set_t cpus; /* bench: the CPUs smx runs on now (--pin) */
};

struct rsp {
	uint32_t kind, status;
	int32_t code, at_load;
	uint32_t mxcsr, x87, who;
	uint64_t registry_count;
	char why[200];
};

/* Header of the shared file: the subject being sampled (bench). */
struct hdr {
	volatile uint32_t subject;
};

static size_t align64(size_t x)
{
	return (x + 63) & ~(size_t)63;
}

/* ---- The parent's side ---- */

static struct {
	pid_t pid; /* the runner (and its process group), 0: none */
	int sock, shm;
	unsigned char *map;
	size_t map_len;
} R = {0, -1, -1, NULL, 0};

static void kill_runner(void)
{
	pid_t p = R.pid;
	if (p <= 0)
		return;
	kill(-p, SIGKILL);
	while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
		;
	R.pid = 0;
	smx_child_group_set(0);
	if (R.sock >= 0)
		close(R.sock);
	R.sock = -1;
}

void smx_runner_restart(void)
{
	kill_runner();
}

static double ms_of(struct timeval t)
{
	return (double)t.tv_sec * 1e3 + (double)t.tv_usec / 1e3;
}

double smx_runner_cpu_ms(void)
{
	double ms = 0;
	struct rusage ru;
	if (!getrusage(RUSAGE_CHILDREN, &ru))
		ms = ms_of(ru.ru_utime) + ms_of(ru.ru_stime);
	clockid_t id;
	struct timespec ts;
	if (R.pid > 0 && !clock_getcpuclockid(R.pid, &id) && !clock_gettime(id, &ts))
		ms += (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
	return ms;
}

/* A descriptor at 10 or above, close-on-exec, so that the dup2 onto 0 and
 * SHM_FD in the child never lands on itself. */
static int high_fd(int fd)
{
	int h = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	if (h < 0)
		smx_die("plug-in runner: %s", strerror(errno));
	close(fd);
	return h;
}

static void shm_reserve(size_t bytes)
{
	if (R.shm < 0) {
		int fd = memfd_create("smx-runner", MFD_CLOEXEC);
		if (fd < 0)
			smx_die("plug-in runner: cannot create shared memory: %s", strerror(errno));
		R.shm = high_fd(fd);
	}
	if (bytes <= R.map_len)
		return;
	if (R.map)
		munmap(R.map, R.map_len);
	R.map = NULL;
	if (ftruncate(R.shm, (off_t)bytes))
		smx_die("plug-in runner: cannot size shared memory to %zu bytes: %s", bytes,
			strerror(errno));
	void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, R.shm, 0);
	if (m == MAP_FAILED)
		smx_die("out of memory: cannot map %zu bytes for the plug-in runner", bytes);
	R.map = m;
	R.map_len = bytes;
}

/* Reap the runner after it closed its end: it normally exits at once; one
 * that lingers without its socket is killed. */
static void reap(struct smx_run_result *r)
{
	pid_t p = R.pid;
	int st = 0;
	pid_t got = 0;
	for (int i = 0; i < 1000 && (got = waitpid(p, &st, WNOHANG)) == 0; i++) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	kill(-p, SIGKILL);
	if (got == 0)
		while (waitpid(p, &st, 0) < 0 && errno == EINTR)
			;
	R.pid = 0;
	smx_child_group_set(0);
	close(R.sock);
	R.sock = -1;
	if (WIFSIGNALED(st)) {
		r->status = SMX_RUN_CRASH;
		r->code = WTERMSIG(st);
	} else {
		r->status = SMX_RUN_EXIT;
		r->code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	}
}

/* Wait for the runner's answer; beats restart the clock. Returns 0 with
 * *m filled, or -1 with r saying how the runner ended. */
static int await(struct rsp *m, double limit_s, struct smx_run_result *r)
{
	double deadline = smx_now_ms() + limit_s * 1e3;
	for (;;) {
		double left = deadline - smx_now_ms();
		if (left <= 0) {
			kill_runner();
			r->status = SMX_RUN_TIMEOUT;
			return -1;
		}
		struct pollfd pf = {.fd = R.sock, .events = POLLIN};
		int k = poll(&pf, 1, left > 1e9 ? 1000000000 : (int)ceil(left));
		if (k < 0 && errno != EINTR)
			smx_die("plug-in runner: %s", strerror(errno));
		if (k <= 0)
			continue;
		ssize_t got = recv(R.sock, m, sizeof *m, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got != (ssize_t)sizeof *m) {
			reap(r);
			return -1;
		}
		if (m->kind == RSP_ERROR)
			smx_die("plug-in runner: %s", m->why);
		if (m->kind == RSP_BEAT) {
			deadline = smx_now_ms() + limit_s * 1e3;
			continue;
		}
		return 0;
	}
}

static const char *runner_exe = "/proc/self/exe";

void smx_runner_set_exe(const char *path)
{
	runner_exe = path;
}

static void start_runner(void)
{
	static int registered;
	if (!registered++)
		atexit(kill_runner);
	shm_reserve(HDR + 4096);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		smx_die("plug-in runner: %s", strerror(errno));
	int child = high_fd(sv[1]);
	const char *paths[64], *args[64 * 2 + 8 + 12 + 4];
	size_t np = smx_plugin_paths(paths, 64), k = 0;
	char ppid[32], threads[32];
	snprintf(ppid, sizeof ppid, "%ld", (long)getpid());
	snprintf(threads, sizeof threads, "%d", smx_threads_given());
	args[k++] = "smx";
	for (size_t i = 0; i < np; i++) {
		args[k++] = "--plugin";
		args[k++] = paths[i];
	}
	if (smx_threads_given()) {
		args[k++] = "--threads";
		args[k++] = threads;
	}
	k += smx_variant_argv(args + k);
	k += smx_xent_opts_argv(args + k);
	args[k++] = SMX_RUNNER_COMMAND;
	args[k++] = ppid;
	args[k] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	if (posix_spawn_file_actions_init(&fa) || posix_spawnattr_init(&at))
		smx_die("plug-in runner: out of memory");
	/* Socket on 0, shared file on SHM_FD, and the plug-in's prints on
	 * smx's standard error, never in its output. */
	posix_spawn_file_actions_adddup2(&fa, child, 0);
	posix_spawn_file_actions_adddup2(&fa, R.shm, SHM_FD);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					  POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	pid_t pid;
	fflush(NULL);
	int rc = posix_spawn(&pid, runner_exe, &fa, &at, (char *const *)args, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(child);
	if (rc) {
		close(sv[0]);
		smx_die("plug-in runner: cannot start: %s", strerror(rc));
	}
	R.pid = pid;
	/* A fatal signal or error in smx (util.c) kills the group. */
	smx_child_group_set(pid);
	R.sock = sv[0];
	struct rsp m;
	struct smx_run_result r = {0};
	double limit = timeout_s > 60 ? timeout_s : 60;
	if (await(&m, limit, &r) || m.kind != RSP_HELLO) {
		if (r.status == SMX_RUN_TIMEOUT)
			smx_die("plug-in runner: no answer within %g s", limit);
		if (r.status == SMX_RUN_CRASH)
			smx_die("plug-in runner: killed by signal %d at start-up", r.code);
		smx_die("plug-in runner: ended at start-up with exit status %d", r.code);
	}
	if (m.registry_count != smx_registry_count())
		smx_die("plug-in runner: has %llu entries, smx %zu",
			(unsigned long long)m.registry_count, smx_registry_count());
}

static void send_req(struct req *q)
{
	if (R.pid <= 0)
		start_runner();
	q->shm_size = R.map_len;
	if (send(R.sock, q, sizeof *q, MSG_NOSIGNAL) != (ssize_t)sizeof *q) {
		/* The runner is gone: await() reports how. */
	}
}

static void fill_result(struct smx_run_result *r, const struct rsp *m)
{
	r->status = (enum smx_run_status)m->status;
	r->code = m->code;
	r->fpenv_at_load = m->at_load;
	r->mxcsr = m->mxcsr;
	r->x87 = m->x87;
}

static void name_copy(char *dst, const char *src)
{
	snprintf(dst, NAME_LEN, "%s", src);
}

int smx_runner_call(const struct smx_impl *im, const void *a, const void *b, void *out, size_t rows,
		    size_t n, const struct smx_run_opts *opts, struct smx_run_result *r)
{
	struct smx_run_opts o = opts ? *opts : (struct smx_run_opts){0};
	int two = smx_op_arity(im->op) == 2;
	if ((o.in_place && !smx_op_info(im->op)->in_place) || (o.in_place == 2 && !two) ||
	    o.in_place < 0 || o.in_place > 2 || o.misalign >= 64 ||
	    (o.guard != SMX_GUARD_AFTER && o.guard != SMX_GUARD_BEFORE) || o.timeout_s < 0)
		return -1;
	size_t es = smx_dtype_size(im->dtype), cells, outs, in_bytes, out_bytes;
	if (smx_mul_overflows(rows, n, &cells) || smx_mul_overflows(cells, es, &in_bytes) ||
	    smx_mul_overflows(rows, smx_op_out_len(im->op, n), &outs) ||
	    smx_mul_overflows(outs, smx_dtype_size(smx_impl_out(im)), &out_bytes) ||
	    in_bytes > SIZE_MAX / 4 || out_bytes > SIZE_MAX / 4)
		smx_die("plug-in runner: rows x n overflows");
	*r = (struct smx_run_result){.limit_s = o.timeout_s > 0 ? o.timeout_s : timeout_s,
				     .mxcsr_want = MXCSR_DEFAULT,
				     .x87_want = X87_DEFAULT & X87_CONTROL};
	size_t off_b = HDR + align64(in_bytes), off_o = off_b + (two ? align64(in_bytes) : 0);
	if (R.pid <= 0)
		start_runner();
	shm_reserve(off_o + out_bytes);
	/* (Empty rows may come with null pointers.) */
	if (in_bytes) {
		memcpy(R.map + HDR, a, in_bytes);
		if (two)
			memcpy(R.map + off_b, b, in_bytes);
	}
	struct req q = {.kind = REQ_CALL,
			.op = im->op,
			.dt = im->dtype,
			.guard = o.guard,
			.in_place = (uint32_t)o.in_place,
			.rows = rows,
			.n = n,
			.misalign = o.misalign,
			.row0 = o.row0};
	name_copy(q.name, im->name);
	send_req(&q);
	struct rsp m;
	if (await(&m, r->limit_s, r))
		return 0;
	fill_result(r, &m);
	if (out_bytes)
		memcpy(out, R.map + off_o, out_bytes);
	return 0;
}

int smx_runner_bench(struct smx_bench *b, size_t count, const enum smx_subject *subj,
		     const struct smx_impl *const *impls, struct smx_stats *out,
		     struct smx_run_result *r, size_t *who)
{
	if (count > MAX_SUBJ)
		smx_die("perf: more than %d subjects", MAX_SUBJ);
	int two = smx_op_arity(b->op) == 2;
	size_t off_g = HDR + align64(b->bytes), off_s = off_g + (two ? align64(b->bytes) : 0);
	size_t off_n = off_s + align64(count * sizeof(uint32_t));
	size_t off_st = off_n + count * NAME_LEN;
	if (R.pid <= 0)
		start_runner();
	shm_reserve(off_st + count * sizeof *out);
	memcpy(R.map + HDR, b->x[0], b->bytes);
	if (two)
		memcpy(R.map + off_g, b->g[0], b->bytes);
	for (size_t j = 0; j < count; j++) {
		((uint32_t *)(void *)(R.map + off_s))[j] = subj[j];
		name_copy((char *)R.map + off_n + j * NAME_LEN,
			  subj[j] == SMX_SUBJ_IMPL ? impls[j]->name : "");
	}
	((struct hdr *)(void *)R.map)->subject = 0;
	struct req q = {.kind = REQ_BENCH,
			.op = b->op,
			.dt = b->dt,
			.cache = b->cache,
			.threads = (uint32_t)b->threads,
			.count = (uint32_t)count,
			.rows = b->rows,
			.n = b->n,
			.reps = b->reps,
			.min_ms = b->min_ms};
	if (sched_getaffinity(0, sizeof q.cpus, &q.cpus))
		CPU_ZERO(&q.cpus);
	send_req(&q);
	*r = (struct smx_run_result){.limit_s = timeout_s,
				     .mxcsr_want = MXCSR_DEFAULT,
				     .x87_want = X87_DEFAULT & X87_CONTROL};
	/* A sample takes its --min-time (calibration may go to about twice
	 * that) on top of the per-call limit. */
	struct rsp m;
	if (await(&m, timeout_s + 3e-3 * b->min_ms, r)) {
		*who = ((struct hdr *)(void *)R.map)->subject;
		return -1;
	}
	fill_result(r, &m);
	if (r->status != SMX_RUN_OK) {
		*who = m.who;
		return -1;
	}
	memcpy(out, R.map + off_st, count * sizeof *out);
	return 0;
}

const char *smx_run_describe(const struct smx_run_result *r)
{
	static char s[200];
	switch (r->status) {
	case SMX_RUN_OK:
		return "returned";
	case SMX_RUN_CRASH:
		snprintf(s, sizeof s, "crashed (signal %d, %s)", r->code, strsignal(r->code));
		break;
	case SMX_RUN_EXIT:
		snprintf(s, sizeof s, "ended the process (exit status %d) instead of returning",
			 r->code);
		break;
	case SMX_RUN_TIMEOUT:
		snprintf(s, sizeof s, "did not return within %g s (--timeout)", r->limit_s);
		break;
	case SMX_RUN_FPENV: {
		unsigned d = r->mxcsr ^ r->mxcsr_want;
		snprintf(
		    s, sizeof s,
		    "%s the FP environment:%s%s%s%s%s (MXCSR 0x%04x, default 0x%04x); restored",
		    r->fpenv_at_load ? "loading its plug-in changed" : "changed",
		    d & 0x8000 ? " FTZ" : "", d & 0x0040 ? " DAZ" : "",
		    d & 0x6000 ? " rounding" : "", d & 0x1f80 ? " exception masks" : "",
		    r->x87 != r->x87_want ? " x87 control word" : "", r->mxcsr, r->mxcsr_want);
		break;
	}
	}
	return s;
}

/* ---- The runner's side ---- */

static const enum smx_subject *beat_subj;
static struct rsp beat_fault;

static void reply(const struct rsp *m)
{
	if (send(0, m, sizeof *m, MSG_NOSIGNAL) != (ssize_t)sizeof *m)
		_exit(0); /* smx is gone */
}

static _Noreturn void runner_error(const char *what)
{
	struct rsp m = {.kind = RSP_ERROR};
	snprintf(m.why, sizeof m.why, "%s", what);
	reply(&m);
	_exit(2);
}

/* The state after a call of im: FPENV when it (or its plug-in's loading)
 * changed the environment, which is then restored. */
static void check_fpenv(const struct smx_impl *im, struct rsp *m)
{
	struct smx_fpenv e;
	smx_fpenv_get(&e);
	if (!smx_fpenv_is_default(&e)) {
		m->status = SMX_RUN_FPENV;
		m->mxcsr = e.mxcsr;
		m->x87 = e.x87;
		smx_fpenv_default();
	} else if (smx_plugin_fpenv_at_load(im, &e)) {
		m->status = SMX_RUN_FPENV;
		m->at_load = 1;
		m->mxcsr = e.mxcsr;
		m->x87 = e.x87;
	}
}

static unsigned char *rmap;
static size_t rmap_len;

static void runner_map(size_t len)
{
	if (len == rmap_len)
		return;
	if (rmap)
		munmap(rmap, rmap_len);
	rmap = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, SHM_FD, 0);
	if (rmap == MAP_FAILED)
		runner_error("cannot map the shared memory");
	rmap_len = len;
}

static void serve_call(const struct req *q)
{
	const struct smx_impl *im = smx_registry_find(q->op, q->dt, q->name);
	if (!im)
		runner_error("unknown entry");
	int two = smx_op_arity(im->op) == 2;
	size_t es = smx_dtype_size(im->dtype), in_bytes = q->rows * q->n * es;
	size_t out_bytes =
	    q->rows * smx_op_out_len(im->op, q->n) * smx_dtype_size(smx_impl_out(im));
	size_t off_b = HDR + align64(in_bytes), off_o = off_b + (two ? align64(in_bytes) : 0);
	struct smx_gbuf ga = {0}, gb = {0}, go = {0};
	size_t a_bytes = q->in_place == 1 && out_bytes > in_bytes ? out_bytes : in_bytes;
	void *a = smx_gbuf_alloc(&ga, a_bytes, q->guard, q->misalign), *b = NULL, *out;
	if (!a)
		runner_error("out of memory");
	memcpy(a, rmap + HDR, in_bytes);
	if (two) {
		if (!(b = smx_gbuf_alloc(&gb, in_bytes, q->guard, q->misalign)))
			runner_error("out of memory");
		memcpy(b, rmap + off_b, in_bytes);
	}
	if (q->in_place == 1)
		out = a;
	else if (q->in_place == 2)
		out = b;
	else if (!(out = smx_gbuf_alloc(&go, out_bytes, q->guard, q->misalign)))
		runner_error("out of memory");
	struct rsp m = {.kind = RSP_DONE, .status = SMX_RUN_OK};
	smx_fpenv_default();
	smx_variant_run(im, a, b, out, q->rows, q->n, q->row0);
	check_fpenv(im, &m);
	memcpy(rmap + off_o, out, out_bytes);
	smx_gbuf_free(&ga);
	smx_gbuf_free(&gb);
	smx_gbuf_free(&go);
	reply(&m);
}

/* After every sample: a beat for the parent's clock, and the FP check of
 * an implementation's sample. */
static int on_sample(size_t subject)
{
	struct smx_fpenv e;
	smx_fpenv_get(&e);
	if (beat_subj[subject] == SMX_SUBJ_IMPL && !smx_fpenv_is_default(&e)) {
		beat_fault = (struct rsp){.kind = RSP_DONE,
					  .status = SMX_RUN_FPENV,
					  .mxcsr = e.mxcsr,
					  .x87 = e.x87,
					  .who = (uint32_t)subject};
		smx_fpenv_default();
		return 1;
	}
	struct rsp m = {.kind = RSP_BEAT};
	reply(&m);
	return 0;
}

/* A copy of p (bytes long) ending within 64 bytes of a guard page. */
static void *guarded(struct smx_gbuf *g, void *p, size_t bytes)
{
	if (!p)
		return NULL;
	void *q = smx_gbuf_alloc(g, bytes, SMX_GUARD_AFTER, 0);
	if (!q)
		smx_die("out of memory: cannot map %zu bytes", bytes);
	q = (void *)((uintptr_t)q & ~(uintptr_t)63);
	memcpy(q, p, bytes);
	return q;
}

/* Move b's buffers next to guard pages, each ending within 64 bytes of
 * one, 64-byte aligned; returns the mappings, for guard_free. Not done
 * past 1000 cold-cache buffer sets (the mappings would run out): NULL. */
static struct smx_gbuf *guard_bench(struct smx_bench *b)
{
	if (b->nbuf > 1000)
		return NULL;
	struct smx_gbuf *maps = smx_calloc(3 * b->nbuf, sizeof *maps);
	size_t ob = b->out_bytes > b->bytes ? b->out_bytes : b->bytes;
	for (size_t i = 0; i < b->nbuf; i++) {
		b->x[i] = guarded(&maps[3 * i], b->x[i], b->bytes);
		b->g[i] = guarded(&maps[3 * i + 1], b->g[i], b->bytes);
		b->y[i] = guarded(&maps[3 * i + 2], b->y[i], ob);
	}
	free(b->arena);
	b->arena = NULL;
	return maps;
}

static void guard_free(struct smx_gbuf *maps, size_t nbuf)
{
	if (maps)
		for (size_t i = 0; i < 3 * nbuf; i++)
			smx_gbuf_free(&maps[i]);
	free(maps);
}

static void serve_bench(const struct req *q)
{
	size_t count = q->count, es = smx_dtype_size(q->dt), cells = q->rows * q->n;
	int two = smx_op_arity(q->op) == 2;
	size_t bytes = cells * es, off_g = HDR + align64(bytes),
	       off_s = off_g + (two ? align64(bytes) : 0);
	size_t off_n = off_s + align64(count * sizeof(uint32_t)), off_st = off_n + count * NAME_LEN;
	enum smx_subject subj[MAX_SUBJ];
	const struct smx_impl *impls[MAX_SUBJ];
	struct rsp m = {.kind = RSP_DONE, .status = SMX_RUN_OK};
	for (size_t j = 0; j < count; j++) {
		subj[j] = (enum smx_subject)((uint32_t *)(void *)(rmap + off_s))[j];
		impls[j] = NULL;
		if (subj[j] != SMX_SUBJ_IMPL)
			continue;
		impls[j] = smx_registry_find(q->op, q->dt, (char *)rmap + off_n + j * NAME_LEN);
		if (!impls[j])
			runner_error("unknown entry");
		if (m.status == SMX_RUN_OK) {
			check_fpenv(impls[j], &m);
			m.who = (uint32_t)j;
		}
	}
	if (m.status != SMX_RUN_OK) {
		reply(&m);
		return;
	}
	double *x = smx_alloc(cells ? cells : 1, sizeof *x), *g = NULL;
	smx_from_dtype(q->dt, rmap + HDR, x, cells);
	if (two) {
		g = smx_alloc(cells ? cells : 1, sizeof *g);
		smx_from_dtype(q->dt, rmap + off_g, g, cells);
	}
	struct smx_bench b;
	smx_bench_init(&b, q->op, q->dt, x, g, q->rows, q->n, q->cache, q->min_ms, q->reps);
	free(x);
	free(g);
	struct smx_gbuf *maps = guard_bench(&b);
	b.threads = (int)q->threads;
	/* The CPUs smx measures on (perf --pin), for every thread of the team:
	 * its threads were started before, with the mask of that time. */
	if (CPU_COUNT(&q->cpus)) {
#pragma omp parallel num_threads(b.threads)
		sched_setaffinity(0, sizeof q->cpus, &q->cpus);
	}
	b.beat = on_sample;
	beat_subj = subj;
	smx_fpenv_default();
	size_t stopped;
	struct smx_stats *st = smx_alloc(count, sizeof *st);
	/* The sample in progress, for the parent to name after a crash. */
	b.current = &((struct hdr *)(void *)rmap)->subject;
	if (smx_bench_run_here(&b, count, subj, impls, st, &stopped)) {
		m = beat_fault;
	} else {
		memcpy(rmap + off_st, st, count * sizeof *st);
	}
	free(st);
	guard_free(maps, b.nbuf);
	smx_bench_free(&b);
	reply(&m);
}

int smx_runner_main(int argc, char **argv)
{
	long parent = argc == 2 ? strtol(argv[1], NULL, 10) : 0;
	/* Die with smx, however smx ends (even SIGKILL). */
	if (parent <= 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != (pid_t)parent)
		return 2;
	/* A plug-in's fault ends the runner with its signal, whatever handlers
	 * smx's own runtime installed (a sanitizer's would turn it into exit 1). */
	static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
	for (size_t i = 0; i < sizeof faults / sizeof *faults; i++)
		signal(faults[i], SIG_DFL);
	/* ... and leaves no core file behind: smx reports the crash. */
	struct rlimit nocore = {0, 0};
	setrlimit(RLIMIT_CORE, &nocore);
	smx_fpenv_default();
	struct rsp hello = {.kind = RSP_HELLO, .registry_count = smx_registry_count()};
	reply(&hello);
	for (;;) {
		struct req q;
		ssize_t got = recv(0, &q, sizeof q, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got != (ssize_t)sizeof q)
			return 0; /* smx closed its end */
		q.name[NAME_LEN - 1] = 0;
		runner_map(q.shm_size);
		if (q.kind == REQ_CALL)
			serve_call(&q);
		else if (q.kind == REQ_BENCH)
			serve_bench(&q);
		else
			runner_error("unknown request");
	}
}
