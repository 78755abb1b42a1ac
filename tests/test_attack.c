/* smx under attack: the bad-input matrix (tests/attack/cases.txt), no shell,
 * full disks, special files, signals, modes, provenance, memory limits. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "testutil.h"

#define ATTACK SMX_TESTDATA "/../attack"

static char out[1 << 16], err[1 << 14];

/* s with every @A@ and @P@ replaced by the folders they stand for. */
static void expand(const char *s, char *buf, size_t len)
{
	size_t k = 0;
	while (*s && k + 1 < len) {
		const char *with = !strncmp(s, "@A@", 3)   ? ATTACK
				   : !strncmp(s, "@P@", 3) ? SMX_PLUGINS
							   : NULL;
		if (with) {
			k += (size_t)snprintf(buf + k, len - k, "%s", with);
			s += 3;
		} else {
			buf[k++] = *s++;
		}
	}
	buf[k < len ? k : len - 1] = 0;
}

Test(attack, input_matrix, .timeout = 300)
{
	FILE *f = fopen(ATTACK "/cases.txt", "r");
	cr_assert(f, "no %s", ATTACK "/cases.txt");
	char line[2048], args[4096], want[4096], dir[256], link[300];
	int cases = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		char *bar1 = strchr(line, '|'), *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
		cr_assert(bar2, "bad case line: %s", line);
		*bar1 = *bar2 = 0;
		int code = atoi(line);
		expand(bar1 + 1, want, sizeof want);
		expand(bar2 + 1, args, sizeof args);
		smx_test_tmpdir(dir, sizeof dir);
		snprintf(link, sizeof link, "%s/dangling", dir);
		cr_assert_eq(symlink("nowhere", link), 0);
		int st = smx_test_smx(dir, NULL, args, out, sizeof out, err, sizeof err);
		smx_test_rmtree(dir);
		cases++;
		cr_expect_eq(st, code, "'smx %s': exit %d, not %d; stderr: %s", args, st, code,
			     err);
		if (code != 2)
			continue;
		size_t el = strlen(err);
		cr_expect(el > 0 && err[el - 1] == '\n' && strchr(err, '\n') == err + el - 1,
			  "'smx %s': not one line on stderr: %s", args, err);
		err[el ? el - 1 : 0] = 0;
		cr_expect_str_eq(err, want, "'smx %s'", args);
		cr_expect_eq(out[0], 0, "'smx %s' wrote to stdout: %s", args, out);
	}
	fclose(f);
	cr_expect(cases >= 100, "only %d cases", cases);
}

/* A refusal is one line whatever the argument holds (a newline in a file
 * name). */
Test(attack, refusal_is_one_line)
{
	char *argv[] = {(char *)SMX_BIN, "ref", "no\nsuch\rfile", NULL};
	int st = smx_test_exec(NULL, NULL, argv, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 2);
	cr_expect_str_eq(err, "smx: ref: no?such?file: No such file or directory\n");
}

/* ---- full disk: RLIMIT_FSIZE with SIGXFSZ ignored makes writes past the
 * limit fail with EFBIG, as ENOSPC would ---- */

static rlim_t fsize_limit;
static void limit_fsize(void)
{
	struct rlimit rl = {fsize_limit, fsize_limit};
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &rl);
}

static int one_smx_line(const char *e)
{
	const char *nl = strchr(e, '\n');
	return !strncmp(e, "smx: ", 5) && nl && nl[1] == 0;
}

/* Lists the entries of dir whose name contains "tmp" into buf. */
static int temporaries(const char *dir, char *buf, size_t len)
{
	int k = 0;
	buf[0] = 0;
	DIR *d = opendir(dir);
	cr_assert(d, "%s", dir);
	struct dirent *e;
	while ((e = readdir(d)))
		if (strstr(e->d_name, "tmp")) {
			k++;
			strncat(buf, e->d_name, len - strlen(buf) - 2);
			strcat(buf, " ");
		}
	closedir(d);
	return k;
}

