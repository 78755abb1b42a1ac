/* smx exp: the error of the vector exp layers (vec_math.inc), on random
 * inputs or, for f32, on every float of the range they serve. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dtype.h"
#include "progress.h"
#include "metrics.h"
#include "smx_impls.h"
#include "util.h"

static const char help[] =
    "usage: smx exp [--dtype LIST] [--samples N] [--exhaustive] [--seed S]\n"
    "               [--format table|csv|json] [--output FILE]\n"
    "Max ulp error of each vector exp layer this CPU runs, on N random inputs\n"
    "(uniform in the bits over the range the layer serves, against MPFR) or, with\n"
    "--exhaustive, on every f32 in that range (against glibc's double exp, whose\n"
    "error is below 2^-28 f32 ulps).\n";

typedef void (*exp_f32)(const float *, float *, size_t);
typedef void (*exp_f64)(const double *, double *, size_t);

/* The range each layer serves (its lo, hi): inputs whose exp rounds to neither 0 nor
 * inf (f32: exactly; f64: slightly inside). */
static const double lo32 = -0x1.9fe368p+6, hi32 = 0x1.62e42ep+6; /* -103.972076, 88.722832 */
static const double lo64 = -0x1.7490a3d70a3d7p+9, hi64 = 0x1.62e3d70a3d70ap+9; /* -745.13, 709.78 */

static const struct layer {
	smx_dtype dt;
	const char *isa;
	unsigned cpu;
	exp_f32 f32;
	exp_f64 f64;
	double lo, hi;
} layers[] = {
#define SMX_EXP_ROW_f32(isa, cpu) {SMX_F32, #isa, cpu, smx_exp_f32__##isa, NULL, lo32, hi32},
#define SMX_EXP_ROW_f64(isa, cpu) {SMX_F64, #isa, cpu, NULL, smx_exp_f64__##isa, lo64, hi64},
#define SMX_EXP_ROW(dt, isa, cpu) SMX_EXP_ROW_##dt(isa, cpu)
    SMX_EXP_LAYERS(SMX_EXP_ROW)
#undef SMX_EXP_ROW
#undef SMX_EXP_ROW_f32
#undef SMX_EXP_ROW_f64
};

static double ulp_err_f32(float y, double e)
{
	int ex = ilogb(e) - 23;
	return fabs((double)y - e) / ldexp(1.0, ex < -149 ? -149 : ex);
}

struct worst {
	double ulp, x;
	size_t over1, count;
};

static void fold(struct worst *w, double e, double x)
{
	w->count++;
	if (e > 1)
		w->over1++;
	if (e > w->ulp || isnan(e)) {
		w->ulp = e;
		w->x = x;
	}
}

/* Every float in [lo32, hi32], split across threads by exponent bits. */
static struct worst sweep_f32(exp_f32 f)
{
	struct worst all = {0};
	const uint32_t top_pos = 0x42b17217u; /* bits of hi32 */
	const uint32_t top_neg = 0xc2cff1b4u; /* bits of lo32 */
	long chunks = (long)((top_neg >> 16) + 1);
#pragma omp parallel
	{
		struct worst w = {0};
		float x[65536], y[65536];
#pragma omp for schedule(dynamic, 16)
		for (long c = 0; c < chunks; c++) {
			size_t k = 0;
			for (uint32_t b = (uint32_t)c << 16; b < ((uint32_t)c + 1) << 16; b++) {
				if ((b < 0x80000000u && b > top_pos) || b > top_neg)
					continue;
				memcpy(&x[k++], &b, sizeof b);
			}
			f(x, y, k);
			for (size_t i = 0; i < k; i++)
				fold(&w, ulp_err_f32(y[i], exp((double)x[i])), x[i]);
		}
#pragma omp critical
		{
			all.count += w.count;
			all.over1 += w.over1;
			if (w.ulp > all.ulp) {
				all.ulp = w.ulp;
				all.x = w.x;
			}
		}
	}
	return all;
}

