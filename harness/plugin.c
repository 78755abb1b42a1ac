/* Plug-ins: dlopen, validate, register. See plugin.h. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "op.h"
#include "plugin.h"
#include "variant.h"
#include "runner.h"
#include "smx_plugin.h"
#include "util.h"

static int parse_edge(const char *s, smx_edge *e)
{
	if (!s || !strcmp(s, "nan"))
		*e = SMX_EDGE_NAN;
	else if (!strcmp(s, "zero"))
		*e = SMX_EDGE_ZERO;
	else if (!strcmp(s, "limit"))
		*e = SMX_EDGE_LIMIT;
	else
		return -1;
	return 0;
}

/* What one entry declares, from either ABI. */
struct desc {
	const char *op, *dtype, *name, *note;
	smx_fn_f32 f32;
	smx_fn_f64 f64;
	smx_fn2_f32 f32_2;
	smx_fn2_f64 f64_2;
	const char *all_neginf, *pos_inf;
	int overflows;
	const char *kind; /* NULL: the op's default */
	double c0, cn, cd, cm, domain;
	unsigned variants;
	smx_fnv_f32 f32_v;
	smx_fnv_f64 f64_v;
	const char *recipe;
	const char *out_format;
	double out_scale;
	smx_fnx_f32 f32_x;
	smx_fnx_f64 f64_x;
};

/* The plug-ins loaded, in order (the runner loads the same ones). */
static struct loaded {
	char *path;	     /* absolute */
	size_t first, count; /* registry indices of its entries */
	int fpenv_changed;   /* loading it changed the FP environment */
	struct smx_fpenv found;
} loaded[64];
static size_t nloaded;

static int parse_kind(const struct desc *e, smx_op op, smx_bound_kind *k)
{
	static const char *const names[] = {
	    [SMX_BOUND_ULP] = "ulp", [SMX_BOUND_ABS] = "abs", [SMX_BOUND_COND] = "cond"};
	const struct smx_op_info *oi = smx_op_info(op);
	if (!e->kind) {
		*k = oi->kind;
		return 0;
	}
	for (int i = 0; i < (int)(sizeof names / sizeof *names); i++)
		if (!strcmp(e->kind, names[i]) && oi->kinds >> i & 1) {
			*k = (smx_bound_kind)i;
			return 0;
		}
	return -1;
}

/* The output format and scale (softmax only; no variants, whose prelude
 * and claims speak of the dtype). */
static void add_out(const char *path, const struct desc *e, struct smx_impl *im)
{
	smx_dtype out = im->dtype;
	if (e->out_format && smx_dtype_parse(e->out_format, &out))
		smx_die("--plugin: %s: %s: out_format '%s' is not a dtype", path, e->name,
			e->out_format);
	double s = e->out_scale;
	if (!(s == 0 || s == SMX_SCALE_AMAX || (s > 0 && isfinite(s))))
		smx_die("--plugin: %s: %s: out_scale %g is not 0, SMX_SCALE_AMAX or a finite S > 0",
			path, e->name, s);
	if (out == im->dtype && s == 0)
		return;
	if (im->op != SMX_OP_SOFTMAX || e->variants)
		smx_die("--plugin: %s: %s: an output format or scale needs op softmax and no "
			"variants",
			path, e->name);
	const char *last = e->recipe ? strrchr(e->recipe, '>') : NULL;
	if (last && strcmp(last + 1, smx_dtype_name(out)))
		smx_die("--plugin: %s: %s: recipe '%s' does not end in the output format %s", path,
			e->name, e->recipe, smx_dtype_name(out));
	im->out_fmt = SMX_OUT_FMT(out);
	im->out_scale = s;
}

