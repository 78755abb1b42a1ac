/* XNNPACK's and oneDNN's f32 softmax behind the registry signature, one
 * thread each. Operators are created once per shape and kept, so a timed
 * call costs what an application that reuses its operator pays. Neither
 * library states an error bound, so the entries claim none (bound c0 =
 * inf); their edge behaviour is measured, not declared (policy NAN is the
 * IEEE default, the overflow report shows what they really do). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "peers.h"

#define PEER(op_, algo_, fn_, note_)                                                               \
	{                                                                                          \
		.name = algo_ "/peer", .algo = algo_, .isa = "peer", .op = op_, .dtype = SMX_F32,  \
		.fn.f32 = fn_, .cpu = 0,                                                           \
		.policy = {.all_neginf = SMX_EDGE_NAN, .pos_inf = SMX_EDGE_NAN, .overflows = 0},   \
		.bound = {.kind = SMX_BOUND_ULP, .c0 = INFINITY}, .origin = SMX_ORIGIN_PEER,       \
		.note = note_                                                                      \
	}

#ifdef SMX_HAVE_XNNPACK
#include <xnnpack.h>

static void xnnpack_softmax(const float *x, float *y, size_t rows, size_t n)
{
	static xnn_operator_t op;
	static size_t op_n;
	if (!op || op_n != n) {
		if (xnn_initialize(NULL) != xnn_status_success) {
			fputs("smx: xnnpack: initialisation failed\n", stderr);
			exit(2);
		}
		if (op)
			xnn_delete_operator(op);
		op = NULL;
		if (n == 0 || xnn_create_softmax_nc_f32(n, n, n, 0, &op) != xnn_status_success) {
			for (size_t i = 0; i < rows * n; i++)
				y[i] = NAN; /* XNNPACK has no operator for this shape */
			op = NULL;
			return;
		}
		op_n = n;
	}
	if (xnn_setup_softmax_nc_f32(op, rows, x, y, NULL) != xnn_status_success ||
	    xnn_run_operator(op, NULL) != xnn_status_success)
		for (size_t i = 0; i < rows * n; i++)
			y[i] = NAN;
}
#endif

#ifdef SMX_HAVE_DNNL
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#define VSTR_(x) #x
#define VSTR(x) VSTR_(x)

struct dnnl_op {
	dnnl_primitive_t prim;
	dnnl_memory_t src, dst;
	size_t rows, n;
};

static dnnl_engine_t engine;
static dnnl_stream_t stream;

static int dnnl_prepare(struct dnnl_op *o, dnnl_alg_kind_t alg, size_t rows, size_t n)
{
	if (o->prim && o->rows == rows && o->n == n)
		return 0;
	if (!engine &&
	    (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success ||
	     dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success))
		return -1;
	if (o->prim) {
		dnnl_primitive_destroy(o->prim);
		dnnl_memory_destroy(o->src);
		dnnl_memory_destroy(o->dst);
		o->prim = NULL;
	}
	dnnl_memory_desc_t md;
	dnnl_dims_t dims = {(dnnl_dim_t)rows, (dnnl_dim_t)n};
	dnnl_softmax_v2_desc_t sd;
	dnnl_primitive_desc_t pd;
	if (dnnl_memory_desc_init_by_tag(&md, 2, dims, dnnl_f32, dnnl_ab) != dnnl_success ||
	    dnnl_softmax_v2_forward_desc_init(&sd, dnnl_forward_inference, alg, &md, &md, 1) !=
		dnnl_success ||
	    dnnl_primitive_desc_create(&pd, &sd, NULL, engine, NULL) != dnnl_success)
		return -1;
	int bad = dnnl_primitive_create(&o->prim, pd) != dnnl_success;
	dnnl_primitive_desc_destroy(pd);
	if (bad || dnnl_memory_create(&o->src, &md, engine, DNNL_MEMORY_NONE) != dnnl_success ||
	    dnnl_memory_create(&o->dst, &md, engine, DNNL_MEMORY_NONE) != dnnl_success)
		return -1;
	o->rows = rows;
	o->n = n;
	return 0;
}

static void dnnl_run(struct dnnl_op *o, dnnl_alg_kind_t alg, const float *x, float *y, size_t rows,
		     size_t n)
{
	int threads = omp_get_max_threads();
	omp_set_num_threads(1);
	int bad = rows == 0 || n == 0 || dnnl_prepare(o, alg, rows, n) ||
		  dnnl_memory_set_data_handle(o->src, (void *)x) != dnnl_success ||
		  dnnl_memory_set_data_handle(o->dst, y) != dnnl_success;
	if (!bad) {
		dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, o->src}, {DNNL_ARG_DST, o->dst}};
		bad = dnnl_primitive_execute(o->prim, stream, 2, args) != dnnl_success ||
		      dnnl_stream_wait(stream) != dnnl_success;
	}
	omp_set_num_threads(threads);
	if (bad)
		for (size_t i = 0; i < rows * n; i++)
			y[i] = NAN;
}

static void onednn_softmax(const float *x, float *y, size_t rows, size_t n)
{
	static struct dnnl_op o;
	dnnl_run(&o, dnnl_softmax_accurate, x, y, rows, n);
}

static void onednn_logsoftmax(const float *x, float *y, size_t rows, size_t n)
{
	static struct dnnl_op o;
	dnnl_run(&o, dnnl_softmax_log, x, y, rows, n);
}
#endif

static const struct smx_impl peers[] = {
#ifdef SMX_HAVE_XNNPACK
    PEER(SMX_OP_SOFTMAX, "xnnpack", xnnpack_softmax, "XNNPACK softmax_nc_f32, one thread"),
#endif
#ifdef SMX_HAVE_DNNL
    PEER(SMX_OP_SOFTMAX, "onednn", onednn_softmax, "oneDNN softmax_v2 accurate, one thread"),
    PEER(SMX_OP_LOGSOFTMAX, "onednn", onednn_logsoftmax, "oneDNN softmax_v2 log, one thread"),
#endif
    {.name = NULL},
};

size_t smx_peer_count(void)
{
	return sizeof peers / sizeof peers[0] - 1;
}

const struct smx_impl *smx_peer_get(size_t i)
{
	return i < smx_peer_count() ? &peers[i] : NULL;
}

const char *smx_peer_versions(void)
{
	static char buf[128];
	snprintf(buf, sizeof buf, "%s%s%s",
#ifdef SMX_HAVE_XNNPACK
		 "xnnpack (Debian libxnnpack-dev)",
#else
		 "",
#endif
#if defined(SMX_HAVE_XNNPACK) && defined(SMX_HAVE_DNNL)
		 ", ",
#else
		 "",
#endif
#ifdef SMX_HAVE_DNNL
		 "onednn " VSTR(DNNL_VERSION_MAJOR) "." VSTR(DNNL_VERSION_MINOR) "." VSTR(
		     DNNL_VERSION_PATCH)
#else
		 ""
#endif
	);
	return buf[0] ? buf : "none";
}

const char *smx_peer_missing(void)
{
	return
#ifndef SMX_HAVE_XNNPACK
	    "XNNPACK rows skipped: built without libxnnpack-dev (scripts/install-deps.sh --peers)\n"
#endif
#ifndef SMX_HAVE_DNNL
	    "oneDNN rows skipped: built without libdnnl-dev (scripts/install-deps.sh --peers)\n"
#endif
	    "";
}
