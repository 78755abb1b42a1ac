#define _POSIX_C_SOURCE 200809L
/* The baseline's line format; see baseline.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "baseline.h"
#include "util.h"
#include "variant.h"

const char *smx_bline_key(smx_op op, int i)
{
	/* The third is the op's own (|sum(y) - 1|, or the condition-scaled
	 * error). */
	static const char *const keys[] = {"max_ulp", "mean_ulp", NULL, "bad_rows"};
	return i == 2 ? smx_op_info(op)->key : keys[i];
}

static int parse_kv(const char *tok, const char *key, double *v)
{
	size_t k = strlen(key);
	if (strncmp(tok, key, k) || tok[k] != '=')
		return -1;
	const char *s = tok + k + 1;
	if (!strcmp(s, "inf")) {
		*v = INFINITY;
		return 0;
	}
	char *end;
	errno = 0;
	*v = strtod(s, &end);
	/* A tiny budget may underflow to a subnormal: still a budget. */
	int bad_range = errno && !(errno == ERANGE && *v < 1);
	return bad_range || end == s || *end || !(*v >= 0) ? -1 : 0;
}

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return -1;                                                                         \
	} while (0)

static int parse_policy(const char *tok, const char *key, smx_edge *e)
{
	size_t k = strlen(key);
	if (strncmp(tok, key, k) || tok[k] != '=')
		return -1;
	for (int i = SMX_EDGE_NAN; i <= SMX_EDGE_LIMIT; i++)
		if (!strcmp(tok + k + 1, smx_edge_name((smx_edge)i))) {
			*e = (smx_edge)i;
			return 0;
		}
	return -1;
}

static int parse_edge_line(char **tok, size_t k, struct smx_bline *l, char *err, size_t errlen)
{
	if (k != 6)
		FAIL("expected 6 fields in an edge line, found %zu", k);
	l->kind = 3;
	if (smx_op_parse(tok[1], &l->op) || !smx_op_forward(l->op))
		FAIL("edge lines take an op of logits (softmax, logsoftmax, ...), not '%.40s'",
		     tok[1]);
	if (smx_dtype_parse(tok[2], &l->dt))
		FAIL("unknown dtype '%.40s'", tok[2]);
	if (strlen(tok[3]) >= sizeof l->impl || !strchr(tok[3], '/'))
		FAIL("bad implementation name '%.40s'", tok[3]);
	strcpy(l->impl, tok[3]);
	if (parse_policy(tok[4], "all_neginf", &l->all_neginf))
		FAIL("expected all_neginf=nan|zero|limit, found '%.40s'", tok[4]);
	if (parse_policy(tok[5], "pos_inf", &l->pos_inf))
		FAIL("expected pos_inf=nan|zero|limit, found '%.40s'", tok[5]);
	return 0;
}

static int parse_path(const char *tok, char *dst, size_t len)
{
	if (strlen(tok) >= len)
		return -1;
	strcpy(dst, tok);
	return 0;
}

static int is_raw(const char *path)
{
	size_t k = strlen(path);
	return k >= 4 && (!strcmp(path + k - 4, ".f32") || !strcmp(path + k - 4, ".f64"));
}

/* outputs OP DTYPE NAME INPUT OUTPUT [--shape RxN] and the four budgets. */
static int parse_outputs_line(char **tok, size_t k, struct smx_bline *l, char *err, size_t errlen)
{
	int shaped = k > 6 && !strcmp(tok[6], "--shape");
	size_t f = shaped ? 8 : 6;
	if (k != f + 4)
		FAIL("expected %zu fields in an outputs line, found %zu", f + 4, k);
	l->kind = 4;
	if (smx_op_parse(tok[1], &l->op) || !smx_op_forward(l->op))
		FAIL("outputs lines take softmax or logsoftmax, not '%.40s'", tok[1]);
	if (smx_dtype_parse(tok[2], &l->dt))
		FAIL("unknown dtype '%.40s'", tok[2]);
	if (strlen(tok[3]) >= sizeof l->impl || strchr(tok[3], '='))
		FAIL("bad output set name '%.40s'", tok[3]);
	strcpy(l->impl, tok[3]);
	if (parse_path(tok[4], l->input, sizeof l->input) ||
	    parse_path(tok[5], l->output, sizeof l->output))
		FAIL("a path longer than %zu characters", sizeof l->input - 1);
	size_t sr, sn;
	if (shaped && (strlen(tok[7]) >= sizeof l->shape || smx_parse_shape(tok[7], &sr, &sn)))
		FAIL("--shape: '%.40s' is not RxN (rows x n, both >= 1)", tok[7]);
	if (shaped)
		strcpy(l->shape, tok[7]);
	int raw = is_raw(l->input) || is_raw(l->output);
	if (raw != shaped)
		FAIL(raw ? "raw .f32 / .f64 files need --shape RxN"
			 : "--shape applies to raw .f32 / .f64 files only");
	for (int i = 0; i < 4; i++, f++)
		if (parse_kv(tok[f], smx_bline_key(l->op, i), &l->budget[i]))
			FAIL("expected %s=V, found '%.40s'", smx_bline_key(l->op, i), tok[f]);
	return 0;
}

