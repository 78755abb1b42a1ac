/* Services shared by the smx subcommands; see util.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Everything temporary that smx has created and not yet committed: output
 * files, the report's directory, the `latest` link. A fatal error or a
 * signal removes them all (and ends a running child first), so nothing
 * half-written is left behind. Slots are touched by the signal handler:
 * paths are written before `live` is set. */
#define MAX_TEMPS 8
static struct temp {
	char path[4096];
	int dir;
	volatile sig_atomic_t live;
} temps[MAX_TEMPS];
static volatile sig_atomic_t child_pid;

/* Signals that end smx and so must clean up first; SIGXFSZ is left alone
 * (ignored, a too-large write fails with EFBIG and is reported). */
static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2};

/* Remove a directory that smx filled with plain files, with system calls
 * only (async-signal-safe in practice). */
static void remove_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		char buf[4096];
		long got;
		while ((got = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
			for (long off = 0; off < got;) {
				struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);
				off += d->d_reclen;
				if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
					unlinkat(fd, d->d_name, 0);
			}
		}
		close(fd);
	}
	rmdir(path);
}

static volatile sig_atomic_t child_group;

static void cleanup(void)
{
	pid_t group = (pid_t)child_group;
	if (group > 0)
		kill(-group, SIGKILL);
	pid_t pid = (pid_t)child_pid;
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		child_pid = 0;
	}
	for (int i = 0; i < MAX_TEMPS; i++)
		if (temps[i].live) {
			temps[i].live = 0;
			if (temps[i].dir)
				remove_dir(temps[i].path);
			else
				unlink(temps[i].path);
		}
}

static void on_signal(int sig)
{
	int saved = errno;
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
	errno = saved;
}

/* Catch the fatal signals once, leaving alone those the caller ignores
 * (nohup, a shell's ignored SIGPIPE). */
static void catch_signals(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	for (size_t i = 0; i < sizeof fatal_signals / sizeof *fatal_signals; i++) {
		struct sigaction old, sa;
		if (sigaction(fatal_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigfillset(&sa.sa_mask);
		sigaction(fatal_signals[i], &sa, NULL);
	}
}

int smx_temp_add(const char *path, int dir)
{
	catch_signals();
	for (int i = 0; i < MAX_TEMPS; i++)
		if (!temps[i].live) {
			if (strlen(path) >= sizeof temps[i].path)
				smx_die("%s: path too long", path);
			strcpy(temps[i].path, path);
			temps[i].dir = dir;
			temps[i].live = 1;
			return i;
		}
	smx_die("internal: more than %d temporary files at once", MAX_TEMPS);
}

void smx_temp_done(int slot)
{
	if (slot >= 0 && slot < MAX_TEMPS)
		temps[slot].live = 0;
}

void smx_child_set(pid_t pid)
{
	catch_signals();
	child_pid = pid;
}

void smx_child_group_set(pid_t pgid)
{
	catch_signals();
	child_group = pgid;
}

static FILE *saved_stdout;

void smx_stdout_protect(void)
{
	if (saved_stdout)
		return;
	fflush(stdout);
	int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || !(saved_stdout = fdopen(fd, "w")))
		smx_die("standard output: %s", strerror(errno));
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		smx_die("standard output: %s", strerror(errno));
}

FILE *smx_stdout(void)
{
	return saved_stdout ? saved_stdout : stdout;
}

static void (*die_hook)(const char *line);

void smx_die_hook(void (*hook)(const char *line))
{
	die_hook = hook;
}

/* One line on stderr, temporaries removed, exit with status. */
static _Noreturn void end_with(int status, const char *fmt, va_list ap)
{
	char line[2048];
	vsnprintf(line, sizeof line, fmt, ap);
	/* One line, whatever a file name or an argument holds. */
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (die_hook)
		die_hook(line);
	fflush(stdout);
	if (saved_stdout)
		fflush(saved_stdout);
	fprintf(stderr, "smx: %s\n", line);
	cleanup();
	exit(status);
}

void smx_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	end_with(2, fmt, ap);
}

void smx_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	end_with(1, fmt, ap);
}

int smx_mul_overflows(size_t a, size_t b, size_t *out)
{
	if (a && b > SIZE_MAX / a)
		return 1;
	*out = a * b;
	return 0;
}

void *smx_alloc(size_t n, size_t size)
{
	size_t bytes;
	if (smx_mul_overflows(n, size, &bytes))
		smx_die("out of memory: %zu x %zu bytes overflows", n, size);
	void *p = malloc(bytes ? bytes : 1);
	if (!p)
		smx_die("out of memory: cannot allocate %zu bytes", bytes);
	return p;
}

void *smx_calloc(size_t n, size_t size)
{
	size_t bytes;
	if (smx_mul_overflows(n, size, &bytes))
		smx_die("out of memory: %zu x %zu bytes overflows", n, size);
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		smx_die("out of memory: cannot allocate %zu bytes", bytes);
	return p;
}