static void add(const char *path, size_t i, const struct desc *e)
{
	struct smx_impl im = {.origin = SMX_ORIGIN_PLUGIN};
	if (!e->op || smx_op_parse(e->op, &im.op))
		smx_die("--plugin: %s: entry %zu: unknown op '%s'", path, i,
			e->op ? e->op : "(null)");
	if (!e->dtype || smx_dtype_parse(e->dtype, &im.dtype))
		smx_die("--plugin: %s: entry %zu: unknown dtype '%s'", path, i,
			e->dtype ? e->dtype : "(null)");
	if (im.dtype != SMX_F32 && im.dtype != SMX_F64)
		smx_die("--plugin: %s: entry %zu: dtype '%s': a plug-in kernel takes f32 or f64 "
			"(an 8-bit output is out_format)",
			path, i, e->dtype);
	const char *slash = e->name ? strchr(e->name, '/') : NULL;
	if (!slash || slash == e->name || !slash[1] || strchr(slash + 1, '/') ||
	    strlen(e->name) > 60 || strpbrk(e->name, " \t\n,;"))
		smx_die("--plugin: %s: entry %zu: name '%s' is not <algo>/<isa>", path, i,
			e->name ? e->name : "(null)");
	int two = smx_op_arity(im.op) == 2;
	void (*fx)(void) =
	    im.dtype == SMX_F32 ? (void (*)(void))e->f32_x : (void (*)(void))e->f64_x;
	if (fx && smx_op_info(im.op)->in[1] != SMX_ARG_TARGETS)
		smx_die("--plugin: %s: %s: %s_x functions are for the xent ops, not %s", path,
			e->name ? e->name : "(null)", e->dtype, e->op);
	void (*want)(void) = im.dtype == SMX_F32
				 ? (two ? (void (*)(void))e->f32_2 : (void (*)(void))e->f32)
				 : (two ? (void (*)(void))e->f64_2 : (void (*)(void))e->f64);
	if (fx)
		want = fx;
	if (!want)
		smx_die("--plugin: %s: %s: no %s function for %s %s", path, e->name,
			two ? "two-input" : "one-input", e->op, e->dtype);
	if (smx_registry_find(im.op, im.dtype, e->name))
		smx_die("--plugin: %s: %s %s %s is already registered", path, e->op, e->dtype,
			e->name);
	if (parse_edge(e->all_neginf, &im.policy.all_neginf) ||
	    parse_edge(e->pos_inf, &im.policy.pos_inf))
		smx_die("--plugin: %s: %s: edge policy is not nan, zero or limit", path, e->name);
	const double co[5] = {e->c0, e->cn, e->cd, e->cm, e->domain};
	for (int k = 0; k < 5; k++)
		if (!(co[k] >= 0) || isinf(co[k]))
			smx_die("--plugin: %s: %s: bound %g is not a finite number >= 0", path,
				e->name, co[k]);
	if (parse_kind(e, im.op, &im.bound.kind))
		smx_die("--plugin: %s: %s: bound kind '%s' does not apply to %s (ulp or abs "
			"for the forward ops, ulp for the Jacobian, cond for the backward ops)",
			path, e->name, e->kind, e->op);
	if (!smx_op_forward(im.op) && (e->cd > 0 || e->cm > 0))
		smx_die("--plugin: %s: %s: the bound of %s takes c0 and cn only", path, e->name,
			e->op);
	/* Owned copies: the names outlive nothing but the process. */
	char *name = smx_alloc(strlen(e->name) + 1, 1), *algo = smx_alloc(strlen(e->name) + 1, 1);
	strcpy(name, e->name);
	strcpy(algo, e->name);
	algo[slash - e->name] = 0;
	im.name = name;
	im.algo = algo;
	im.isa = name + (slash - e->name) + 1;
	if (two && im.dtype == SMX_F32)
		im.fn2.f32 = e->f32_2;
	else if (two)
		im.fn2.f64 = e->f64_2;
	else if (im.dtype == SMX_F32)
		im.fn.f32 = e->f32;
	else
		im.fn.f64 = e->f64;
	if (im.dtype == SMX_F32)
		im.fnx.f32 = e->f32_x;
	else
		im.fnx.f64 = e->f64_x;
	im.policy.overflows = e->overflows != 0;
	/* Every coefficient 0 claims nothing. */
	int claim = e->c0 > 0 || e->cn > 0 || e->cd > 0 || e->cm > 0;
	im.bound.c0 = claim ? e->c0 : INFINITY;
	im.bound.cn = e->cn;
	im.bound.cd = e->cd;
	im.bound.cm = e->cm;
	im.bound.domain = e->domain;
	im.note = e->note ? e->note : "plug-in";
	if (e->recipe && smx_recipe_check(e->recipe, im.dtype))
		smx_die("--plugin: %s: %s: recipe '%s' is not %s>compute>output in dtype names",
			path, e->name, e->recipe, e->dtype);
	if (e->recipe) {
		char *r = smx_alloc(strlen(e->recipe) + 1, 1);
		strcpy(r, e->recipe);
		im.recipe = r;
	}
	void (*fv)(void) =
	    im.dtype == SMX_F32 ? (void (*)(void))e->f32_v : (void (*)(void))e->f64_v;
	if (e->variants & ~(unsigned)SMX_VARIANT_ALL)
		smx_die("--plugin: %s: %s: variants 0x%x has bits no variant uses", path, e->name,
			e->variants);
	if (e->variants && (!smx_variant_op(im.op) || !fv))
		smx_die("--plugin: %s: %s: variants need softmax or logsoftmax and a %s_v function",
			path, e->name, e->dtype);
	im.variants = e->variants;
	add_out(path, e, &im);
	if (im.dtype == SMX_F32)
		im.fnv.f32 = e->f32_v;
	else
		im.fnv.f64 = e->f64_v;
	if (smx_registry_add(&im))
		smx_die("--plugin: %s: out of memory", path);
}