Test(attack, full_disk_output, .timeout = 120)
{
	char dir[256], path[400], left[1024];
	smx_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/list.csv", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs("previous\n", f);
	fclose(f);
	fsize_limit = 1000;
	char *argv[] = {(char *)SMX_BIN, "list", "--format", "csv", "--output", "list.csv", NULL};
	int st = smx_test_exec_pre(dir, NULL, argv, out, sizeof out, err, sizeof err, limit_fsize);
	cr_expect_eq(st, 2, "exit %d: %s", st, err);
	cr_expect(one_smx_line(err) && strstr(err, "list.csv: write error"), "%s", err);
	f = fopen(path, "r");
	cr_assert(f);
	char got[64] = "";
	cr_expect(fgets(got, sizeof got, f) && !strcmp(got, "previous\n"), "replaced: %s", got);
	fclose(f);
	cr_expect_eq(temporaries(dir, left, sizeof left), 0, "left behind: %s", left);
	smx_test_rmtree(dir);
}

/* A report that cannot be written whole leaves the previous one and
 * `latest` as they were, and nothing temporary. */
Test(attack, full_disk_report, .timeout = 300)
{
	char dir[256], path[400], before[400], after[400], left[1024];
	smx_test_tmpdir(dir, sizeof dir);
	int st =
	    smx_test_smx(dir, NULL, "report --quick --out r", out, sizeof out, err, sizeof err);
	cr_assert_eq(st, 0, "%s", err);
	snprintf(path, sizeof path, "%s/r/latest", dir);
	ssize_t k = readlink(path, before, sizeof before - 1);
	cr_assert(k > 0);
	before[k] = 0;
	fsize_limit = 4096;
	/* --quiet: the line checked is the failure, not a heartbeat that a
	 * loaded machine may print just before it. */
	char *argv[] = {(char *)SMX_BIN, "--quiet", "report", "--quick", "--out", "r", NULL};
	st = smx_test_exec_pre(dir, NULL, argv, out, sizeof out, err, sizeof err, limit_fsize);
	cr_expect_eq(st, 2, "exit %d: %s", st, err);
	const char *last = err, *p;
	while ((p = strchr(last, '\n')) && p[1])
		last = p + 1;
	cr_expect(!strncmp(last, "smx: report: ", 13), "last line: %s", last);
	cr_expect_eq(out[0], 0, "printed a path: %s", out);
	k = readlink(path, after, sizeof after - 1);
	cr_assert(k > 0);
	after[k] = 0;
	cr_expect_str_eq(after, before, "latest moved");
	snprintf(path, sizeof path, "%s/r", dir);
	cr_expect_eq(temporaries(path, left, sizeof left), 0, "left behind: %s", left);
	int reports = 0;
	DIR *d = opendir(path);
	struct dirent *e;
	while ((e = readdir(d)))
		reports += e->d_name[0] != '.' && strcmp(e->d_name, "latest");
	closedir(d);
	cr_expect_eq(reports, 1, "%d report directories", reports);
	smx_test_rmtree(dir);
}

/* ---- special files, symbolic links, modes ---- */

static mode_t child_umask;
static void set_umask(void)
{
	umask(child_umask);
}

static int list_to(const char *dir, const char *target, mode_t um)
{
	char *argv[] = {(char *)SMX_BIN, "list",	 "--format", "csv",
			"--output",	 (char *)target, NULL};
	child_umask = um;
	return smx_test_exec_pre(dir, NULL, argv, out, sizeof out, err, sizeof err, set_umask);
}

