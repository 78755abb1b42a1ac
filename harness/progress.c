/* Progress on stderr (progress.h). The state is shared with one printer
 * thread under a mutex; the printer formats into a buffer and writes it
 * with write(2), so a fork elsewhere never inherits a held stdio lock. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

#define FIRST_MS 2000.0 /* nothing is shown for shorter runs */
#define TTY_MS 250.0	/* terminal redraw period */
#define STEP_MS 2000.0	/* heartbeat interval: 2 s, 4 s, ... */
#define MAX_MS 10000.0	/* ... up to 10 s */

static int quiet;

static struct {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t printer;
	int depth, running, stop, tty, shown;
	const char *what;
	size_t cells, done;
	double total_work, work_done, cell_work, start, done_at; /* ms */
	char cell[160];
} P = {.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

int smx_quiet_from_argv(int argc, char **argv)
{
	int k = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quiet"))
			quiet = 1;
		else
			argv[k++] = argv[i];
	}
	argv[k] = NULL;
	return k;
}

int smx_quiet(void)
{
	return quiet;
}

static void clock_str(char *buf, size_t len, double ms)
{
	long s = (long)(ms / 1000 + 0.5);
	if (s >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
}

/* Caller holds P.mu. */
static void line_locked(char *buf, size_t len, double elapsed)
{
	char el[32], left[40] = "?";
	clock_str(el, sizeof el, elapsed);
	/* The rate of the cells finished so far, less the time already spent
	 * in the current one. */
	double done = P.total_work > 0 ? P.work_done : (double)P.done,
	       total = P.total_work > 0 ? P.total_work : (double)P.cells;
	if (done > 0 && done <= total && P.done_at > 0) {
		char t[32];
		double rest = P.done_at * (total - done) / done - (elapsed - P.done_at);
		clock_str(t, sizeof t, rest > 0 ? rest : 0);
		snprintf(left, sizeof left, "~%s", t);
	}
	snprintf(buf, len, "smx %s: %zu/%zu cells, now %s, %s elapsed, %s left", P.what, P.done,
		 P.cells, P.cell[0] ? P.cell : "-", el, left);
}

void smx_progress_line(char *buf, size_t len, double elapsed_ms)
{
	pthread_mutex_lock(&P.mu);
	line_locked(buf, len, elapsed_ms);
	pthread_mutex_unlock(&P.mu);
}

static void put(const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(STDERR_FILENO, s, n);
		if (w <= 0)
			return; /* progress is best effort; the results are not */
		s += w;
		n -= (size_t)w;
	}
}

static void *printer(void *arg)
{
	(void)arg;
	double next = FIRST_MS, gap = STEP_MS;
	pthread_mutex_lock(&P.mu);
	while (!P.stop) {
		double el = smx_now_ms() - P.start;
		if (el >= next) {
			char buf[400];
			line_locked(buf, sizeof buf - 8, el);
			if (P.tty) {
				/* \r, the line, then clear to its end (ANSI EL). */
				char out[420];
				int n = snprintf(out, sizeof out, "\r%s\033[K", buf);
				put(out, (size_t)n);
				next = el + TTY_MS;
			} else {
				strcat(buf, "\n");
				put(buf, strlen(buf));
				next = el + gap;
				gap = gap + STEP_MS > MAX_MS ? MAX_MS : gap + STEP_MS;
			}
			P.shown = 1;
		}
		double wait = next - el;
		if (wait > TTY_MS)
			wait = TTY_MS;
		if (wait < 1)
			wait = 1;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		long ns = ts.tv_nsec + (long)(wait * 1e6);
		ts.tv_sec += ns / 1000000000L;
		ts.tv_nsec = ns % 1000000000L;
		pthread_cond_timedwait(&P.wake, &P.mu, &ts);
	}
	pthread_mutex_unlock(&P.mu);
	return NULL;
}

void smx_progress_begin(const char *what, size_t cells, double total_work)
{
	pthread_mutex_lock(&P.mu);
	int outer = P.depth++ == 0;
	if (outer) {
		P.what = what;
		P.cells = cells;
		P.done = 0;
		P.total_work = total_work;
		P.work_done = P.cell_work = P.done_at = 0;
		P.cell[0] = 0;
		P.start = smx_now_ms();
		P.stop = P.shown = 0;
		P.tty = isatty(STDERR_FILENO);
	}
	pthread_mutex_unlock(&P.mu);
	if (outer && !quiet)
		P.running = pthread_create(&P.printer, NULL, printer, NULL) == 0;
}

void smx_progress_cell(double work, const char *fmt, ...)
{
	pthread_mutex_lock(&P.mu);
	if (P.depth == 1) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(P.cell, sizeof P.cell, fmt, ap);
		va_end(ap);
		P.cell_work = work;
	}
	pthread_mutex_unlock(&P.mu);
}

void smx_progress_step(void)
{
	pthread_mutex_lock(&P.mu);
	if (P.depth == 1) {
		P.done++;
		P.work_done += P.cell_work;
		P.cell_work = 0;
		P.done_at = smx_now_ms() - P.start;
	}
	pthread_mutex_unlock(&P.mu);
}

void smx_progress_end(void)
{
	pthread_mutex_lock(&P.mu);
	int outer = P.depth > 0 && --P.depth == 0;
	if (outer) {
		P.stop = 1;
		pthread_cond_signal(&P.wake);
	}
	pthread_mutex_unlock(&P.mu);
	if (!outer || !P.running)
		return;
	pthread_join(P.printer, NULL);
	P.running = 0;
	if (P.shown && P.tty)
		put("\r\033[K", 4);
}