int smx_bline_parse(const char *text, struct smx_bline *l, char *err, size_t errlen)
{
	memset(l, 0, sizeof *l);
	char buf[SMX_BLINE_MAX + 1];
	if (strlen(text) >= sizeof buf)
		FAIL("line longer than %zu characters", sizeof buf - 1);
	strcpy(buf, text);
	char *hash = strchr(buf, '#');
	if (hash)
		*hash = 0;
	char *tok[16], *save = NULL;
	size_t k = 0;
	for (char *t = strtok_r(buf, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (k == 16)
			FAIL("more than 16 fields");
		tok[k++] = t;
	}
	if (k == 0)
		return 0;
	if (!strcmp(tok[0], "edge"))
		return parse_edge_line(tok, k, l, err, errlen);
	if (!strcmp(tok[0], "outputs"))
		return parse_outputs_line(tok, k, l, err, errlen);
	int perf = !strcmp(tok[0], "perf");
	size_t want = perf ? 7 : 11, o = perf ? 1 : 0;
	/* An accuracy line may end with the variant it is measured under. */
	if (!perf && k == 12 && !strncmp(tok[11], "variant=", 8)) {
		struct smx_variant v = {0};
		char why[300];
		int bad = smx_variant_parse_spec(&v, tok[11] + 8, why, sizeof why);
		free(v.mask);
		if (bad)
			FAIL("%.60s: %s", tok[11], why);
		snprintf(l->variant, sizeof l->variant, "%s", tok[11] + 8);
		k--;
	}
	if (k != want)
		FAIL("expected %zu fields, found %zu", want, k);
	l->kind = perf ? 2 : 1;
	if (smx_op_parse(tok[o], &l->op))
		FAIL("unknown op '%.40s'", tok[o]);
	if (smx_dtype_parse(tok[o + 1], &l->dt))
		FAIL("unknown dtype '%.40s'", tok[o + 1]);
	if (strlen(tok[o + 2]) >= sizeof l->impl || !strchr(tok[o + 2], '/'))
		FAIL("bad implementation name '%.40s'", tok[o + 2]);
	strcpy(l->impl, tok[o + 2]);
	size_t f = o + 3;
	if (!perf && smx_dist_parse(tok[f++], &l->dist))
		FAIL("bad distribution '%.40s'", tok[f - 1]);
	size_t nmax = smx_op_info(l->op)->n_max ? smx_op_info(l->op)->n_max : (size_t)1 << 28;
	if (smx_parse_size(tok[f], 1, nmax, &l->n) ||
	    smx_parse_size(tok[f + 1], 1, (size_t)1 << 24, &l->rows) ||
	    (double)l->n * (double)l->rows > (double)(1 << 28))
		FAIL("bad n or rows '%.20s %.20s'", tok[f], tok[f + 1]);
	f += 2;
	if (perf) {
		if (parse_kv(tok[f], "vs_memcpy", &l->budget[0]))
			FAIL("expected vs_memcpy=V, found '%.40s'", tok[f]);
		return 0;
	}
	if (smx_parse_u64(tok[f++], &l->seed))
		FAIL("bad seed '%.40s'", tok[f - 1]);
	for (int i = 0; i < 4; i++, f++)
		if (parse_kv(tok[f], smx_bline_key(l->op, i), &l->budget[i]))
			FAIL("expected %s=V, found '%.40s'", smx_bline_key(l->op, i), tok[f]);
	return 0;
}

/* The shortest decimal that reads back as v ("inf" for infinity), so a
 * budget is written exactly as given. */
static void format_budget(char *buf, size_t len, double v)
{
	if (isinf(v)) {
		snprintf(buf, len, "inf");
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

char *smx_bline_rewrite(const char *text, const struct smx_bline *l, const double *values)
{
	size_t len = strlen(text), k = 0;
	char *out = smx_alloc(len + 4 * 40 + 1, 1);
	/* The comment starts at the first '#'; the budgets are the last fields
	 * before it (accuracy: fields 7 to 10; perf: field 6; outputs: 6 to 9,
	 * or 8 to 11 after --shape RxN), each KEY=V. */
	const char *hash = strchr(text, '#');
	const char *code_end = hash ? hash : text + len;
	size_t first = l->kind == 2 ? 6 : l->kind == 4 ? (*l->shape ? 8 : 6) : 7, field = 0;
	/* The budgets only: a later KEY=V field (an accuracy line's variant=)
	 * is kept as written. */
	const size_t last = first + (l->kind == 2 ? 1 : 4);
	const char *p = text;
	while (p < code_end) {
		if (strchr(" \t\r\n", *p)) {
			out[k++] = *p++;
			continue;
		}
		const char *end = p;
		while (end < code_end && !strchr(" \t\r\n", *end))
			end++;
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (field >= first && field < last && eq) {
			char num[40];
			format_budget(num, sizeof num, values[field - first]);
			memcpy(out + k, p, (size_t)(eq + 1 - p));
			k += (size_t)(eq + 1 - p);
			memcpy(out + k, num, strlen(num));
			k += strlen(num);
		} else {
			memcpy(out + k, p, (size_t)(end - p));
			k += (size_t)(end - p);
		}
		field++;
		p = end;
	}
	memcpy(out + k, code_end, strlen(code_end) + 1);
	if (strlen(out) > SMX_BLINE_MAX) {
		free(out);
		return NULL;
	}
	return out;
}