Test(attack, special_outputs_written_in_place, .timeout = 60)
{
	char dir[256], path[400];
	struct stat st;
	smx_test_tmpdir(dir, sizeof dir);
	/* a FIFO with a reader: written through, still a FIFO */
	snprintf(path, sizeof path, "%s/fifo", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	pid_t reader = fork();
	if (reader == 0) {
		alarm(20); /* no writer ever comes when the FIFO is replaced */
		int fd = open(path, O_RDONLY);
		char b[4096];
		size_t total = 0;
		ssize_t got;
		while ((got = read(fd, b, sizeof b)) > 0)
			total += (size_t)got;
		_exit(total > 100 ? 0 : 1);
	}
	cr_expect_eq(list_to(dir, "fifo", 022), 0, "%s", err);
	int rs;
	waitpid(reader, &rs, 0);
	cr_expect(WIFEXITED(rs) && WEXITSTATUS(rs) == 0, "the FIFO's reader got nothing");
	cr_expect(lstat(path, &st) == 0 && S_ISFIFO(st.st_mode), "the FIFO was replaced");
	/* a private character device (root only; never the system's own, which
	 * a regression would replace) and a link to it: written in place */
	snprintf(path, sizeof path, "%s/dev", dir);
	if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) == 0) {
		cr_expect_eq(list_to(dir, "dev", 022), 0, "%s", err);
		cr_expect(lstat(path, &st) == 0 && S_ISCHR(st.st_mode), "the device was replaced");
		snprintf(path, sizeof path, "%s/devlink", dir);
		cr_assert_eq(symlink("dev", path), 0);
		cr_expect_eq(list_to(dir, "devlink", 022), 0, "%s", err);
		cr_expect(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), "the link was replaced");
		snprintf(path, sizeof path, "%s/dev", dir);
		cr_expect(lstat(path, &st) == 0 && S_ISCHR(st.st_mode), "the device was replaced");
	} else {
		cr_log_warn("no device node test: mknod needs root");
	}
	smx_test_rmtree(dir);
}

Test(attack, output_modes_and_links)
{
	char dir[256], path[400], real[400];
	struct stat st;
	smx_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/a.csv", dir);
	cr_expect_eq(list_to(dir, "a.csv", 022), 0, "%s", err);
	cr_expect(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644, "umask 022: %o",
		  st.st_mode & 0777);
	unlink(path);
	cr_expect_eq(list_to(dir, "a.csv", 077), 0, "%s", err);
	cr_expect(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "umask 077: %o",
		  st.st_mode & 0777);
	/* an existing file keeps its mode */
	chmod(path, 0640);
	cr_expect_eq(list_to(dir, "a.csv", 022), 0, "%s", err);
	cr_expect(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640, "mode now %o",
		  st.st_mode & 0777);
	/* a link to a file: the file is replaced, the link stays */
	snprintf(path, sizeof path, "%s/link.csv", dir);
	cr_assert_eq(symlink("a.csv", path), 0);
	snprintf(real, sizeof real, "%s/a.csv", dir);
	FILE *f = fopen(real, "w");
	cr_assert(f);
	fclose(f);
	cr_expect_eq(list_to(dir, "link.csv", 022), 0, "%s", err);
	cr_expect(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), "the link was replaced");
	cr_expect(stat(real, &st) == 0 && st.st_size > 100 && (st.st_mode & 0777) == 0640,
		  "target not written: %lld bytes, mode %o", (long long)st.st_size,
		  st.st_mode & 0777);
	smx_test_rmtree(dir);
}

/* ---- unique names, signals ---- */

/* One report run checks three promises: the output directory's name, full
 * of shell syntax, is only a name (no shell); a report of a second whose name
 * is taken gets its own directory; directories and files get 0777 / 0666
 * less the umask. */
