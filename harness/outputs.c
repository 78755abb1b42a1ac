/* Outputs computed elsewhere (outputs.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "outputs.h"
#include "rows.h"
#include "util.h"

void smx_outputs_add(const char *cmd, struct smx_outputs *o, char *arg)
{
	if (o->count >= SMX_MAX_LIST)
		smx_die("%s: --outputs: more than %d output sets", cmd, SMX_MAX_LIST);
	char *eq = strchr(arg, '='), *path = eq ? eq + 1 : arg;
	const char *name = arg;
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	if (!eq) {
		const char *base = strrchr(arg, '/');
		name = base ? base + 1 : arg;
		const char *dot = strrchr(name, '.');
		len = dot && dot != name ? (size_t)(dot - name) : strlen(name);
	}
	if (len == 0 || !*path)
		smx_die("%s: --outputs: '%s' is not NAME=FILE or FILE", cmd, arg);
	if (len >= sizeof o->names[0])
		smx_die("%s: --outputs: the name in '%s' is longer than 63 characters", cmd, arg);
	memcpy(o->names[o->count], name, len);
	o->names[o->count][len] = 0;
	o->paths[o->count++] = path;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

int smx_outputs_load(const char *path, smx_dtype dt, const char *shape, struct smx_rows *rs,
		     char *err, size_t len)
{
	smx_dtype fmt;
	int raw = smx_raw_format(path, &fmt);
	size_t sr = 0, sn = 0;
	if (raw && (!shape || smx_parse_shape(shape, &sr, &sn))) {
		snprintf(err, len, "%s: raw binary rows need --shape RxN", path);
		return -1;
	}
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, len, "%s: is a directory", path);
		return -1;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = ends_with(path, ".npy") ? smx_rows_read_npy(f, path, dt, rs, err, len)
		 : raw			 ? smx_rows_read_raw(f, path, fmt, sr, sn, dt, rs, err, len)
					 : smx_rows_parse(f, path, dt, rs, err, len);
	fclose(f);
	return rc ? -1 : 0;
}

struct smx_impl smx_outputs_entry(const char *name, smx_op op, smx_dtype dt)
{
	return (struct smx_impl){.name = name,
				 .algo = name,
				 .isa = "outputs",
				 .op = op,
				 .dtype = dt,
				 .origin = SMX_ORIGIN_PLUGIN,
				 .bound = {.c0 = NAN}};
}

int smx_outputs_fold(const struct smx_case *c, const struct smx_rows *ys, const char *path,
		     struct smx_metrics *m, char *err, size_t len)
{
	size_t w = smx_rows_width(ys);
	if (ys->count != c->rows || w != c->n) {
		snprintf(err, len, "%s: %zu rows of %zu, the input has %zu rows of %zu", path,
			 ys->count, w == (size_t)-1 ? 0 : w, c->rows, c->n);
		return -1;
	}
	for (size_t r = 0; r < c->rows; r++)
		smx_metrics_row(m, c->op, c->dt, NULL, c->in + r * c->n, ys->x + ys->off[r],
				c->ref + r * c->n, c->status[r], c->n, NULL);
	return 0;
}

void smx_outputs_measure(const char *cmd, struct smx_outputs *o, size_t i, const struct smx_case *c,
			 struct smx_metrics *m)
{
	if (!smx_op_forward(c->op))
		smx_die("%s: --outputs: %s is not a forward op (softmax or logsoftmax)", cmd,
			smx_op_name(c->op));
	struct smx_rows rs;
	smx_read_rows(cmd, o->paths[i], c->dt, NULL, &rs);
	o->as_entry[i] = smx_outputs_entry(o->names[i], c->op, c->dt);
	char err[700];
	if (smx_outputs_fold(c, &rs, o->paths[i], m, err, sizeof err))
		smx_die("%s: %s", cmd, err);
	smx_rows_free(&rs);
}