static void add_abi1(const char *path, const struct smx_plugin *p)
{
	if (p->count > 0 && !p->impls)
		smx_die("--plugin: %s: %zu entries but no table", path, p->count);
	if (p->count > 256)
		smx_die("--plugin: %s: %zu entries (at most 256)", path, p->count);
	for (size_t i = 0; i < p->count; i++) {
		const struct smx_plugin_impl *e = &p->impls[i];
		struct desc d = {.op = e->op,
				 .dtype = e->dtype,
				 .name = e->name,
				 .note = e->note,
				 .f32 = e->f32,
				 .f64 = e->f64,
				 .f32_2 = e->f32_2,
				 .f64_2 = e->f64_2,
				 .all_neginf = e->all_neginf,
				 .pos_inf = e->pos_inf,
				 .overflows = e->overflows,
				 .c0 = e->bound};
		add(path, i, &d);
	}
}

/* ABI 2: step through the table by each entry's own size; fields past the
 * ones this smx knows must be zero (see smx_plugin.h). */
static void add_abi2(const char *path, const struct smx_plugin2 *p)
{
	if (p->count > 0 && !p->entries)
		smx_die("--plugin: %s: %zu entries but no table", path, p->count);
	if (p->count > 256)
		smx_die("--plugin: %s: %zu entries (at most 256)", path, p->count);
	const unsigned char *at = (const unsigned char *)p->entries;
	for (size_t i = 0; i < p->count; i++) {
		const struct smx_plugin_entry *e =
		    (const struct smx_plugin_entry *)(const void *)at;
		if (e->size < SMX_ENTRY_SIZE_V0 || e->size > 65536 || e->size % sizeof(void *))
			smx_die(
			    "--plugin: %s: entry %zu: size %zu is not an entry's size (set it to "
			    "SMX_ENTRY_SIZE)",
			    path, i, e->size);
		for (size_t b = sizeof *e; b < e->size; b++)
			if (at[b])
				smx_die(
				    "--plugin: %s: entry %zu uses fields this smx does not know "
				    "(built for a newer smx_plugin.h)",
				    path, i);
		struct desc d = {e->op,
				 e->dtype,
				 e->name,
				 e->note,
				 e->f32,
				 e->f64,
				 e->f32_2,
				 e->f64_2,
				 e->all_neginf,
				 e->pos_inf,
				 e->overflows,
				 e->bound.kind,
				 e->bound.c0,
				 e->bound.cn,
				 e->bound.cd,
				 e->bound.cm,
				 e->bound.domain,
				 0,
				 NULL,
				 NULL,
				 NULL,
				 NULL,
				 0,
				 NULL,
				 NULL};
		if (e->size >= SMX_ENTRY_SIZE_V1) {
			d.variants = e->variants;
			d.f32_v = e->f32_v;
			d.f64_v = e->f64_v;
		}
		if (e->size > SMX_ENTRY_SIZE_V1)
			d.recipe = e->recipe;
		if (e->size >= SMX_ENTRY_SIZE_V3) {
			d.out_format = e->out_format;
			d.out_scale = e->out_scale;
		}
		if (e->size >= sizeof *e) {
			d.f32_x = e->f32_x;
			d.f64_x = e->f64_x;
		}
		add(path, i, &d);
		at += e->size;
	}
}