Test(attack, report_name_mode_and_no_shell, .timeout = 120)
{
	char dir[256], path[600], left[1024], host[200] = "";
	const char *name = "x'$(touch PWNED)'";
	smx_test_tmpdir(dir, sizeof dir);
	gethostname(host, sizeof host - 1);
	for (char *p = host; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			*p = '-';
	snprintf(path, sizeof path, "%s/%s", dir, name);
	mkdir(path, 0777);
	/* Occupy the names of the next seconds, as a report run then would. */
	time_t now = time(NULL);
	for (int s = 0; s < 30; s++) {
		time_t t = now + s;
		char stamp[64];
		strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&t));
		snprintf(path, sizeof path, "%s/%s/%s-%s", dir, name, stamp, host);
		mkdir(path, 0777);
		strcat(path, "/keep");
		FILE *f = fopen(path, "w");
		cr_assert(f);
		fclose(f);
	}
	char *argv[] = {(char *)SMX_BIN, "report", "--quick", "--out", (char *)name, NULL};
	child_umask = 022;
	int st = smx_test_exec_pre(dir, NULL, argv, out, sizeof out, err, sizeof err, set_umask);
	cr_expect_eq(st, 0, "exit %d: %s", st, err);
	snprintf(path, sizeof path, "%s/PWNED", dir);
	cr_expect(access(path, F_OK) != 0, "a shell ran the directory's name");
	cr_expect(strstr(out, "-2/index.html"), "not a fresh name: %s", out);
	struct stat s;
	snprintf(path, sizeof path, "%s/%s/latest/", dir, name);
	cr_expect(stat(path, &s) == 0 && (s.st_mode & 0777) == 0755, "mode %o", s.st_mode & 0777);
	snprintf(path, sizeof path, "%s/%s/latest/index.html", dir, name);
	cr_expect(stat(path, &s) == 0 && (s.st_mode & 0777) == 0644, "mode %o", s.st_mode & 0777);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	cr_expect_eq(temporaries(path, left, sizeof left), 0, "left behind: %s", left);
	smx_test_rmtree(dir);
}

/* Each signal smx handles ends it by that signal with its temporaries (the
 * report's directory, the output file) removed. */
Test(attack, signals_leave_nothing, .timeout = 300)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1};
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
		char dir[256], rdir[300], left[1024];
		smx_test_tmpdir(dir, sizeof dir);
		snprintf(rdir, sizeof rdir, "%s/r", dir);
		pid_t pid = fork();
		cr_assert(pid >= 0);
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR);
			if (chdir(dir) || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
			    dup2(null, 2) < 0)
				_exit(126);
			/* smx leaves an inherited SIG_IGN alone (nohup): undo it here */
			signal(sigs[i], SIG_DFL);
			execl(SMX_BIN, SMX_BIN, "report", "--quick", "--out", "r", (char *)NULL);
			_exit(127);
		}
		/* Wait for the temporary directory, then signal. */
		int seen = 0;
		for (int t = 0; t < 500 && !seen; t++) {
			usleep(10000);
			DIR *d = opendir(rdir);
			if (d) {
				seen = temporaries(rdir, left, sizeof left) > 0;
				closedir(d);
			}
		}
		cr_expect(seen, "signal %d: no temporary directory seen", sigs[i]);
		usleep(200000);
		kill(pid, sigs[i]);
		int st;
		cr_assert_eq(waitpid(pid, &st, 0), pid);
		cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == sigs[i], "signal %d: status 0x%x",
			  sigs[i], st);
		cr_expect_eq(temporaries(rdir, left, sizeof left), 0, "signal %d left: %s", sigs[i],
			     left);
		smx_test_rmtree(dir);
	}
}

/* ---- reads that run out of memory ---- */

/* AddressSanitizer reserves terabytes of address space: RLIMIT_AS cannot
 * be used under it, so these tests exist in the plain build (make test)
 * only. */
#ifndef __SANITIZE_ADDRESS__

static void limit_memory(void)
{
	struct rlimit rl = {(rlim_t)400000 << 10, (rlim_t)400000 << 10};
	setrlimit(RLIMIT_AS, &rl);
}

/* One row, then a line too long for the memory smx may use: an error, not
 * an end of file after the first row. */
