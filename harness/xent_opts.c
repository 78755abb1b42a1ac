/* The cross-entropy options; see xent_opts.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "smx_xent.h"
#include "util.h"
#include "xent_opts.h"

/* Targets travel as values of the entry's dtype (f32 too): an index
 * beyond 2^24 would not come back as itself. */
#define IGNORE_MAX (1LL << 24)

static int given;
static char text[160], eps_s[64], ig_s[64];

static void parse_eps(const char *v, double *out)
{
	char *end;
	errno = 0;
	double d = *v ? strtod(v, &end) : NAN;
	if (!*v || errno || *end || !(d >= 0 && d <= 1))
		smx_die("--label-smoothing: '%s' is not a number in [0, 1]", v);
	*out = d;
}

static void parse_ignore(const char *v, long long *out)
{
	char *end;
	errno = 0;
	long long k = *v ? strtoll(v, &end, 10) : 0;
	if (!*v || errno || *end)
		smx_die("--ignore-index: '%s' is not an integer", v);
	if (k < -IGNORE_MAX || k > IGNORE_MAX)
		smx_die("--ignore-index: %lld is outside [-2^24, 2^24] (targets travel as f32 "
			"values)",
			k);
	*out = k;
}

int smx_xent_opts_from_argv(int argc, char **argv)
{
	static const char *const names[] = {"label-smoothing", "ignore-index"};
	struct smx_xent_params p = *smx_xent_params_active();
	int k = 1, seen[2] = {0, 0};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t o = 0, nl = eq ? (size_t)(eq - a - 2) : strlen(a) - 2;
		while (o < 2 && (strncmp(a, "--", 2) || strlen(names[o]) != nl ||
				 strncmp(names[o], a + 2, nl)))
			o++;
		if (o == 2) {
			argv[k++] = argv[i];
			continue;
		}
		const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
		if (!v)
			smx_die("--%s: needs a value", names[o]);
		if (seen[o]++)
			smx_die("--%s: given twice", names[o]);
		if (strlen(v) >= sizeof eps_s)
			smx_die("--%s: '%.40s...' is too long", names[o], v);
		if (o == 0) {
			parse_eps(v, &p.label_smoothing);
			snprintf(eps_s, sizeof eps_s, "%s", v);
		} else {
			parse_ignore(v, &p.ignore_index);
			snprintf(ig_s, sizeof ig_s, "%s", v);
		}
		size_t t = strlen(text);
		snprintf(text + t, sizeof text - t, "%s--%s %s", t ? " " : "", names[o], v);
		given = 1;
	}
	argv[k] = NULL;
	if (given)
		smx_xent_params_set(&p);
	return k;
}

int smx_xent_opts_given(void)
{
	return given;
}

const char *smx_xent_opts_text(void)
{
	return text;
}

size_t smx_xent_opts_argv(const char **out)
{
	size_t k = 0;
	if (*eps_s) {
		out[k++] = "--label-smoothing";
		out[k++] = eps_s;
	}
	if (*ig_s) {
		out[k++] = "--ignore-index";
		out[k++] = ig_s;
	}
	return k;
}

int smx_xent_opts_command_ok(const char *cmd)
{
	return !strcmp(cmd, "accuracy") || !strcmp(cmd, "perf");
}

int smx_xent_opts_admit(const struct smx_impl *im)
{
	return smx_xent_params_default() || im->origin != SMX_ORIGIN_PLUGIN ||
	       smx_op_info(im->op)->in[1] != SMX_ARG_TARGETS || im->fnx.f32 != NULL;
}
