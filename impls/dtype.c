/* The dtype table; see dtype.h. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "dtype.h"
#include "lowp.h"

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

/* The formats narrower than float: conversions from lowp.h, and the
 * neighbour of c from the row's precision and exponent range. */
static double next_in(const struct smx_dtype_info *d, double c, double dir)
{
	if (isnan(c) || isnan(dir) || c == dir)
		return isnan(c) || isnan(dir) ? NAN : c;
	double up = dir > c ? 1 : -1;
	if (c == 0)
		return up * ldexp(1.0, d->emin_sub);
	if (isinf(c))
		return copysign(d->max_finite, c);
	int e = ilogb(c);
	double q = ldexp(1.0, e - d->prec + 1 > d->emin_sub ? e - d->prec + 1 : d->emin_sub);
	/* Toward zero from a power of two: the binade below has half the
	 * spacing (above the subnormals). */
	if (fabs(c) == ldexp(1.0, e) && up * c < 0 && e > d->emin)
		q /= 2;
	double r = c + up * q;
	if (fabs(r) > d->max_finite)
		return d->has_inf ? copysign(INFINITY, r) : copysign(d->max_finite, r);
	return r;
}

#define SMX_LOWP_ROW(fmt, T)                                                                       \
	static double load_##fmt(const void *p, size_t i)                                          \
	{                                                                                          \
		return smx_##fmt##_to_float(((const T *)p)[i]);                                    \
	}                                                                                          \
	static void store_##fmt(void *p, size_t i, double v)                                       \
	{                                                                                          \
		((T *)p)[i] = smx_##fmt##_from_double(v);                                          \
	}                                                                                          \
	static double round_##fmt(double v)                                                        \
	{                                                                                          \
		return smx_##fmt##_to_float(smx_##fmt##_from_double(v));                           \
	}
SMX_LOWP_ROW(bf16, uint16_t)
SMX_LOWP_ROW(f16, uint16_t)
SMX_LOWP_ROW(e4m3, uint8_t)
SMX_LOWP_ROW(e5m2, uint8_t)
#undef SMX_LOWP_ROW

static const struct smx_dtype_info table[SMX_DTYPE_COUNT];
#define SMX_NEXT(fmt, DT)                                                                          \
	static double next_##fmt(double c, double dir)                                             \
	{                                                                                          \
		return next_in(&table[DT], c, dir);                                                \
	}
SMX_NEXT(bf16, SMX_BF16)
SMX_NEXT(f16, SMX_F16)
SMX_NEXT(e4m3, SMX_E4M3)
SMX_NEXT(e5m2, SMX_E5M2)
#undef SMX_NEXT

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
    [SMX_BF16] = {.name = "bf16",
		  .size = 2,
		  .prec = 8,
		  .emin = -126,
		  .emin_sub = -133,
		  .emax = 127,
		  .max_finite = SMX_BF16_MAX,
		  .has_inf = 1,
		  .storage = 1,
		  .npy = "<u2", /* NumPy has no bfloat16: bit patterns */
		  .load = load_bf16,
		  .store = store_bf16,
		  .round = round_bf16,
		  .next = next_bf16},
    [SMX_F16] = {.name = "f16",
		 .size = 2,
		 .prec = 11,
		 .emin = -14,
		 .emin_sub = -24,
		 .emax = 15,
		 .max_finite = SMX_F16_MAX,
		 .has_inf = 1,
		 .storage = 1,
		 .npy = "<f2",
		 .load = load_f16,
		 .store = store_f16,
		 .round = round_f16,
		 .next = next_f16},
    /* OCP 8-bit floats (OFP8 1.0): e4m3 has no inf and saturates to +-448,
     * e5m2 overflows to inf. Output formats only. */
    [SMX_E4M3] = {.name = "e4m3",
		  .size = 1,
		  .prec = 4,
		  .emin = -6,
		  .emin_sub = -9,
		  .emax = 8,
		  .max_finite = SMX_E4M3_MAX,
		  .npy = "|u1",
		  .load = load_e4m3,
		  .store = store_e4m3,
		  .round = round_e4m3,
		  .next = next_e4m3},
    [SMX_E5M2] = {.name = "e5m2",
		  .size = 1,
		  .prec = 3,
		  .emin = -14,
		  .emin_sub = -16,
		  .emax = 15,
		  .max_finite = SMX_E5M2_MAX,
		  .has_inf = 1,
		  .npy = "|u1",
		  .load = load_e5m2,
		  .store = store_e5m2,
		  .round = round_e5m2,
		  .next = next_e5m2},
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