Test(attack, out_of_memory_is_not_end_of_file, .timeout = 120)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	pid_t writer = fork();
	if (writer == 0) {
		close(fds[0]);
		signal(SIGPIPE, SIG_DFL);
		static char block[1 << 16];
		for (size_t i = 0; i < sizeof block; i += 2)
			memcpy(block + i, "1 ", 2);
		if (write(fds[1], "1 2 3\n", 6) != 6)
			_exit(1);
		for (;;)
			if (write(fds[1], block, sizeof block) < 0)
				_exit(0);
	}
	close(fds[1]);
	char in[64];
	snprintf(in, sizeof in, "/dev/fd/%d", fds[0]);
	char *argv[] = {(char *)SMX_BIN, "ref", "-", NULL};
	int st = smx_test_exec_pre(NULL, in, argv, out, sizeof out, err, sizeof err, limit_memory);
	close(fds[0]);
	kill(writer, SIGKILL);
	waitpid(writer, NULL, 0);
	cr_expect_eq(st, 2, "exit %d; stdout: %.200s", st, out);
	cr_expect(one_smx_line(err) && strstr(err, "Cannot allocate memory"), "%s", err);
	cr_expect_eq(out[0], 0, "printed rows: %.200s", out);
}

/* perf --cache cold on tiny rows fits where it used to take gigabytes. */
static void limit_memory_2g(void)
{
	struct rlimit rl = {(rlim_t)2 << 30, (rlim_t)2 << 30};
	setrlimit(RLIMIT_AS, &rl);
}

Test(attack, cold_cache_memory, .timeout = 300)
{
	char *argv[] = {(char *)SMX_BIN,
			"perf",
			"--cache",
			"cold",
			"--n",
			"1",
			"--rows",
			"1",
			"--op",
			"softmax",
			"--dtype",
			"f32",
			"--impl",
			"shifted/scalar",
			"--min-time",
			"0.1",
			"--repetitions",
			"3",
			NULL};
	int st =
	    smx_test_exec_pre(NULL, NULL, argv, out, sizeof out, err, sizeof err, limit_memory_2g);
	cr_expect_eq(st, 0, "exit %d: %s", st, err);
}

/* check caps the Jacobian's rows as accuracy does (rows x n^2 <= 2^22):
 * 64 rows at n = 1024 would need gigabytes. */
Test(attack, check_caps_jacobian_rows, .timeout = 300)
{
	char dir[256], path[400], args[600];
	smx_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/base.txt", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs("jacobian f32 symmetric/scalar normal:1 1024 64 1 max_ulp=inf mean_ulp=inf "
	      "cond_err=inf bad_rows=100\n",
	      f);
	fclose(f);
	snprintf(args, sizeof args, "check --baseline %s", path);
	char buf[4096], *argv[16];
	strcpy(buf, args);
	argv[0] = (char *)SMX_BIN;
	smx_test_words(buf, argv + 1, 15);
	int st =
	    smx_test_exec_pre(NULL, NULL, argv, out, sizeof out, err, sizeof err, limit_memory_2g);
	cr_expect_eq(st, 0, "exit %d: %s%s", st, out, err);
	smx_test_rmtree(dir);
}
#endif

/* ---- provenance ---- */

Test(attack, seeds_and_command_line)
{
	char args[1024];
	snprintf(args, sizeof args,
		 "--plugin %s/mysoftmax.so --threads 1 accuracy --op softmax --dtype f32 --impl "
		 "mine/scalar --n 8 --rows 2 --seed 18446744073709551615 --format json",
		 SMX_PLUGINS);
	int st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_assert_eq(st, 0, "%s", err);
	cr_expect(strstr(out, "\"seed\": 18446744073709551615,"), "%s", out);
	cr_expect(!strstr(out, "(null)") && !strstr(out, "\"seed\": -1"), "%s", out);
	cr_expect(strstr(out, "mysoftmax.so --threads 1 accuracy --op softmax") &&
		      strstr(out, "--format json\""),
		  "command line lost arguments: %s", out);
	snprintf(args, sizeof args,
		 "accuracy --op softmax --dtype f32 --impl shifted/scalar --n 8 --rows 2 --seed "
		 "18446744073709551615 --format csv");
	st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_assert_eq(st, 0, "%s", err);
	cr_expect(strstr(out, ",8,2,18446744073709551615,"), "%s", out);
}

