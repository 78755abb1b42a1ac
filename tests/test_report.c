/* The report says what the data says: identical entries merged (and only
 * those), "fastest" only beyond the spread, the complementary CDF, and a
 * quick report whose pages hold every figure and no stale text. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "report.h"
#include "report_sections.h"

Test(report, identical_entries_merged_only)
{
	const double one_ulp_off = 0x1.0000000000001p+4;
	const double rows[4][3] = {
	    {16, 2.5, 0.25}, {16, 2.5, 0.25}, {one_ulp_off, 2.5, 0.25}, {16, 2.5, 0.25}};
	size_t group[4];
	cr_expect_eq(smx_fig_groups(&rows[0][0], 4, 3, group), 2);
	cr_expect(group[0] == 0 && group[1] == 0 && group[3] == 0, "equal rows not merged");
	cr_expect_eq(group[2], 2, "a row one ulp away was merged");
}

Test(report, fastest_only_beyond_the_spread)
{
	/* Entry 1 has the lowest median; entry 2's spread overlaps it. */
	double med[3] = {10, 5, 6}, q1[3] = {9.5, 4.8, 5.4}, q3[3] = {10.5, 5.5, 6.5};
	size_t w, tied[3];
	cr_expect_eq(smx_fastest(med, q1, q3, 3, &w, tied), 1);
	cr_expect_eq(w, 1);
	cr_expect_eq(tied[0], 2);
	/* Separated: entry 2's first quartile above the winner's third. */
	q1[2] = 5.6;
	cr_expect_eq(smx_fastest(med, q1, q3, 3, &w, tied), 0, "a clear winner called a tie");
	cr_expect_eq(w, 1);
}

Test(report, complementary_cdf)
{
	const double errs[] = {0, 0, 1, 1, 2, 3};
	double e[8], f[8];
	size_t m = smx_ccdf(errs, 6, 0, 1, e, f, 8);
	/* No point at 0 (no place on a log axis); P(E >= e) at each value. */
	cr_assert_eq(m, 3);
	cr_expect(e[0] == 1 && f[0] == 4.0 / 6, "P(E >= 1) = %g", f[0]);
	cr_expect(e[1] == 2 && f[1] == 2.0 / 6);
	cr_expect(e[2] == 3 && f[2] == 1.0 / 6, "the maximum's fraction is one component");
	/* Sampled body (every 2nd index below 4), whole tail from 4. */
	m = smx_ccdf(errs, 6, 4, 2, e, f, 8);
	cr_expect_eq(m, 3);
	cr_expect(e[0] == 1 && f[0] == 4.0 / 6, "first index of a value not found");
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert(f, "cannot open %s", path);
	static char buf[1 << 20];
	size_t k = fread(buf, 1, sizeof buf - 1, f);
	buf[k] = 0;
	fclose(f);
	return buf;
}

/* The value in column name of the CSV line at row, csv's first line
 * naming the columns (NaN when the field is empty). */
static double csv_field(const char *csv, const char *row, const char *name)
{
	size_t col = 0;
	const char *h = csv;
	for (;;) {
		size_t len = strcspn(h, ",\n");
		if (len == strlen(name) && !strncmp(h, name, len))
			break;
		cr_assert(h[len] == ',', "no column %s", name);
		h += len + 1;
		col++;
	}
	while (col--)
		row = strchr(row, ',') + 1;
	return *row == ',' || *row == '\n' ? NAN : strtod(row, NULL);
}

/* The first line of a file (its CSV header). */
static void header_of(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	cr_assert(f, "cannot open %s", path);
	cr_assert(fgets(buf, (int)len, f), "%s is empty", path);
	fclose(f);
}

/* smx with argv (SMX_BIN first), stdout and stderr to /dev/null; its exit
 * status. */
static int run_quiet(char *const *argv)
{
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);
		dup2(nul, 1);
		dup2(nul, 2);
		execv(SMX_BIN, argv);
		_exit(127);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* The report's CSV of a sweep has its command's --format csv columns:
 * one schema a measurement. */
