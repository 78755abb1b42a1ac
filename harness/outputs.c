/* Outputs computed elsewhere (outputs.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

void smx_outputs_measure(const char *cmd, struct smx_outputs *o, size_t i, const struct smx_case *c,
			 struct smx_metrics *m)
{
	if (!smx_op_forward(c->op))
		smx_die("%s: --outputs: %s is not a forward op (softmax or logsoftmax)", cmd,
			smx_op_name(c->op));
	struct smx_rows rs;
	smx_read_rows(cmd, o->paths[i], c->dt, NULL, &rs);
	if (rs.count != c->rows || smx_rows_width(&rs) != c->n)
		smx_die("%s: %s: %zu rows of %zu, the input has %zu rows of %zu", cmd, o->paths[i],
			rs.count, smx_rows_width(&rs) == (size_t)-1 ? 0 : smx_rows_width(&rs),
			c->rows, c->n);
	o->as_entry[i] = (struct smx_impl){.name = o->names[i],
					   .algo = o->names[i],
					   .isa = "outputs",
					   .op = c->op,
					   .dtype = c->dt,
					   .origin = SMX_ORIGIN_PLUGIN,
					   .bound = {.c0 = NAN}};
	for (size_t r = 0; r < c->rows; r++)
		smx_metrics_row(m, c->op, c->dt, NULL, c->in + r * c->n, rs.x + rs.off[r],
				c->ref + r * c->n, c->status[r], c->n, NULL);
	smx_rows_free(&rs);
}