/* A plug-in's prints reach standard error, never smx's CSV. */
Test(attack, plugin_prints_stay_out_of_the_output)
{
	char args[1024];
	snprintf(args, sizeof args,
		 "--plugin %s/noisy.so perf --impl noisy/scalar --n 64 --min-time 0.2 "
		 "--repetitions 3 --format csv",
		 SMX_PLUGINS);
	int st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_assert_eq(st, 0, "%s", err);
	cr_expect(!strstr(out, "noise"), "a plug-in's print in the CSV: %.300s", out);
	cr_expect(strstr(out, "\nnoisy/scalar,softmax,f32,64,"), "%.300s", out);
	cr_expect(strstr(err, "noise from"), "the prints went nowhere: %.300s", err);
	/* check's report stays on stdout, clean, with a plug-in loaded */
	char dir[256], base[400];
	smx_test_tmpdir(dir, sizeof dir);
	snprintf(base, sizeof base, "%s/base.txt", dir);
	FILE *f = fopen(base, "w");
	cr_assert(f);
	fputs("softmax f32 noisy/scalar lm 100 2 1 max_ulp=inf mean_ulp=inf sum_err_ulp=inf "
	      "bad_rows=2\n",
	      f);
	fclose(f);
	snprintf(args, sizeof args, "--plugin %s/noisy.so check --baseline %s --format json",
		 SMX_PLUGINS, base);
	st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "%s", err);
	cr_expect(out[0] == '{' && strstr(out, "\"status\": \"pass\"") && !strstr(out, "noise"),
		  "%.300s", out);
	smx_test_rmtree(dir);
}

/* ---- check --update keeps the file ---- */

Test(attack, update_keeps_the_file, .timeout = 120)
{
	char dir[256], real[400], link[400], args[600];
	smx_test_tmpdir(dir, sizeof dir);
	snprintf(real, sizeof real, "%s/real.txt", dir);
	snprintf(link, sizeof link, "%s/base.txt", dir);
	FILE *f = fopen(real, "w");
	cr_assert(f);
	fputs("# budgets\r\n"
	      "softmax f32 shifted/scalar lm 100 4 1 max_ulp=0.5  mean_ulp=100 sum_err_ulp=100 "
	      "bad_rows=0 # tight on purpose\r\n"
	      "\r\n"
	      "softmax f32 nosuch/isa lm 10 1 1 max_ulp=1 mean_ulp=1 sum_err_ulp=1 bad_rows=0\r\n",
	      f);
	fclose(f);
	chmod(real, 0640);
	cr_assert_eq(symlink("real.txt", link), 0);
	snprintf(args, sizeof args, "check --baseline %s --update --allow-missing", link);
	int st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_assert_eq(st, 0, "%s", err);
	struct stat s;
	cr_expect(lstat(link, &s) == 0 && S_ISLNK(s.st_mode), "the link was replaced");
	cr_expect(stat(real, &s) == 0 && (s.st_mode & 0777) == 0640, "mode %o", s.st_mode & 0777);
	f = fopen(real, "rb");
	cr_assert(f);
	char text[2048];
	size_t k = fread(text, 1, sizeof text - 1, f);
	text[k] = 0;
	fclose(f);
	const char *head = "# budgets\r\nsoftmax f32 shifted/scalar lm 100 4 1 max_ulp=";
	cr_expect(!strncmp(text, head, strlen(head)), "%s", text);
	cr_expect(strstr(text, "  mean_ulp=") && strstr(text, " bad_rows=0 # tight on purpose\r\n"),
		  "spacing or comment lost: %s", text);
	cr_expect(!strstr(text, "max_ulp=0.5 "), "not updated: %s", text);
	cr_expect(strstr(text, "\r\n\r\nsoftmax f32 nosuch/isa lm 10 1 1 max_ulp=1 mean_ulp=1 "
			       "sum_err_ulp=1 bad_rows=0\r\n"),
		  "%s", text);
	for (char *p = strchr(text, '\n'); p; p = strchr(p + 1, '\n'))
		cr_expect(p > text && p[-1] == '\r', "a line end lost its CR: %s", text);
	/* The rewritten budgets hold (the unknown entry's line is skipped). */
	snprintf(args, sizeof args, "check --baseline %s --allow-missing", link);
	st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "%s%s", out, err);
	smx_test_rmtree(dir);
}