static void same_schema(const char *dir, const char *file, char *const *cmd)
{
	char mine[256], theirs[4096], ours[4096];
	snprintf(mine, sizeof mine, "%s/cmd-%s", dir, file);
	char *argv[32];
	size_t k = 0;
	for (; cmd[k]; k++)
		argv[k] = cmd[k];
	argv[k++] = "--format";
	argv[k++] = "csv";
	argv[k++] = "--output";
	argv[k++] = mine;
	argv[k] = NULL;
	cr_assert_eq(run_quiet(argv), 0, "smx %s failed", cmd[1]);
	header_of(mine, theirs, sizeof theirs);
	char path[256];
	snprintf(path, sizeof path, "%s/latest/%s", dir, file);
	header_of(path, ours, sizeof ours);
	cr_expect_str_eq(ours, theirs, "%s: the report's columns are not smx %s's", file, cmd[1]);
	unlink(mine);
}

Test(report, quick_report_pages, .timeout = 300)
{
	char dir[] = "/tmp/smx-report-XXXXXX";
	cr_assert(mkdtemp(dir));
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);
		dup2(nul, 1);
		dup2(nul, 2);
		execl(SMX_BIN, SMX_BIN, "--quiet", "report", "--quick", "--out", dir, (char *)NULL);
		_exit(127);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "smx report --quick failed");
	char path[256];
	snprintf(path, sizeof path, "%s/latest/index.html", dir);
	const char *html = slurp(path);
	static const char *const figs[] = {
	    "fig1_error_vs_n_f32",     "fig1_error_vs_n_f64", "fig2_error_vs_scale_f32",
	    "fig2_error_vs_scale_f64", "fig3_error_ccdf",     "fig4_behaviour",
	    "fig5_throughput_f32",     "fig5_throughput_f64", "fig6_jacobian_vs_vjp",
	    "fig7_next_token",	       "fig8_thresholds",     "fig9_pareto",
	    "fig10_lm_error"};
	for (size_t i = 0; i < sizeof figs / sizeof *figs; i++) {
		char img[96];
		snprintf(img, sizeof img, "src=\"%s.svg\"", figs[i]);
		cr_expect(strstr(html, img), "%s is not on the page", figs[i]);
	}
	cr_expect(!strstr(html, "arrives with the Jacobian"), "stale Figure 6 paragraph");
	/* The new sections carry the measured values. */
	snprintf(path, sizeof path, "%s/latest/report.md", dir);
	const char *md = slurp(path);
	cr_expect(strstr(md, "\n## Published results\n"), "no published-results section");
	cr_expect(strstr(md, "| fp16 unshifted LSE is inf (rows) | 475 | 475 | yes |"),
		  "the MNIST overflow count is not 475 on the page");
	cr_expect(strstr(md, "|   of those, one exp(x_i) > 65504 | 471 | 471 | yes |"));
	cr_expect(strstr(md, "| fp16 shifted LSE is inf (rows) | 0 | 0 | yes |"));
	cr_expect(strstr(md, "| bf16 uniform n = 512, bf16 sum: p_0 | 0.003906 |"));
	cr_expect(strstr(md, "\n## Language-model scale\n"), "no language-model section");
	snprintf(path, sizeof path, "%s/latest/lm.csv", dir);
	char *csv = strdup(slurp(path));
	cr_assert(csv);
	snprintf(path, sizeof path, "%s/latest/fig10_lm_error.dat", dir);
	const char *fig = slurp(path);
	static const char *const vocab[] = {"32000", "128256", "151936", "256000"};
	static const char *const lmops[] = {"lse", "logsoftmax", "xent"};
	for (size_t o = 0; o < 3; o++) {
		/* The figure's block for the entry, one point per size. */
		char block[96];
		snprintf(block, sizeof block, "\"%s shifted/scalar\"\n", lmops[o]);
		const char *pt = strstr(fig, block);
		cr_expect(pt, "fig10_lm_error.dat has no %s", block);
		pt = pt ? pt + strlen(block) : NULL;
		for (size_t v = 0; v < 4; v++) {
			/* Every vocabulary size has a measured row per op (smx
			 * accuracy's columns): nats finite, positive and small for
			 * shifted/scalar, and the figure's point is that value. */
			char key[96];
			snprintf(key, sizeof key, "shifted/scalar,%s,f32,lm,%s,", lmops[o],
				 vocab[v]);
			const char *at = strstr(csv, key);
			cr_expect(at, "lm.csv has no %s row", key);
			if (!at)
				continue;
			double nats = csv_field(csv, at, o == 1 ? "logprob_nats" : "abs_err");
			cr_expect(nats > 0 && nats < 1e-3, "%s: %g nats", key, nats);
			double fn = 0;
			size_t fv = 0;
			cr_expect(pt && sscanf(pt, "%zu %lf", &fv, &fn) == 2 &&
				      fv == strtoul(vocab[v], NULL, 10) &&
				      fabs(fn - nats) <= 1e-5 * nats,
				  "%s: the figure's point is not lm.csv's %g nats", key, nats);
			pt = pt ? strchr(pt, '\n') : NULL;
			pt = pt ? pt + 1 : NULL;
		}
	}
	free(csv);
	char *acc[] = {SMX_BIN,	  "accuracy", "--impl", "shifted/scalar",
		       "--dtype", "f32",      "--n",	"4",
		       "--rows",  "1",	      NULL};
	char *ovf[] = {SMX_BIN,	  "overflow", "--impl",		 "shifted/scalar",
		       "--dtype", "f32",      "--no-thresholds", NULL};
	char *prf[] = {SMX_BIN, "perf",		 "--impl", "shifted/scalar", "--n",
		       "16",	"--repetitions", "3",	   "--min-time",     "0.1",
		       "--pin", "none",		 NULL};
	same_schema(dir, "accuracy.csv", acc);
	same_schema(dir, "overflow.csv", ovf);
	same_schema(dir, "perf.csv", prf);
	same_schema(dir, "lm.csv", acc);
	same_schema(dir, "lm_perf.csv", prf);
	/* n = 1 is exact for every entry: marked, never drawn at a fake floor. */
	snprintf(path, sizeof path, "%s/latest/fig1_error_vs_n_f32.dat", dir);
	const char *dat = slurp(path);
	cr_expect(strstr(dat, "\"exact (0 ulp)\"\n1 "), "n = 1 not marked exact");
	cr_expect(!strstr(dat, "\n1 0.001"), "a fake floor for n = 1");
	pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
}

