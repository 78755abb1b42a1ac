/* Cross-entropy plug-ins that take the options (ABI 2's f32_x): a correct
 * loss and gradient, and the planted bugs of xent_planted.h, each of which
 * accuracy must fail under --label-smoothing / --ignore-index; and an
 * entry with the plain two-input function only, which smx must not run
 * under options other than the defaults. */
#include "smx_plugin.h"
#include "xent_planted.h"

XP_RUN(float, loss_ok, XP_OK, 0)
XP_RUN(float, loss_noeps, XP_NO_EPS, 0)
XP_RUN(float, loss_nm1, XP_EPS_NM1, 0)
XP_RUN(float, loss_noignore, XP_NO_IGNORE, 0)
XP_RUN(float, grad_ok, XP_OK, 1)
XP_RUN(float, grad_noeps, XP_NO_EPS, 1)
XP_RUN(float, grad_nm1, XP_EPS_NM1, 1)
XP_RUN(float, grad_noignore, XP_NO_IGNORE, 1)

/* The defaults' loss through the plain signature. */
static void legacy(const float *x, const float *t, float *out, size_t rows, size_t n)
{
	const struct smx_xent_params p = {sizeof p, 0, -100};
	loss_ok(x, t, out, rows, n, &p);
}

#define LOSS(nm, f)                                                                                \
	{                                                                                          \
		SMX_ENTRY_SIZE, .op = "xent", .dtype = "f32", .name = nm, .f32_x = f, .bound = {   \
			.c0 = 2                                                                    \
		}                                                                                  \
	}
#define GRAD(nm, f)                                                                                \
	{                                                                                          \
		SMX_ENTRY_SIZE, .op = "xent_fused", .dtype = "f32", .name = nm, .f32_x = f,        \
				.bound = {                                                         \
					.kind = "cond",                                            \
					.c0 = 4                                                    \
				}                                                                  \
	}
static const struct smx_plugin_entry entries[] = {
    LOSS("xsmooth/ok", loss_ok),
    LOSS("xsmooth/noeps", loss_noeps),
    LOSS("xsmooth/nm1", loss_nm1),
    LOSS("xsmooth/noignore", loss_noignore),
    GRAD("xsmooth/ok", grad_ok),
    GRAD("xsmooth/noeps", grad_noeps),
    GRAD("xsmooth/nm1", grad_nm1),
    GRAD("xsmooth/noignore", grad_noignore),
    {SMX_ENTRY_SIZE, .op = "xent", .dtype = "f32", .name = "xsmooth/legacy", .f32_2 = legacy,
     .bound = {.c0 = 2}},
};
const struct smx_plugin2 smx_plugin = {SMX_PLUGIN_ABI_2, sizeof entries / sizeof *entries, entries};
