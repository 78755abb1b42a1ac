/* The overflow and edge-row catalogue: named rows with what each entry's
 * declared policy says it must do on them (DESIGN.md, "Operations and
 * their contracts"). */
#ifndef SMX_SCENARIOS_H
#define SMX_SCENARIOS_H

#include <stddef.h>

#include "measure.h"
#include "profiles.h"
#include "smx.h"
#include "verdict.h"

enum smx_scen_kind {
	SMX_SCEN_FINITE,     /* finite entries (maybe -inf masks): the reference answers */
	SMX_SCEN_NAN,	     /* a NaN entry: NaN must reach the row */
	SMX_SCEN_ALL_NEGINF, /* every entry -inf: per policy, NaN or zeros */
	SMX_SCEN_POS_INF,    /* +inf entries: per policy, NaN or the limit */
	SMX_SCEN_EMPTY,	     /* n = 0: nothing to do, nothing touched */
};

/* The longest catalogue row: the blocked kernels' first block (SMX_BLOCK_BYTES
 * of f32) and a tail. */
#define SMX_SCEN_MAX_N 4160

struct smx_scenario {
	char name[48];
	enum smx_scen_kind kind;
	enum smx_rowkind rk; /* what the edge profiles call it */
	size_t n;
	double x[SMX_SCEN_MAX_N]; /* the row (values of the dtype) */
	int64_t target;		  /* its class index (xent, xent_fused) */
};

/* The catalogue for a dtype; returns the count, fills up to max. */
size_t smx_scenarios(smx_dtype dt, struct smx_scenario *out, size_t max);
/* The cross-entropy ops' catalogue (xent_edges.c): rows with targets. */
size_t smx_xent_scenarios(smx_dtype dt, struct smx_scenario *out, size_t max);
/* The catalogue of op: the cross-entropy one for the ops with class
 * targets, else the logit rows above. */
size_t smx_scenarios_for(smx_op op, smx_dtype dt, struct smx_scenario *out, size_t max);
/* Whether the catalogue speaks of op: the forward ops and the ops with
 * class targets. */
int smx_scenario_op(smx_op op);

/* Run im on the scenario's row and classify it (smx_classify) against the
 * reference: ok means within the entry's declared bound (for an entry that claims
 * none, within SMX_PEER_OK_ULP ulps). *max_ulp gets the largest error
 * (NaN when the reference is undefined). */
#define SMX_PEER_OK_ULP 64.0
enum smx_outcome smx_scenario_run(const struct smx_impl *im, const struct smx_scenario *s,
				  double *max_ulp);

/* The same in the runner with guard pages: r gets how the call went, and
 * the outcome means something only when it returned (SMX_RUN_OK or
 * SMX_RUN_FPENV). r NULL: as smx_scenario_run. */
struct smx_run_result;
enum smx_outcome smx_scenario_run_in(const struct smx_impl *im, const struct smx_scenario *s,
				     double *max_ulp, struct smx_run_result *r);

/* What the entry's policy declares for the scenario; any = 1 when the
 * policy allows every outcome (a row beyond a no-shift entry's domain). */
enum smx_outcome smx_scenario_expect(const struct smx_impl *im, const struct smx_scenario *s,
				     int *any);

/* Thresholds (a scan by binades, then bisection): the smallest scale S
 * at which rows uniform in (-S, S) leave "ok", and the smallest gap R at
 * which the row (0, -R/3, -2R/3, -R, ...) leaves it. 0 when the entry stays ok up
 * to the format's largest value. */
double smx_threshold_scale(const struct smx_impl *im, enum smx_outcome *becomes);
double smx_threshold_range(const struct smx_impl *im, enum smx_outcome *becomes);

#endif