/* The published-results section's verdict comes from the counts: the whole
 * file reproduces BHH's 475 / 471 / 0; the first 100 rows cannot. */
Test(report, published_section_counts)
{
	char err[256];
	struct smx_pub_section p;
	cr_assert_eq(smx_pub_measure(&p, SMX_TESTDATA "/mnist-presoftmax.txt", 1, err, sizeof err),
		     0, "%s", err);
	cr_expect_eq(p.m.naive_inf, 475);
	cr_expect_eq(p.mismatched, 0, "a published result marked as not reproduced");
	cr_expect_eq(p.counts.cells[1 * p.counts.ncols + 1].d, 475, "the table's smx column");
	cr_expect_str_eq(p.counts.cells[1 * p.counts.ncols + 3].s, "yes");
	smx_pub_free(&p);

	char part[] = "/tmp/smx-mnist-XXXXXX";
	int fd = mkstemp(part);
	cr_assert(fd >= 0);
	FILE *in = fopen(SMX_TESTDATA "/mnist-presoftmax.txt", "r"), *out = fdopen(fd, "w");
	cr_assert(in && out);
	char line[1 << 16];
	for (int i = 0; i < 100 && fgets(line, sizeof line, in); i++)
		cr_assert(fputs(line, out) >= 0);
	fclose(in);
	cr_assert_eq(fclose(out), 0);
	cr_assert_eq(smx_pub_measure(&p, part, 1, err, sizeof err), 0, "%s", err);
	unlink(part);
	cr_expect_gt(p.mismatched, 0, "100 rows reported as reproducing the 2,500-row counts");
	cr_expect_str_eq(p.counts.cells[1 * p.counts.ncols + 3].s, "no");
	smx_pub_free(&p);
}
