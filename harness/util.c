/* Services shared by the smx subcommands; see util.h. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* The temporary file being written (at most one at a time), removed on a
 * fatal error or a signal so that nothing half-written is left behind. */
static char tmp_path[4096];
static char final_path[4096];
static volatile sig_atomic_t tmp_live;

static void on_signal(int sig)
{
	if (tmp_live)
		unlink(tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

void smx_die(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("smx: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (tmp_live)
		unlink(tmp_path);
	exit(2);
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
	for (char *tok = s; tok && k < max;) {
		char *comma = strchr(tok, ',');
		if (comma)
			*comma = 0;
		items[k++] = tok;
		tok = comma ? comma + 1 : NULL;
	}
	return k;
}

FILE *smx_out_open(const char *path)
{
	if (!path || !strcmp(path, "-"))
		return stdout;
	if (tmp_live)
		smx_die("internal: two outputs open at once");
	if (strlen(path) + 16 > sizeof tmp_path)
		smx_die("%s: path too long", path);
	strcpy(final_path, path);
	snprintf(tmp_path, sizeof tmp_path, "%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp_path);
	if (fd < 0)
		smx_die("%s: cannot write: %s", path, strerror(errno));
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp_path);
		smx_die("%s: cannot write: %s", path, strerror(errno));
	}
	tmp_live = 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return f;
}

void smx_out_commit(FILE *f)
{
	if (f == stdout) {
		if (fflush(stdout) || ferror(stdout))
			smx_die("standard output: write error");
		return;
	}
	int bad = ferror(f) | fflush(f);
	bad |= fsync(fileno(f)) != 0 && errno != EINVAL;
	bad |= fclose(f) != 0;
	if (bad)
		smx_die("%s: write error", final_path);
	if (rename(tmp_path, final_path) != 0)
		smx_die("%s: cannot write: %s", final_path, strerror(errno));
	tmp_live = 0;
}

double smx_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

void smx_progress(const char *what, size_t done, size_t total)
{
	static double start = -1, last;
	static int tty = -1;
	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	if (!tty)
		return;
	double now = smx_now_ms();
	if (start < 0)
		start = last = now;
	if (done >= total) {
		if (now - start > 1000)
			fprintf(stderr, "\r%-60s\r", "");
		start = -1;
		return;
	}
	if (now - start > 1000 && now - last > 200) {
		fprintf(stderr, "\r%s: %zu/%zu", what, done, total);
		last = now;
	}
}

void smx_fail(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("smx: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (tmp_live)
		unlink(tmp_path);
	exit(1);
}