/* ---- shards ---- */

/* Shards of two sweeps (seed 1 and seed 7) are refused. */
Test(attack, merge_refuses_other_sweeps, .timeout = 120)
{
	char dir[256], a[400], b[400], args[1200];
	smx_test_tmpdir(dir, sizeof dir);
	snprintf(a, sizeof a, "%s/a.csv", dir);
	snprintf(b, sizeof b, "%s/b.csv", dir);
	snprintf(args, sizeof args,
		 "accuracy --op softmax --dtype f32 --impl shifted/scalar --n 8 --rows 2 --format "
		 "csv --shard 1/2 --seed 1 --output %s",
		 a);
	cr_assert_eq(smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err), 0);
	snprintf(args, sizeof args,
		 "accuracy --op softmax --dtype f32 --impl shifted/scalar --n 8 --rows 2 --format "
		 "csv --shard 2/2 --seed 7 --output %s",
		 b);
	cr_assert_eq(smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err), 0);
	snprintf(args, sizeof args, "merge %s %s", a, b);
	int st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 2, "%s", err);
	cr_expect(one_smx_line(err) && strstr(err, "another sweep"), "%s", err);
	/* The same sweep, given with its options in other places, merges. */
	snprintf(args, sizeof args,
		 "--threads 2 accuracy --op softmax --dtype f32 --impl shifted/scalar --n 8 --rows "
		 "2 --format csv --output=%s --shard=2/2 --seed 1",
		 b);
	cr_assert_eq(smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err), 0);
	snprintf(args, sizeof args, "merge %s %s", a, b);
	st = smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "%s", err);
	smx_test_rmtree(dir);
}

/* scripts/shards-parallel.sh passes every argument intact ('lm;wide'). */
Test(attack, shards_parallel_quoting, .timeout = 300)
{
	if (access("/usr/bin/parallel", X_OK) && access("/usr/local/bin/parallel", X_OK)) {
		cr_log_warn(
		    "GNU parallel not installed (scripts/install-deps.sh --shards): skipped");
		cr_skip_test();
	}
	char dir[256], merged[400], full[400], args[1024];
	smx_test_tmpdir(dir, sizeof dir);
	snprintf(merged, sizeof merged, "%s/merged.csv", dir);
	snprintf(full, sizeof full, "%s/full.csv", dir);
	setenv("SMX", SMX_BIN, 1);
	char *argv[] = {SMX_TESTDATA "/../../scripts/shards-parallel.sh",
			"3",
			merged,
			"--op",
			"softmax",
			"--dtype",
			"f32",
			"--impl",
			"shifted/scalar",
			"--n",
			"17,100",
			"--rows",
			"3",
			"--dist",
			"lm;wide",
			NULL};
	int st = smx_test_exec(NULL, NULL, argv, out, sizeof out, err, sizeof err);
	cr_expect_eq(st, 0, "%s", err);
	snprintf(args, sizeof args,
		 "accuracy --op softmax --dtype f32 --impl shifted/scalar --n 17,100 --rows 3 "
		 "--dist lm;wide --format csv --output %s",
		 full);
	cr_assert_eq(smx_test_smx(NULL, NULL, args, out, sizeof out, err, sizeof err), 0);
	cr_expect(smx_test_same_file(merged, full), "sharded run differs from the whole one");
	smx_test_rmtree(dir);
}
