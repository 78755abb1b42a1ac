/* Progress (harness/progress.c): on stderr only, a heartbeat off a terminal,
 * a line redrawn in place on one, nothing under --quiet, and the command's
 * output the same bytes with or without it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "progress.h"

/* Everything readable from fd now (non-blocking). */
static size_t drain(int fd, char *buf, size_t len)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	size_t k = 0;
	ssize_t r;
	while (k + 1 < len && (r = read(fd, buf + k, len - 1 - k)) > 0)
		k += (size_t)r;
	buf[k] = 0;
	return k;
}

/* One cell that outlasts the first heartbeat (2 s), with stderr on fd. */
static void slow_cell(int fd)
{
	int saved = dup(STDERR_FILENO);
	cr_assert(saved >= 0 && dup2(fd, STDERR_FILENO) >= 0);
	smx_progress_begin("demo", 3, 0);
	smx_progress_cell(0, "cell one");
	usleep(2400 * 1000);
	smx_progress_step();
	smx_progress_end();
	dup2(saved, STDERR_FILENO);
	close(saved);
}

Test(progress, heartbeat_off_a_terminal)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	slow_cell(p[1]);
	close(p[1]);
	char buf[4096];
	drain(p[0], buf, sizeof buf);
	close(p[0]);
	/* One line after 2 s, whole, no terminal control characters. */
	cr_expect(strstr(buf, "smx demo: 0/3 cells, now cell one, 0:02 elapsed, ? left\n"),
		  "heartbeat missing or malformed: '%s'", buf);
	cr_expect(!strchr(buf, '\r') && !strchr(buf, '\033'), "terminal codes off a terminal");
	cr_expect(!strchr(strchr(buf, '\n') + 1, '\n'), "more than one heartbeat in 2.4 s: '%s'",
		  buf);
}

Test(progress, quiet_prints_nothing)
{
	char *argv[] = {"smx", "--quiet", "list", NULL};
	cr_assert_eq(smx_quiet_from_argv(3, argv), 2);
	cr_expect_str_eq(argv[1], "list");
	int p[2];
	cr_assert_eq(pipe(p), 0);
	slow_cell(p[1]);
	close(p[1]);
	char buf[256];
	cr_expect_eq(drain(p[0], buf, sizeof buf), 0, "--quiet printed '%s'", buf);
	close(p[0]);
}

Test(progress, redrawn_on_a_terminal)
{
	int master, slave;
	cr_assert_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
	slow_cell(slave);
	char buf[8192];
	drain(master, buf, sizeof buf);
	close(slave);
	close(master);
	/* Redrawn in place (\r, clear to end of line) several times, and the
	 * line cleared at the end. */
	size_t redraws = 0;
	for (const char *s = buf; (s = strstr(s, "\rsmx demo: 0/3 cells")); s++)
		redraws++;
	cr_expect_geq(redraws, 2, "not redrawn on a terminal: '%s'", buf);
	cr_expect(!strchr(buf, '\n'), "a terminal line scrolled: '%s'", buf);
	size_t k = strlen(buf);
	cr_expect(k >= 4 && !strcmp(buf + k - 4, "\r\033[K"), "line not cleared at the end");
}

Test(progress, time_left_from_finished_cells)
{
	smx_progress_begin("demo", 4, 100);
	char line[256];
	smx_progress_line(line, sizeof line, 0);
	cr_expect(strstr(line, "0/4 cells") && strstr(line, "? left"), "%s", line);
	smx_progress_cell(25, "first");
	usleep(300 * 1000);
	smx_progress_step();
	smx_progress_cell(75, "second");
	/* A quarter of the work in ~0.3 s: ~0.9 s left, less time already
	 * spent in the second cell: 0:01 when asked at once. */
	smx_progress_line(line, sizeof line, 300);
	smx_progress_end();
	cr_expect(strstr(line, "1/4 cells, now second") && strstr(line, "~0:01 left"), "%s", line);
}

/* Run smx with stdout to a file and stderr to another; returns status. */
static int run(char *const argv[], const char *out, const char *err)
{
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600),
		    e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	cr_assert(f, "cannot open %s", path);
	size_t k = fread(buf, 1, len - 1, f);
	buf[k] = 0;
	fclose(f);
	return k;
}

/* A sweep of about 3 s: the heartbeat goes to stderr, stdout and the
 * output file are the same bytes as with --quiet. */
Test(progress, command_output_unchanged, .timeout = 120)
{
	char dir[] = "/tmp/smx-progress-XXXXXX";
	cr_assert(mkdtemp(dir));
	char o1[64], o2[64], e1[64], e2[64], c1[64], c2[64];
	snprintf(o1, sizeof o1, "%s/out1", dir);
	snprintf(o2, sizeof o2, "%s/out2", dir);
	snprintf(e1, sizeof e1, "%s/err1", dir);
	snprintf(e2, sizeof e2, "%s/err2", dir);
	snprintf(c1, sizeof c1, "%s/c1.csv", dir);
	snprintf(c2, sizeof c2, "%s/c2.csv", dir);
	/* The plug-in takes 2.5 s per call: over the 2 s after which progress
	 * shows, on any machine. */
	char *a1[] = {SMX_BIN,	     "--plugin", SMX_PLUGINS "/slow.so",
		      "accuracy",    "--op",	 "softmax",
		      "--dtype",     "f32",	 "--impl",
		      "slow/scalar", "--n",	 "1000",
		      "--rows",	     "4",	 "--dist",
		      "normal:3",    "--format", "csv",
		      "--output",    c1,	 NULL};
	char *a2[] = {SMX_BIN,	  "--quiet",  "--plugin",    SMX_PLUGINS "/slow.so",
		      "accuracy", "--op",     "softmax",     "--dtype",
		      "f32",	  "--impl",   "slow/scalar", "--n",
		      "1000",	  "--rows",   "4",	     "--dist",
		      "normal:3", "--format", "csv",	     "--output",
		      c2,	  NULL};
	cr_assert_eq(run(a1, o1, e1), 0);
	cr_assert_eq(run(a2, o2, e2), 0);
	static char b1[1 << 16], b2[1 << 16];
	slurp(e1, b1, sizeof b1);
	cr_expect(strstr(b1, "smx accuracy: 0/1 cells, now softmax f32 normal:3 n=1000"),
		  "no heartbeat on stderr (run over 2 s?): '%s'", b1);
	slurp(e2, b2, sizeof b2);
	cr_expect(!strstr(b2, "cells, now"), "--quiet still shows progress: '%s'", b2);
	size_t k1 = slurp(o1, b1, sizeof b1);
	size_t k2 = slurp(o2, b2, sizeof b2);
	cr_expect(k1 == k2 && !memcmp(b1, b2, k1), "stdout differs with progress");
	k1 = slurp(c1, b1, sizeof b1);
	k2 = slurp(c2, b2, sizeof b2);
	/* The CSV records the command line: compare from its header on. */
	const char *h1 = strstr(b1, "impl,"), *h2 = strstr(b2, "impl,");
	cr_assert(h1 && h2, "no CSV header");
	cr_expect_str_eq(h1, h2, "the output file differs with progress");
	cr_expect(!strstr(b1, "cells"), "progress text in the output file");
	const char *files[] = {o1, o2, e1, e2, c1, c2};
	for (size_t i = 0; i < 6; i++)
		unlink(files[i]);
	rmdir(dir);
}
