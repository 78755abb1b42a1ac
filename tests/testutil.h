/* Helpers shared by the test files. */
#ifndef SMX_TESTUTIL_H
#define SMX_TESTUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "rows.h"
#include "variant.h"

/* Read a text rows file of tests/data, failing the test on error. */
static inline void smx_test_rows(const char *path, smx_dtype dt, struct smx_rows *rs)
{
	FILE *f = fopen(path, "r");
	cr_assert(f, "cannot open %s", path);
	char err[256];
	int rc = smx_rows_parse(f, path, dt, rs, err, sizeof err);
	fclose(f);
	cr_assert_eq(rc, 0, "%s", err);
}

/* Put the variant of option/value pairs (NULL-terminated) in force,
 * failing the test on a refused option. */
static inline void smx_test_set_variant(const char *const *opts)
{
	struct smx_variant v = {0};
	char why[256];
	for (size_t i = 0; opts[i]; i += 2)
		cr_assert_eq(smx_variant_parse(&v, opts[i], opts[i + 1], why, sizeof why), 0,
			     "%s: %s", opts[i], why);
	smx_variant_set(&v);
	free(v.mask);
}

/* A fresh private directory (mkdtemp under $TMPDIR or /tmp). */
static inline void smx_test_tmpdir(char *buf, size_t len)
{
	const char *t = getenv("TMPDIR");
	snprintf(buf, len, "%s/smx-test-XXXXXX", t && *t ? t : "/tmp");
	cr_assert(mkdtemp(buf), "mkdtemp: %s", strerror(errno));
}

static inline int smx_test_rm1(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(p) : unlink(p);
}

/* Remove a directory tree made by smx_test_tmpdir. */
static inline void smx_test_rmtree(const char *dir)
{
	nftw(dir, smx_test_rm1, 16, FTW_DEPTH | FTW_PHYS);
}

/* Split s in place into words at blanks; '...' quotes a word (no other
 * shell syntax: the words become an argument vector). Returns the count;
 * argv[count] is NULL. */
static inline size_t smx_test_words(char *s, char **argv, size_t max)
{
	size_t k = 0;
	char *w = s;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		cr_assert(k + 1 < max, "too many words");
		argv[k++] = w;
		while (*s && *s != ' ') {
			if (*s == '\'') {
				for (s++; *s && *s != '\''; s++)
					*w++ = *s;
				cr_assert(*s, "unbalanced quote");
				s++;
			} else {
				*w++ = *s++;
			}
		}
		if (*s)
			s++;
		*w++ = 0;
	}
	argv[k] = NULL;
	return k;
}

static inline void smx_test_slurp(int fd, char *buf, size_t len)
{
	size_t k = 0;
	ssize_t got;
	lseek(fd, 0, SEEK_SET);
	while (k + 1 < len && (got = read(fd, buf + k, len - 1 - k)) > 0)
		k += (size_t)got;
	buf[k] = 0;
	close(fd);
}

/* Run argv (argv[0] a path) without a shell: in directory cwd (NULL: here),
 * standard input from the file in (NULL: /dev/null), output and error
 * captured (truncated to the buffers); pre (if set) runs in the child just
 * before exec (limits, umask). Returns the exit status, or 128 + the
 * signal that ended it. */
static inline int smx_test_exec_pre(const char *cwd, const char *in, char *const argv[], char *out,
				    size_t outlen, char *err, size_t errlen, void (*pre)(void))
{
	char tdir[256], po[300], pe[300];
	smx_test_tmpdir(tdir, sizeof tdir);
	snprintf(po, sizeof po, "%s/out", tdir);
	snprintf(pe, sizeof pe, "%s/err", tdir);
	int fo = open(po, O_RDWR | O_CREAT | O_EXCL, 0600);
	int fe = open(pe, O_RDWR | O_CREAT | O_EXCL, 0600);
	cr_assert(fo >= 0 && fe >= 0);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int fi = open(in ? in : "/dev/null", O_RDONLY);
		if (fi < 0 || dup2(fi, 0) < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0 ||
		    (cwd && chdir(cwd)))
			_exit(126);
		if (pre)
			pre();
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		cr_assert_eq(errno, EINTR);
	smx_test_slurp(fo, out, outlen);
	smx_test_slurp(fe, err, errlen);
	smx_test_rmtree(tdir);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static inline int smx_test_exec(const char *cwd, const char *in, char *const argv[], char *out,
				size_t outlen, char *err, size_t errlen)
{
	return smx_test_exec_pre(cwd, in, argv, out, outlen, err, errlen, NULL);
}

/* The same for "smx ARGS", ARGS split by smx_test_words. */
static inline int smx_test_smx(const char *cwd, const char *in, const char *args, char *out,
			       size_t outlen, char *err, size_t errlen)
{
	char buf[4096], *argv[128];
	cr_assert(strlen(args) < sizeof buf);
	strcpy(buf, args);
	argv[0] = (char *)SMX_BIN;
	smx_test_words(buf, argv + 1, 127);
	return smx_test_exec(cwd, in, argv, out, outlen, err, errlen);
}

/* Whether two files have the same bytes. */
static inline int smx_test_same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int same = fa && fb;
	while (same) {
		int ca = getc(fa), cb = getc(fb);
		same = ca == cb;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

#endif