static struct worst sample(const struct layer *l, size_t samples, uint64_t seed)
{
	struct worst w = {0};
	enum { CH = 4096 };
	double xd[CH], yd[CH];
	float xf[CH], yf[CH];
	const double lo = l->lo, hi = l->hi;
	for (size_t done = 0; done < samples; done += CH) {
		size_t k = samples - done < CH ? samples - done : CH;
		for (size_t i = 0; i < k; i++) {
			/* Uniform in magnitude bits: every binade equally often. */
			double u = smx_uniform01(&seed), s = smx_uniform01(&seed) < 0.5 ? lo : hi;
			double v = s * exp2(-60 * u * u);
			xd[i] = smx_dtype_info(l->dt)->round(v);
			xf[i] = (float)xd[i];
		}
		if (l->dt == SMX_F32) {
			l->f32(xf, yf, k);
			for (size_t i = 0; i < k; i++)
				fold(&w, smx_exp_ulp_error(yf[i], xd[i], SMX_F32), xd[i]);
		} else {
			l->f64(xd, yd, k);
			for (size_t i = 0; i < k; i++)
				fold(&w, smx_exp_ulp_error(yd[i], xd[i], SMX_F64), xd[i]);
		}
	}
	return w;
}

static const struct smx_column cols[] = {
    {"dtype", SMX_STR, 1},     {"isa", SMX_STR, 1},	{"mode", SMX_STR, 1},
    {"inputs", SMX_INT, 1},    {"max_ulp", SMX_NUM, 1}, {"at_x", SMX_NUM, 1},
    {"over_1ulp", SMX_INT, 1},
};

int smx_cmd_exp(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dtype", required_argument, 0, 'd'},  {"samples", required_argument, 0, 'n'},
	    {"exhaustive", no_argument, 0, 'x'},   {"seed", required_argument, 0, 's'},
	    {"format", required_argument, 0, 'f'}, {"output", required_argument, 0, 'o'},
	    {"help", no_argument, 0, 'h'},	   {0, 0, 0, 0},
	};
	struct smx_sel sel;
	smx_sel_init(&sel);
	size_t samples = 1000000;
	int exhaustive = 0;
	uint64_t seed = 1;
	enum smx_format fmt = SMX_FMT_TABLE;
	const char *output = NULL;
	const struct smx_common co = {"exp", help, &sel, &fmt,	&output,
				      NULL,  NULL, NULL, &seed, NULL};
	int c;
	while ((c = smx_getopt(argc, argv, opts, "exp")) != -1) {
		switch (c) {
		case 'n':
			samples = smx_arg_size("exp", "--samples", optarg, 1, (size_t)1 << 34);
			break;
		case 'x':
			exhaustive = 1;
			break;
		default:
			smx_common_opt(c, &co);
		}
	}
	smx_common_end(argc, argv, &co);
	for (size_t d = 0; exhaustive && d < sel.ndts; d++)
		if (sel.dts[d] != SMX_F32)
			smx_die("exp: --exhaustive covers f32 only (every f64 is out of reach): "
				"use --dtype f32");
	struct smx_table t;
	smx_table_init(&t, cols, sizeof cols / sizeof *cols);
	smx_progress_begin("exp", sizeof layers / sizeof *layers, 0);
	for (size_t i = 0; i < sizeof layers / sizeof *layers; i++) {
		const struct layer *l = &layers[i];
		int chosen = 0;
		for (size_t d = 0; d < sel.ndts; d++)
			chosen |= sel.dts[d] == l->dt;
		if (!chosen || (l->cpu & ~smx_cpu_features())) {
			smx_progress_step();
			continue;
		}
		int full = exhaustive && l->dt == SMX_F32;
		smx_progress_cell(0, "%s %s %s", smx_dtype_name(l->dt), l->isa,
				  full ? "exhaustive" : "random");
		struct worst w = full ? sweep_f32(l->f32) : sample(l, samples, seed);
		smx_progress_step();
		smx_table_add(&t, smx_dtype_name(l->dt), l->isa, full ? "exhaustive" : "random",
			      (long long)w.count, w.ulp, w.x, (long long)w.over1);
	}
	smx_progress_end();
	FILE *f = smx_out_open(output);
	smx_table_write(&t, f, fmt, NULL);
	smx_out_commit(f);
	smx_table_free(&t);
	return 0;
}
