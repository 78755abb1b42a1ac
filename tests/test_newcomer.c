/* Small things a first-time user meets: .npy of any rank, --impl best among
 * names, "never" for a threshold that is not reached, the global options in
 * every --help, smx --version. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cli.h"
#include "env.h"
#include "rows.h"

/* A float32 .npy with the given shape text and count values 0, 1, 2, ... */
static int read_npy(const char *shape, size_t count, struct smx_rows *rs, char *err, size_t len)
{
	char hdr[128];
	int hl = snprintf(hdr, sizeof hdr,
			  "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shape);
	size_t pad = 64 - (10 + (size_t)hl + 1) % 64;
	static unsigned char buf[4096];
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (unsigned char)((size_t)hl + pad + 1);
	buf[9] = 0;
	memcpy(buf + 10, hdr, (size_t)hl);
	memset(buf + 10 + hl, ' ', pad);
	buf[10 + (size_t)hl + pad] = '\n';
	size_t at = 10 + (size_t)hl + pad + 1;
	for (size_t i = 0; i < count; i++) {
		float v = (float)i;
		memcpy(buf + at + 4 * i, &v, 4);
	}
	FILE *f = fmemopen(buf, at + 4 * count, "rb");
	cr_assert(f);
	int rc = smx_rows_read_npy(f, "t.npy", SMX_F32, rs, err, len);
	fclose(f);
	return rc;
}

Test(newcomer, npy_any_rank)
{
	struct smx_rows rs;
	char err[256] = "";
	/* 2 x 3 x 4: six rows of four, in C order. */
	cr_assert_eq(read_npy("(2, 3, 4)", 24, &rs, err, sizeof err), 0, "%s", err);
	cr_expect_eq(rs.count, 6);
	cr_expect_eq(smx_rows_width(&rs), 4);
	cr_expect_eq(rs.x[rs.off[5] + 3], 23.0);
	smx_rows_free(&rs);
	cr_assert_eq(read_npy("(1, 1, 2, 1, 5)", 10, &rs, err, sizeof err), 0, "%s", err);
	cr_expect(rs.count == 2 && smx_rows_width(&rs) == 5);
	smx_rows_free(&rs);
	cr_assert_eq(read_npy("(7,)", 7, &rs, err, sizeof err), 0, "%s", err);
	cr_expect(rs.count == 1 && smx_rows_width(&rs) == 7);
	smx_rows_free(&rs);
	/* Refused: no row axis; data that does not match the shape. */
	cr_expect_neq(read_npy("()", 1, &rs, err, sizeof err), 0);
	cr_expect(strstr(err, "0-d"), "%s", err);
	cr_expect_neq(read_npy("(2, 3, 4)", 23, &rs, err, sizeof err), 0);
	cr_expect_neq(read_npy("(2, 0, 4)", 0, &rs, err, sizeof err), 0);
}

Test(newcomer, best_among_names)
{
	struct smx_sel s;
	smx_sel_init(&s);
	char arg[] = "shifted/scalar,best";
	smx_sel_impls(&s, arg);
	cr_expect_eq(s.nnames, 1);
	cr_expect(s.best);
	const struct smx_impl *ims[256];
	size_t k = smx_sel_entries(&s, SMX_OP_SOFTMAX, SMX_F32, ims, 256);
	const struct smx_impl *b = smx_registry_best(SMX_OP_SOFTMAX, SMX_F32);
	cr_assert(b);
	cr_expect_eq(k, 2, "the named entry and the best one");
	cr_expect_str_eq(ims[0]->name, "shifted/scalar");
	cr_expect_eq(ims[1], b);
	char only[] = "best";
	smx_sel_impls(&s, only);
	cr_expect_eq(smx_sel_entries(&s, SMX_OP_SOFTMAX, SMX_F32, ims, 256), 1);
	cr_expect_eq(ims[0], b);
}

/* stdout of "smx ARGS..." (status in *st). */
static void run(char *const argv[], char *out, size_t len, int *st)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);
		dup2(p[1], 1);
		dup2(nul, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	size_t k = 0;
	ssize_t r;
	while (k + 1 < len && (r = read(p[0], out + k, len - 1 - k)) > 0)
		k += (size_t)r;
	out[k] = 0;
	close(p[0]);
	int w;
	cr_assert_eq(waitpid(pid, &w, 0), pid);
	*st = WIFEXITED(w) ? WEXITSTATUS(w) : -1;
}

Test(newcomer, global_options_in_every_help)
{
	static const char *cmds[] = {"list", "ref",    "accuracy", "exp",  "overflow",
				     "perf", "report", "merge",	   "check"};
	static char out[1 << 14];
	int st;
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
		char *argv[] = {SMX_BIN, (char *)cmds[i], "--help", NULL};
		run(argv, out, sizeof out, &st);
		cr_expect_eq(st, 0, "%s --help", cmds[i]);
		cr_expect(strstr(out, "--plugin") && strstr(out, "--threads") &&
			      strstr(out, "--quiet") && strstr(out, "--temperature"),
			  "%s --help lacks the global options", cmds[i]);
	}
	char *v[] = {SMX_BIN, "--version", NULL};
	run(v, out, sizeof out, &st);
	cr_expect_eq(st, 0);
	cr_expect(!strncmp(out, "smx " SMX_VERSION "\n", strlen(SMX_VERSION) + 5), "%s", out);
}

Test(newcomer, threshold_never)
{
	static char out[1 << 14];
	int st;
	char *argv[] = {SMX_BIN,   "overflow", "--op",	 "softmax",
			"--dtype", "f32",      "--impl", "naive/scalar,shifted/scalar",
			NULL};
	run(argv, out, sizeof out, &st);
	cr_assert_eq(st, 0);
	const char *sh = strstr(out, "shifted/scalar"), *nv = strstr(out, "naive/scalar");
	cr_assert(sh && nv, "%s", out);
	/* shifted never leaves ok on the scale and gap sweeps; naive does. */
	const char *eol = strchr(sh, '\n');
	const char *w = strstr(sh, "never");
	cr_expect(w && (!eol || w < eol), "no 'never' on shifted's line: %s", out);
	eol = strchr(nv, '\n');
	w = strstr(nv, "never");
	cr_expect(w && (!eol || w < eol), "naive's range limit is never reached: %s", out);
	cr_expect(!strstr(sh, "       0  "), "a 0 threshold printed: %s", out);
}
