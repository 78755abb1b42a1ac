/* The dtype table; see dtype.h. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "dtype.h"

static double load_f32(const void *p, size_t i)
{
	return ((const float *)p)[i];
}

static void store_f32(void *p, size_t i, double v)
{
	((float *)p)[i] = (float)v;
}

static double round_f32(double v)
{
	return (double)(float)v;
}

static double next_f32(double c, double dir)
{
	return (double)nextafterf((float)c, (float)dir);
}

static double load_f64(const void *p, size_t i)
{
	return ((const double *)p)[i];
}

static void store_f64(void *p, size_t i, double v)
{
	((double *)p)[i] = v;
}

static double round_f64(double v)
{
	return v;
}

static const struct smx_dtype_info table[SMX_DTYPE_COUNT] = {
    [SMX_F32] = {.name = "f32",
		 .size = sizeof(float),
		 .prec = 24,
		 .emin = -126,
		 .emin_sub = -149,
		 .emax = 127,
		 .max_finite = FLT_MAX,
		 .has_inf = 1,
		 .storage = 1,
		 .sweep = 1,
		 .npy = "<f4",
		 .load = load_f32,
		 .store = store_f32,
		 .round = round_f32,
		 .next = next_f32},
    [SMX_F64] = {.name = "f64",
		 .size = sizeof(double),
		 .prec = 53,
		 .emin = -1022,
		 .emin_sub = -1074,
		 .emax = 1023,
		 .max_finite = DBL_MAX,
		 .has_inf = 1,
		 .storage = 1,
		 .sweep = 1,
		 .npy = "<f8",
		 .load = load_f64,
		 .store = store_f64,
		 .round = round_f64,
		 .next = nextafter},
};

const struct smx_dtype_info *smx_dtype_info(smx_dtype dt)
{
	return &table[dt];
}

int smx_dtype_holds(smx_dtype dt, double v)
{
	if (isnan(v))
		return 1;
	if (isinf(v))
		return table[dt].has_inf;
	return table[dt].round(v) == v;
}

void smx_to_dtype(smx_dtype dt, const double *x, void *out, size_t count)
{
	const struct smx_dtype_info *d = &table[dt];
	for (size_t i = 0; i < count; i++)
		d->store(out, i, x[i]);
}

void smx_from_dtype(smx_dtype dt, const void *in, double *x, size_t count)
{
	const struct smx_dtype_info *d = &table[dt];
	for (size_t i = 0; i < count; i++)
		x[i] = d->load(in, i);
}

const char *smx_dtype_name(smx_dtype dt)
{
	return dt < SMX_DTYPE_COUNT ? table[dt].name : "?";
}

int smx_dtype_parse(const char *s, smx_dtype *dt)
{
	for (int i = 0; i < SMX_DTYPE_COUNT; i++)
		if (!strcmp(s, table[i].name)) {
			*dt = (smx_dtype)i;
			return 0;
		}
	return -1;
}

size_t smx_dtype_size(smx_dtype dt)
{
	return table[dt].size;
}

int smx_dtype_prec(smx_dtype dt)
{
	return table[dt].prec;
}

int smx_dtype_emin_sub(smx_dtype dt)
{
	return table[dt].emin_sub;
}