void *smx_realloc(void *p, size_t n, size_t size)
{
	size_t bytes;
	if (smx_mul_overflows(n, size, &bytes))
		smx_die("out of memory: %zu x %zu bytes overflows", n, size);
	void *q = realloc(p, bytes ? bytes : 1);
	if (!q)
		smx_die("out of memory: cannot allocate %zu bytes", bytes);
	return q;
}

int smx_parse_size(const char *s, size_t lo, size_t hi, size_t *out)
{
	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	/* Accept k, M, G suffixes (powers of two) for sizes. */
	unsigned long long mul = 1;
	if (*end == 'k' || *end == 'K')
		mul = 1ull << 10;
	else if (*end == 'M')
		mul = 1ull << 20;
	else if (*end == 'G')
		mul = 1ull << 30;
	if (mul != 1)
		end++;
	if (errno || end == s || *end || v > ULLONG_MAX / mul)
		return -1;
	v *= mul;
	if (v < lo || v > hi)
		return -1;
	*out = (size_t)v;
	return 0;
}

int smx_parse_u64(const char *s, uint64_t *out)
{
	size_t v;
	if (smx_parse_size(s, 0, SIZE_MAX, &v))
		return -1;
	*out = v;
	return 0;
}

int smx_parse_double(const char *s, double *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

size_t smx_split(char *s, char **items, size_t max)
{
	size_t k = 0;
	for (char *tok = s; tok; k++) {
		char *comma = strchr(tok, ',');
		if (comma)
			*comma = 0;
		if (k < max)
			items[k] = tok;
		tok = comma ? comma + 1 : NULL;
	}
	return k;
}

/* The outputs open at once: FILE, its temporary slot (-1: written in
 * place) and the name to rename to. */
static struct out {
	FILE *f;
	int slot;
	char final[4096];
} outs[MAX_TEMPS];

mode_t smx_umask(void)
{
	mode_t m = umask(0);
	umask(m);
	return m;
}

FILE *smx_out_open(const char *path)
{
	if (!path || !strcmp(path, "-"))
		return smx_stdout();
	struct out *o = NULL;
	for (size_t i = 0; i < MAX_TEMPS && !o; i++)
		if (!outs[i].f)
			o = &outs[i];
	if (!o)
		smx_die("internal: more than %d outputs open at once", MAX_TEMPS);
	struct stat st;
	int exists = stat(path, &st) == 0;
	if (!exists && errno != ENOENT)
		smx_die("%s: cannot write: %s", path, strerror(errno));
	struct stat lst;
	if (!exists && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
		smx_die("%s: cannot write: a symbolic link to nothing", path);
	if (exists && !S_ISREG(st.st_mode)) {
		/* A device, FIFO or terminal (or a link to one) is written in
		 * place: renaming over it would replace it with a file. */
		if (S_ISDIR(st.st_mode))
			smx_die("%s: cannot write: is a directory", path);
		int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
		if (!f)
			smx_die("%s: cannot write: %s", path, strerror(errno));
		o->f = f;
		o->slot = -1;
		snprintf(o->final, sizeof o->final, "%s", path);
		return f;
	}
	/* A regular file behind symbolic links: the file is replaced, the
	 * links stay. */
	char *real = exists ? realpath(path, NULL) : NULL;
	const char *target = real ? real : path;
	if (strlen(target) + 16 > sizeof o->final)
		smx_die("%s: path too long", path);
	snprintf(o->final, sizeof o->final, "%s", target);
	free(real);
	char tmp[4096 + 16];
	snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", o->final);
	catch_signals();
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	int fd = mkstemp(tmp);
	if (fd >= 0)
		o->slot = smx_temp_add(tmp, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd < 0)
		smx_die("%s: cannot write: %s", path, strerror(errno));
	/* Keep the mode of the file replaced; a new one gets 0666 less the
	 * umask, as any other program's output. */
	mode_t mode = exists ? st.st_mode & 07777 : 0666 & ~smx_umask();
	FILE *f = fchmod(fd, mode) == 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		close(fd);
		smx_die("%s: cannot write: %s", path, strerror(errno));
	}
	o->f = f;
	return f;
}

void smx_out_commit(FILE *f)
{
	if (f == smx_stdout()) {
		if (fflush(f) || ferror(f))
			smx_die("standard output: write error: %s", strerror(errno));
		return;
	}
	struct out *o = NULL;
	for (size_t i = 0; i < MAX_TEMPS && !o; i++)
		if (outs[i].f == f)
			o = &outs[i];
	if (!o)
		smx_die("internal: commit of an output not opened");
	errno = 0;
	int bad = (fflush(f) != 0) | ferror(f);
	int err = errno;
	if (!bad && o->slot >= 0 && fsync(fileno(f)) != 0 && errno != EINVAL) {
		bad = 1;
		err = errno;
	}
	if (fclose(f) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	o->f = NULL;
	if (bad)
		smx_die("%s: write error%s%s", o->final, err ? ": " : "", err ? strerror(err) : "");
	if (o->slot >= 0) {
		if (rename(temps[o->slot].path, o->final) != 0)
			smx_die("%s: cannot write: %s", o->final, strerror(errno));
		smx_temp_done(o->slot);
	}
}

double smx_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

int smx_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}
