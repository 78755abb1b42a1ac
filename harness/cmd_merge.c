/* smx merge: shard outputs (accuracy/overflow --shard K/N --format csv) back
 * into exactly what the unsharded run writes. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

static const char help[] = "usage: smx merge [--output FILE] SHARD.csv...\n"
			   "Every shard 1..N of one sweep, once each, in any order.\n";

struct shard_file {
	size_t k, n;
	const char *id;	     /* the sweep's identity, after "K/N " */
	char *text;	     /* the file */
	char *header, *body; /* in text: the CSV header line, the rows after it */
};

static char *slurp_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		smx_die("merge: %s: %s", path, strerror(errno));
	size_t cap = 1 << 16, len = 0;
	char *buf = smx_alloc(cap, 1);
	size_t got;
	while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (len + 1 == cap) {
			cap *= 2;
			buf = smx_realloc(buf, cap, 1);
		}
	}
	int bad = ferror(f) ? errno : 0;
	fclose(f);
	if (bad)
		smx_die("merge: %s: read error: %s", path, strerror(bad));
	buf[len] = 0;
	if (memchr(buf, 0, len))
		smx_die("merge: %s: not a text file", path);
	return buf;
}

int smx_cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	const char *output = NULL;
	int c;
	while ((c = smx_getopt(argc, argv, opts, "merge")) != -1) {
		if (c == 'o')
			output = optarg;
		else {
			smx_help(help);
		}
	}
	size_t nf = (size_t)(argc - optind);
	if (nf == 0)
		smx_die("merge: no shard files given");
	struct shard_file *s = smx_calloc(nf, sizeof *s);
	for (size_t i = 0; i < nf; i++) {
		const char *path = argv[optind + (int)i];
		char *text = s[i].text = slurp_text(path);
		char *nl = strchr(text, '\n');
		int idat = 0;
		if (!nl || sscanf(text, "# smx-shard %zu/%zu %n", &s[i].k, &s[i].n, &idat) != 2 ||
		    s[i].k < 1 || s[i].k > s[i].n || !idat || text + idat >= nl)
			smx_die("merge: %s: no '# smx-shard K/N SWEEP' first line (written by "
				"--shard)",
				path);
		*nl = 0;
		s[i].id = text + idat;
		char *h = nl + 1, *h_end = strchr(h, '\n');
		if (!h_end)
			smx_die("merge: %s: no CSV header after the shard line", path);
		*h_end = 0;
		s[i].header = h;
		s[i].body = h_end + 1;
		if (strcmp(s[i].id, s[0].id))
			smx_die("merge: %s: a shard of another sweep than %s ('%s', not '%s')",
				path, argv[optind], s[i].id, s[0].id);
		if (s[i].n != s[0].n)
			smx_die("merge: %s: shard of %zu, others of %zu", path, s[i].n, s[0].n);
		if (strcmp(s[i].header, s[0].header))
			smx_die("merge: %s: its columns differ from %s's", path, argv[optind]);
		for (size_t j = 0; j < i; j++)
			if (s[j].k == s[i].k)
				smx_die("merge: %s: shard %zu/%zu given twice", path, s[i].k,
					s[i].n);
	}
	if (nf != s[0].n)
		smx_die("merge: %zu of %zu shards given", nf, s[0].n);
	FILE *f = smx_out_open(output);
	fprintf(f, "%s\n", s[0].header);
	for (size_t k = 1; k <= s[0].n; k++)
		for (size_t i = 0; i < nf; i++)
			if (s[i].k == k)
				fputs(s[i].body, f);
	smx_out_commit(f);
	for (size_t i = 0; i < nf; i++)
		free(s[i].text);
	free(s);
	return 0;
}
