/* PyTorch's rows in the report; see torch.h. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "measure.h"
#include "outputs.h"
#include "proc.h"
#include "torch.h"

/* The dump's shape: enough rows for a maximum to mean something, in
 * about a second. */
#define ROWS "32"
#define N "1000"

const char *smx_torch_python(void)
{
	const char *p = getenv("SMX_PYTHON");
	return p && *p ? p : "/usr/bin/python3";
}

void smx_torch_init(struct smx_table *t)
{
	static const struct smx_column cols[] = {
	    {"output set", SMX_STR, 1}, {"op", SMX_STR, 1},	     {"measured as", SMX_STR, 1},
	    {"n", SMX_INT, 1},		{"rows", SMX_INT, 1},	     {"max ulp", SMX_NUM, 1},
	    {"mean ulp", SMX_NUM, 1},	{"sum err ulp", SMX_NUM, 1}, {"bad rows", SMX_INT, 1},
	};
	smx_table_init(t, cols, sizeof cols / sizeof *cols);
}

/* One output set: logits x_<kind>.npy, outputs <op>_cpu_<kind>.npy. */
static int measure(const char *dump, smx_op op, const char *kind, smx_dtype dt, struct smx_table *t,
		   char *err, size_t len)
{
	char xp[4600], yp[4600], name[64];
	snprintf(xp, sizeof xp, "%s/x_%s.npy", dump, kind);
	snprintf(yp, sizeof yp, "%s/%s_cpu_%s.npy", dump, smx_op_name(op), kind);
	struct smx_rows xs, ys;
	if (smx_outputs_load(xp, dt, NULL, &xs, err, len))
		return -1;
	if (smx_outputs_load(yp, dt, NULL, &ys, err, len)) {
		smx_rows_free(&xs);
		return -1;
	}
	size_t n = smx_rows_width(&xs), rows = xs.count;
	struct smx_case c;
	smx_case_adopt(&c, op, &xs);
	struct smx_metrics m;
	smx_metrics_init(&m);
	int rc = smx_outputs_fold(&c, &ys, yp, &m, err, len);
	if (!rc) {
		snprintf(name, sizeof name, "torch-cpu-%s", kind);
		smx_table_add(t, name, smx_op_name(op), smx_dtype_name(dt), (long long)n,
			      (long long)rows, m.max_ulp, smx_metrics_mean_ulp(&m), m.sum_err,
			      (long long)(m.nan_rows + m.inf_rows + m.zero_rows));
	}
	smx_case_free(&c);
	smx_rows_free(&xs);
	smx_rows_free(&ys);
	return rc;
}

size_t smx_torch_rows(const char *dir, const char *scripts, uint64_t seed, struct smx_table *t,
		      char *note, size_t len)
{
	const char *py = smx_torch_python();
	if (len)
		note[0] = 0;
	char log[4400], dump[4400], script[4400], sd[32];
	snprintf(log, sizeof log, "%s/torch.log", dir);
	snprintf(dump, sizeof dump, "%s/torch", dir);
	snprintf(script, sizeof script, "%s/torch_dump.py", scripts);
	snprintf(sd, sizeof sd, "%llu", (unsigned long long)seed);
	const char *probe[] = {py, "-c", "import torch", NULL};
	if (smx_proc_run(probe, NULL, log, log) != 0) {
		snprintf(note, len,
			 "PyTorch is not installed for %s (Debian: python3-torch, "
			 "scripts/install-deps.sh --torch): its rows are left out.",
			 py);
		return 0;
	}
	if (mkdir(dump, 0777) && errno != EEXIST) {
		snprintf(note, len, "PyTorch's rows are left out: %s: %s.", dump, strerror(errno));
		return 0;
	}
	const char *argv[] = {py,    script, "--out",  dump, "--rows", ROWS,
			      "--n", N,	     "--seed", sd,   NULL};
	if (smx_proc_run(argv, NULL, log, log) != 0) {
		snprintf(note, len, "PyTorch's rows are left out: %s failed (see torch.log).",
			 script);
		return 0;
	}
	static const struct {
		const char *kind;
		smx_dtype dt;
	} kinds[] = {{"f32", SMX_F32}, {"f64", SMX_F64}, {"bf16", SMX_F32}};
	size_t added = 0, tried = 0;
	char err[600] = "";
	for (int o = 0; o < 2; o++)
		for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++, tried++)
			added += measure(dump, o ? SMX_OP_LOGSOFTMAX : SMX_OP_SOFTMAX,
					 kinds[k].kind, kinds[k].dt, t, err, sizeof err) == 0;
	/* A row that could not be measured is said, not dropped quietly. */
	if (!added)
		snprintf(note, len, "PyTorch's rows are left out: %s.", err);
	else if (added < tried)
		snprintf(note, len, "%zu of PyTorch's %zu rows are left out; the last reason: %s.",
			 tried - added, tried, err);
	return added;
}
