/* Metrics of the cross-entropy ops (metrics.h): the loss in ulps against
 * its claim B ulp(loss), the gradient in units of u (p_c + q_c) against
 * B u (p_c + q_c) (smx_xent.h), each claim plus n times half the least
 * subnormal; abs_err keeps max |y - s| (for the loss: nats), and
 * logprob_nats the loss's error where it is a log-prob (no smoothing). The
 * options in force (smx_xent.h) give q and the ignored rows. */
#include <math.h>

#include "dtype.h"
#include "metrics.h"
#include "op.h"
#include "smx_xent.h"
#include "verdict.h"

static void fold(double *m, double v)
{
	if (isnan(*m) || !(v <= *m))
		*m = v;
}

void smx_metrics_xent_row(struct smx_metrics *m, smx_op op, smx_dtype dt,
			  const struct smx_bound *bound, const double *x, const double *t,
			  const double *y, const struct smx_refval *ref, int status, size_t n,
			  double *errs)
{
	m->kl = m->sum_err = NAN;
	if (status != SMX_REF_OK) {
		m->undefined_rows++;
		return;
	}
	m->rows++;
	const struct smx_dtype_info *di = smx_dtype_info(dt);
	double u = ldexp(1, -di->prec), sub = ldexp(1, di->emin_sub);
	/* dmax over the entries whose exp does not underflow (smx_xent.h). */
	double mx = -INFINITY, dmax = 0, sum = 0, cut = -(double)di->emin_sub * log(2);
	for (size_t j = 0; j < n; j++)
		mx = fmax(mx, x[j]);
	for (size_t j = 0; j < n; j++) {
		double d = mx - x[j];
		if (d <= cut && d > dmax)
			dmax = d;
		sum += exp(x[j] - mx);
	}
	int64_t tg = (int64_t)t[0], ig = smx_xent_params_active()->ignore_index;
	double eps = smx_xent_eps(dt);
	int grad = smx_op_info(op)->out == SMX_LEN_N; /* the gradient, not the loss */
	size_t outs = smx_op_out_len(op, n);
	double row_ratio = bound ? 0 : NAN, num = 0, den = 0, scale_total = 0, total = 0;
	for (size_t k = 0; k < outs; k++) {
		double e = smx_ulp_error(&ref[k], y[k]), s = smx_ref_value(&ref[k]);
		if (errs)
			errs[k] = e;
		double err = isfinite(e) ? ldexp(e, ref[k].e) : INFINITY;
		if (isfinite(e)) {
			m->comps++;
			m->sum_ulp += e;
		}
		if (e > m->max_ulp || isnan(e))
			m->max_ulp = e;
		if (s != 0)
			fold(&m->max_rel, err / fabs(s));
		fold(&m->abs_err, err);
		/* Without smoothing the loss is -log p_t: its error is the
		 * target's log-prob error in nats (an ignored row has none). */
		if (!grad && eps == 0 && tg != ig)
			fold(&m->logprob_nats, err);
		double scale = 1, r = NAN;
		if (grad) {
			double q = (tg == (int64_t)k ? 1 - eps : 0) + eps / (double)n;
			scale = tg == ig ? 0 : exp(x[k] - mx) / sum + q;
			fold(&m->cond_err, smx_cond_units(dt, e, ref[k].e, scale));
			if (bound) {
				double d = isfinite(x[k]) ? mx - x[k] : 0;
				double lim = smx_bound_at(bound, n, d, dmax);
				/* An ignored row's exact gradient is 0: any other
				 * value is wrong (n sub / 2 may round to 0 in f64). */
				r = tg == ig ? (err == 0 ? 0 : INFINITY)
					     : err / (lim * u * scale + (double)n * sub / 2);
				/* The target at the maximum may claim B ulp(g_t)
				 * without smoothing. */
				if (eps == 0 && tg == (int64_t)k && x[k] == mx)
					r = fmin(r, e / (lim +
							 (double)n * sub / 2 / ldexp(1, ref[k].e)));
			}
			total += y[k];
			scale_total += scale;
		} else {
			fold(&m->cond_err, smx_cond_units(dt, e, ref[k].e, fmax(1, fabs(s))));
			if (bound)
				r = e / (smx_bound_at(bound, n, 0, dmax) +
					 (double)n * sub / 2 / ldexp(1, ref[k].e));
		}
		if (bound) {
			if (!(r <= row_ratio))
				row_ratio = r;
			fold(&m->decl_ratio, r);
		}
		num = err > num || isnan(err) ? err : num;
		den = fabs(s) > den ? fabs(s) : den;
	}
	if (grad)
		fold(&m->invariant, smx_cond_units(dt, fabs(total), 0, scale_total));
	enum smx_outcome o = smx_classify(op, status, y, ref, outs, row_ratio);
	m->nan_rows += o == SMX_OUT_NAN;
	m->inf_rows += o == SMX_OUT_INF;
	m->wrong_rows += o == SMX_OUT_WRONG;
	double nr = den > 0 ? num / den : num > 0 ? INFINITY : 0;
	if (!(nr <= m->norm_rel))
		m->norm_rel = nr;
}
