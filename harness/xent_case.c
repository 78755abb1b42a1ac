/* The targets of the xent ops' cases: generated from the seed and the
 * logits, or read from the file --targets names (targets.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "op.h"
#include "smx_xent.h"
#include "targets.h"
#include "util.h"

static const char *tcmd = "targets", *tfile;
static enum smx_target_mode tmode = SMX_TARGETS_UNIFORM;

void smx_targets_select(const char *cmd, const char *spec)
{
	tcmd = cmd;
	tfile = smx_targets_mode_parse(spec, &tmode) ? spec : NULL;
}

void smx_targets_fill(uint64_t seed, const double *x, size_t rows, size_t n, double *g)
{
	int64_t *t = smx_alloc(rows ? rows : 1, sizeof *t);
	if (tfile) {
		char err[300];
		FILE *f = fopen(tfile, "rb");
		if (!f)
			smx_die("%s: --targets: %s: %s", tcmd, tfile, strerror(errno));
		int bad = smx_targets_read(
		    f, tfile, rows, n, smx_xent_params_active()->ignore_index, t, err, sizeof err);
		fclose(f);
		if (bad)
			smx_die("%s: --targets: %s", tcmd, err);
	} else {
		smx_targets_generate(tmode, seed, x, rows, n, t);
	}
	memset(g, 0, rows * n * sizeof *g);
	for (size_t r = 0; r < rows; r++)
		g[r * n] = (double)t[r];
	free(t);
}
