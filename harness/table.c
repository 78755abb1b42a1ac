/* Result tables; see table.h. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "util.h"

void smx_table_init(struct smx_table *t, const struct smx_column *cols, size_t ncols)
{
	*t = (struct smx_table){.cols = cols, .ncols = ncols};
}

void smx_table_add(struct smx_table *t, ...)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 32;
		t->cells = smx_realloc(t->cells, t->cap * t->ncols, sizeof *t->cells);
	}
	struct smx_cell *row = t->cells + t->nrows * t->ncols;
	va_list ap;
	va_start(ap, t);
	for (size_t c = 0; c < t->ncols; c++) {
		row[c] = (struct smx_cell){0};
		switch (t->cols[c].type) {
		case SMX_STR: {
			const char *s = va_arg(ap, const char *);
			char *copy = smx_alloc(strlen(s) + 1, 1);
			strcpy(copy, s);
			row[c].s = copy;
			break;
		}
		case SMX_INT:
			row[c].i = va_arg(ap, long long);
			break;
		case SMX_U64:
			row[c].u = va_arg(ap, unsigned long long);
			break;
		case SMX_NUM:
			row[c].d = va_arg(ap, double);
			break;
		}
	}
	va_end(ap);
	t->nrows++;
}

void smx_table_free(struct smx_table *t)
{
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++)
			if (t->cols[c].type == SMX_STR)
				free((char *)t->cells[r * t->ncols + c].s);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

size_t smx_table_col(const struct smx_table *t, const char *name)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (!strcmp(t->cols[c].name, name))
			return c;
	smx_die("internal: a table has no column '%s'", name);
}

const struct smx_cell *smx_table_at(const struct smx_table *t, size_t r, const char *name)
{
	return &t->cells[r * t->ncols + smx_table_col(t, name)];
}

int smx_format_parse(const char *s, enum smx_format *f)
{
	if (!strcmp(s, "table"))
		*f = SMX_FMT_TABLE;
	else if (!strcmp(s, "csv"))
		*f = SMX_FMT_CSV;
	else if (!strcmp(s, "json"))
		*f = SMX_FMT_JSON;
	else
		return -1;
	return 0;
}

void smx_xml_str(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
}

void smx_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void smx_json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.17g", v);
	else
		fputs("null", f);
}

static void text_cell(char *buf, size_t len, enum smx_col type, const struct smx_cell *c)
{
	switch (type) {
	case SMX_STR:
		snprintf(buf, len, "%s", c->s);
		break;
	case SMX_INT:
		snprintf(buf, len, "%lld", c->i);
		break;
	case SMX_U64:
		snprintf(buf, len, "%llu", c->u);
		break;
	case SMX_NUM:
		if (isnan(c->d))
			snprintf(buf, len, "-");
		else if (isinf(c->d))
			snprintf(buf, len, c->d > 0 ? "inf" : "-inf");
		else if (c->d != 0 && (fabs(c->d) < 1e-3 || fabs(c->d) >= 1e6))
			snprintf(buf, len, "%.3e", c->d);
		else
			snprintf(buf, len, "%.4g", c->d);
		break;
	}
}

static void write_text(const struct smx_table *t, FILE *f)
{
	size_t *w = smx_calloc(t->ncols, sizeof *w);
	char buf[256];
	for (size_t c = 0; c < t->ncols; c++)
		w[c] = strlen(t->cols[c].name);
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			text_cell(buf, sizeof buf, t->cols[c].type, &t->cells[r * t->ncols + c]);
			if (strlen(buf) > w[c])
				w[c] = strlen(buf);
		}
	for (size_t r = 0; r <= t->nrows; r++) {
		const char *sep = "";
		for (size_t c = 0; c < t->ncols; c++) {
			if (!t->cols[c].in_text)
				continue;
			if (r == 0)
				snprintf(buf, sizeof buf, "%s", t->cols[c].name);
			else
				text_cell(buf, sizeof buf, t->cols[c].type,
					  &t->cells[(r - 1) * t->ncols + c]);
			/* Strings left-aligned, numbers right-aligned. */
			if (t->cols[c].type == SMX_STR)
				fprintf(f, "%s%-*s", sep, (int)w[c], buf);
			else
				fprintf(f, "%s%*s", sep, (int)w[c], buf);
			sep = "  ";
		}
		fputc('\n', f);
	}
	free(w);
}

static void write_csv(const struct smx_table *t, FILE *f)
{
	for (size_t c = 0; c < t->ncols; c++)
		fprintf(f, "%s%s", c ? "," : "", t->cols[c].name);
	fputc('\n', f);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const struct smx_cell *cell = &t->cells[r * t->ncols + c];
			if (c)
				fputc(',', f);
			switch (t->cols[c].type) {
			case SMX_STR:
				/* Quote fields that need it (RFC 4180). */
				if (strpbrk(cell->s, ",\"\n")) {
					fputc('"', f);
					for (const char *p = cell->s; *p; p++) {
						if (*p == '"')
							fputc('"', f);
						fputc(*p, f);
					}
					fputc('"', f);
				} else {
					fputs(cell->s, f);
				}
				break;
			case SMX_INT:
				fprintf(f, "%lld", cell->i);
				break;
			case SMX_U64:
				fprintf(f, "%llu", cell->u);
				break;
			case SMX_NUM:
				if (isinf(cell->d))
					fputs(cell->d > 0 ? "inf" : "-inf", f);
				else if (!isnan(cell->d))
					fprintf(f, "%.17g", cell->d);
				break;
			}
		}
		fputc('\n', f);
	}
}

static void write_json(const struct smx_table *t, FILE *f, const char *context)
{
	fprintf(f, "{\n  \"context\": %s,\n  \"results\": [", context ? context : "{}");
	for (size_t r = 0; r < t->nrows; r++) {
		fprintf(f, "%s\n    {", r ? "," : "");
		for (size_t c = 0; c < t->ncols; c++) {
			const struct smx_cell *cell = &t->cells[r * t->ncols + c];
			fprintf(f, "%s", c ? ", " : "");
			smx_json_str(f, t->cols[c].name);
			fputs(": ", f);
			switch (t->cols[c].type) {
			case SMX_STR:
				smx_json_str(f, cell->s);
				break;
			case SMX_INT:
				fprintf(f, "%lld", cell->i);
				break;
			case SMX_U64:
				fprintf(f, "%llu", cell->u);
				break;
			case SMX_NUM:
				smx_json_num(f, cell->d);
				break;
			}
		}
		fputc('}', f);
	}
	fputs("\n  ]\n}\n", f);
}

void smx_table_write(const struct smx_table *t, FILE *f, enum smx_format fmt, const char *context)
{
	switch (fmt) {
	case SMX_FMT_TABLE:
		write_text(t, f);
		break;
	case SMX_FMT_CSV:
		write_csv(t, f);
		break;
	case SMX_FMT_JSON:
		write_json(t, f, context);
		break;
	}
}