static void load(const char *path)
{
	struct stat st;
	if (stat(path, &st))
		smx_die("--plugin: %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		smx_die("--plugin: %s: not a regular file", path);
	if (nloaded == sizeof loaded / sizeof *loaded)
		smx_die("--plugin: %s: more than %zu plug-ins", path, nloaded);
	/* The runner loads the same file whatever directory it runs in. */
	char *full = realpath(path, NULL);
	if (!full)
		smx_die("--plugin: %s: %s", path, strerror(errno));
	/* Start-up code may change the FP environment (-ffast-math's does):
	 * compare around dlopen, put smx's back and remember the violation. */
	struct smx_fpenv before, after;
	smx_fpenv_get(&before);
	void *h = dlopen(full, RTLD_NOW | RTLD_LOCAL);
	smx_fpenv_get(&after);
	struct loaded *l = &loaded[nloaded];
	*l = (struct loaded){.path = full, .first = smx_registry_count()};
	if (after.mxcsr != before.mxcsr || after.x87 != before.x87) {
		l->fpenv_changed = 1;
		l->found = after;
		smx_fpenv_default();
	}
	if (!h) {
		/* dlerror names the file by its full path: the line names it once. */
		const char *why = dlerror();
		size_t fl = strlen(full);
		if (why && !strncmp(why, full, fl) && !strncmp(why + fl, ": ", 2))
			why += fl + 2;
		smx_die("--plugin: %s: not a loadable shared object (%s)", path, why ? why : "?");
	}
	const int *abi = dlsym(h, "smx_plugin");
	if (!abi)
		smx_die("--plugin: %s: no symbol 'smx_plugin' (see impls/smx_plugin.h)", path);
	if (*abi == SMX_PLUGIN_ABI)
		add_abi1(path, (const struct smx_plugin *)(const void *)abi);
	else if (*abi == SMX_PLUGIN_ABI_2)
		add_abi2(path, (const struct smx_plugin2 *)(const void *)abi);
	else
		smx_die("--plugin: %s: ABI version %d, this smx knows %d and %d", path, *abi,
			SMX_PLUGIN_ABI, SMX_PLUGIN_ABI_2);
	l->count = smx_registry_count() - l->first;
	nloaded++;
}

size_t smx_plugin_paths(const char **paths, size_t max)
{
	size_t k = 0;
	for (; k < nloaded && k < max; k++)
		paths[k] = loaded[k].path;
	return k;
}

int smx_plugin_fpenv_at_load(const struct smx_impl *im, struct smx_fpenv *found)
{
	for (size_t i = 0; i < nloaded; i++)
		for (size_t j = 0; j < loaded[i].count; j++)
			if (smx_registry_get(loaded[i].first + j) == im) {
				if (loaded[i].fpenv_changed && found)
					*found = loaded[i].found;
				return loaded[i].fpenv_changed;
			}
	return 0;
}

int smx_plugins_from_argv(int argc, char **argv)
{
	int k = 1;
	for (int i = 1; i < argc; i++) {
		const char *path = NULL;
		if (!strcmp(argv[i], "--plugin")) {
			if (i + 1 >= argc)
				smx_die("--plugin needs a path to a shared object");
			path = argv[++i];
		} else if (!strncmp(argv[i], "--plugin=", 9)) {
			path = argv[i] + 9;
		}
		if (path)
			load(path);
		else
			argv[k++] = argv[i];
	}
	argv[k] = NULL;
	return k;
}

void smx_plugin_argv_text(char *buf, size_t len)
{
	const char *paths[64];
	size_t k = smx_plugin_paths(paths, 64), at = 0;
	buf[0] = 0;
	for (size_t i = 0; i < k && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, " --plugin %s", paths[i]);
}
