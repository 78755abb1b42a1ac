/* smx list: the registry as a table. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "peers.h"
#include "util.h"
#include "variant.h"

static const char help[] = "usage: smx list [--format table|csv|json] [--output FILE]\n";

/* "7+n+|d|+D ulp": the claimed bound in words (D = max |x_j - max|; u*cond:
 * units of u times the condition scale, see metrics.h). */
static void bound_text(const struct smx_bound *b, char *buf, size_t len)
{
	if (!isfinite(b->c0)) {
		snprintf(buf, len, "none claimed");
		return;
	}
	static const char *const unit[] = {" ulp", " u*max(1,|y|)", " u*cond"};
	if (b->at) {
		/* A derived family the linear form cannot hold (impls/lowp_scalar.h). */
		int k = snprintf(buf, len, "%s(n,|d|,D)%s", b->form, unit[b->kind]);
		if (b->domain > 0 && k > 0 && (size_t)k < len)
			snprintf(buf + k, len - (size_t)k, " for |x|<=%g", b->domain);
		return;
	}
	const double c[4] = {b->c0, b->cn, b->cd, b->cm};
	const char *const term[4] = {"", "n", "|d|", "D"};
	size_t k = 0;
	buf[0] = 0;
	for (int i = 0; i < 4; i++) {
		if (c[i] == 0)
			continue;
		if (c[i] == 1 && i > 0)
			k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? "+" : "", term[i]);
		else
			k += (size_t)snprintf(buf + k, len - k, "%s%g%s", k ? "+" : "", c[i],
					      term[i]);
		if (k >= len)
			return;
	}
	k += (size_t)snprintf(buf + k, len - k, "%s", unit[b->kind]);
	if (b->domain > 0 && k < len)
		snprintf(buf + k, len - k, " for |x|<=%g", b->domain);
}

static const struct smx_column cols[] = {
    {"op", SMX_STR, 1},	       {"dtype", SMX_STR, 1},	  {"impl", SMX_STR, 1},
    {"algo", SMX_STR, 0},      {"isa", SMX_STR, 0},	  {"origin", SMX_STR, 1},
    {"runs_here", SMX_STR, 1}, {"bound", SMX_STR, 1},	  {"all_neginf", SMX_STR, 1},
    {"pos_inf", SMX_STR, 1},   {"overflows", SMX_STR, 1}, {"variants", SMX_STR, 1},
    {"recipe", SMX_STR, 1},    {"note", SMX_STR, 1},
};

int smx_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, 0, 'f'},
	    {"output", required_argument, 0, 'o'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	enum smx_format fmt = SMX_FMT_TABLE;
	const char *output = NULL;
	const struct smx_common co = {"list", help, NULL, &fmt, &output,
				      NULL,   NULL, NULL, NULL, NULL};
	int c;
	while ((c = smx_getopt(argc, argv, opts, "list")) != -1)
		smx_common_opt(c, &co);
	smx_common_end(argc, argv, &co);
	struct smx_table t;
	smx_table_init(&t, cols, sizeof cols / sizeof *cols);
	for (size_t i = 0; i < smx_registry_count(); i++) {
		const struct smx_impl *im = smx_registry_get(i);
		char bound[160];
		bound_text(&im->bound, bound, sizeof bound);
		char vars[96];
		smx_variant_support_text(im, vars, sizeof vars);
		char recipe[40];
		smx_impl_recipe(im, recipe, sizeof recipe);
		smx_table_add(
		    &t, smx_op_name(im->op), smx_dtype_name(im->dtype), im->name, im->algo, im->isa,
		    smx_origin_name(im->origin), smx_impl_runnable(im) ? "yes" : "no", bound,
		    smx_edge_name(im->policy.all_neginf), smx_edge_name(im->policy.pos_inf),
		    im->policy.overflows ? "yes" : "no", vars, recipe, im->note ? im->note : "");
	}
	FILE *f = smx_out_open(output);
	smx_table_write(&t, f, fmt, NULL);
	smx_out_commit(f);
	smx_table_free(&t);
	if (*smx_peer_missing())
		fputs(smx_peer_missing(), stderr);
	return 0;
}
