/* One document, two renderings (report.h). The HTML is self-contained but
 * for its figure files; a short script marks on <body> whether every
 * figure loaded, which the browser test reads. */
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

/* Markdown table cells: pipes escaped. */
static void md_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s, f);
	}
}

int smx_doc_open(struct smx_doc *d, const char *dir, const char *title)
{
	char path[4200];
	d->in_list = 0;
	snprintf(path, sizeof path, "%s/index.html", dir);
	d->html = fopen(path, "w");
	snprintf(path, sizeof path, "%s/report.md", dir);
	d->md = fopen(path, "w");
	if (!d->html || !d->md)
		return -1;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>",
	      d->html);
	smx_xml_str(d->html, title);
	fputs("</title>\n<style>\n"
	      "body{font-family:Helvetica,Arial,sans-serif;max-width:1100px;margin:2em "
	      "auto;padding:0 1em;"
	      "color:#222;line-height:1.45}\n"
	      "table{border-collapse:collapse;margin:1em 0;font-size:0.85em}\n"
	      "td,th{border:1px solid #ccc;padding:0.25em 0.5em;text-align:right}\n"
	      "td:first-child,th:first-child{text-align:left}\nth{background:#f0f0f0}\n"
	      "figure{margin:1.5em 0}\nfigure img{max-width:100%;border:1px solid #ddd}\n"
	      "figcaption{font-size:0.9em;color:#555}\ncode{background:#f4f4f4;padding:0 0.2em}\n"
	      "</style></head>\n<body>\n<h1>",
	      d->html);
	smx_xml_str(d->html, title);
	fputs("</h1>\n", d->html);
	fprintf(d->md, "# %s\n\n", title);
	return 0;
}

int smx_doc_close(struct smx_doc *d)
{
	/* Mark whether every figure loaded (read by tests/report_browser.sh). */
	fputs("<script>\nwindow.addEventListener('load', function () {\n"
	      "  var bad = 0, imgs = document.images;\n"
	      "  for (var i = 0; i < imgs.length; i++)\n"
	      "    if (!imgs[i].complete || imgs[i].naturalWidth === 0) bad++;\n"
	      "  document.body.setAttribute('data-figures', bad ? 'broken:' + bad : 'ok:' + "
	      "imgs.length);\n"
	      "});\n</script>\n</body></html>\n",
	      d->html);
	/* A write that failed earlier (a full disk) sets the error flag. */
	int bad = ferror(d->html) | ferror(d->md);
	bad |= fclose(d->html) != 0;
	bad |= fclose(d->md) != 0;
	return bad ? -1 : 0;
}

void smx_doc_h2(struct smx_doc *d, const char *id, const char *title)
{
	fprintf(d->html, "<h2 id=\"%s\">", id);
	smx_xml_str(d->html, title);
	fputs("</h2>\n", d->html);
	fprintf(d->md, "\n## %s\n\n", title);
}

/* One block of text in both renderings: HTML between open and close,
 * Markdown after md_prefix. */
static void doc_text(struct smx_doc *d, const char *open, const char *close, const char *md_prefix,
		     const char *md_suffix, const char *fmt, va_list ap)
{
	char buf[4096];
	vsnprintf(buf, sizeof buf, fmt, ap);
	fputs(open, d->html);
	smx_xml_str(d->html, buf);
	fputs(close, d->html);
	fprintf(d->md, "%s%s%s", md_prefix, buf, md_suffix);
}

void smx_doc_p(struct smx_doc *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	doc_text(d, "<p>", "</p>\n", "", "\n\n", fmt, ap);
	va_end(ap);
}

void smx_doc_li(struct smx_doc *d, const char *fmt, ...)
{
	if (!d->in_list)
		fputs("<ul>\n", d->html);
	d->in_list = 1;
	va_list ap;
	va_start(ap, fmt);
	doc_text(d, "<li>", "</li>\n", "- ", "\n", fmt, ap);
	va_end(ap);
}

void smx_doc_list_end(struct smx_doc *d)
{
	if (d->in_list)
		fputs("</ul>\n", d->html);
	d->in_list = 0;
	fputc('\n', d->md);
}

void smx_doc_fig(struct smx_doc *d, const char *name, const char *caption)
{
	fprintf(d->html, "<figure><a href=\"%s.png\"><img src=\"%s.svg\" alt=\"", name, name);
	smx_xml_str(d->html, caption);
	fputs("\"></a><figcaption>", d->html);
	smx_xml_str(d->html, caption);
	fputs("</figcaption></figure>\n", d->html);
	fprintf(d->md, "![%s](%s.png)\n\n*%s*\n\n", caption, name, caption);
}

static void cell_text(char *buf, size_t len, const struct smx_column *c, const struct smx_cell *v)
{
	switch (c->type) {
	case SMX_STR:
		snprintf(buf, len, "%s", v->s);
		break;
	case SMX_INT:
		snprintf(buf, len, "%lld", v->i);
		break;
	case SMX_U64:
		snprintf(buf, len, "%llu", v->u);
		break;
	case SMX_NUM:
		if (isnan(v->d))
			snprintf(buf, len, "-");
		else if (isinf(v->d))
			snprintf(buf, len, v->d > 0 ? "inf" : "-inf");
		else if (v->d != 0 && (fabs(v->d) < 1e-3 || fabs(v->d) >= 1e6))
			snprintf(buf, len, "%.3e", v->d);
		else
			snprintf(buf, len, "%.4g", v->d);
		break;
	}
}

void smx_doc_table(struct smx_doc *d, const struct smx_table *t)
{
	char buf[1024];
	fputs("<table>\n<tr>", d->html);
	fputc('|', d->md);
	for (size_t c = 0; c < t->ncols; c++) {
		if (!t->cols[c].in_text)
			continue;
		fputs("<th>", d->html);
		smx_xml_str(d->html, t->cols[c].name);
		fputs("</th>", d->html);
		fputc(' ', d->md);
		md_cell(d->md, t->cols[c].name);
		fputs(" |", d->md);
	}
	fputs("</tr>\n", d->html);
	fputs("\n|", d->md);
	for (size_t c = 0; c < t->ncols; c++)
		if (t->cols[c].in_text)
			fputs(t->cols[c].type == SMX_STR ? " --- |" : " ---: |", d->md);
	fputc('\n', d->md);
	for (size_t r = 0; r < t->nrows; r++) {
		fputs("<tr>", d->html);
		fputc('|', d->md);
		for (size_t c = 0; c < t->ncols; c++) {
			if (!t->cols[c].in_text)
				continue;
			cell_text(buf, sizeof buf, &t->cols[c], &t->cells[r * t->ncols + c]);
			fputs("<td>", d->html);
			smx_xml_str(d->html, buf);
			fputs("</td>", d->html);
			fputc(' ', d->md);
			md_cell(d->md, buf);
			fputs(" |", d->md);
		}
		fputs("</tr>\n", d->html);
		fputc('\n', d->md);
	}
	fputs("</table>\n", d->html);
	fputc('\n', d->md);
}

void smx_doc_link(struct smx_doc *d, const char *file, const char *what)
{
	fprintf(d->html, "<a href=\"%s\">", file);
	smx_xml_str(d->html, what);
	fputs("</a> ", d->html);
	fprintf(d->md, "[%s](%s) ", what, file);
}

size_t smx_fig_groups(const double *rows, size_t k, size_t len, size_t *group)
{
	size_t n = 0;
	for (size_t i = 0; i < k; i++) {
		group[i] = i;
		for (size_t g = 0; g < i && group[i] == i; g++)
			if (group[g] == g &&
			    !memcmp(rows + g * len, rows + i * len, len * sizeof *rows))
				group[i] = g;
		n += group[i] == i;
	}
	return n;
}

size_t smx_fastest(const double *median, const double *q1, const double *q3, size_t k,
		   size_t *winner, size_t *tied)
{
	size_t w = 0, nt = 0;
	for (size_t i = 1; i < k; i++)
		if (median[i] < median[w])
			w = i;
	for (size_t i = 0; i < k; i++)
		if (i != w && q1[i] <= q3[w])
			tied[nt++] = i;
	*winner = w;
	return nt;
}

size_t smx_ccdf(const double *sorted, size_t total, size_t tail, size_t step, double *e,
		double *frac, size_t max)
{
	size_t m = 0, at = 0;
	double last = -1;
	while (at < total && m < max) {
		if (sorted[at] > 0 && sorted[at] != last) {
			/* The first index holding this value: P(E >= sorted[at]). */
			size_t lo = at;
			while (lo > 0 && sorted[lo - 1] == sorted[at])
				lo--;
			e[m] = sorted[at];
			frac[m++] = (double)(total - lo) / (double)total;
			last = sorted[at];
		}
		at = at >= tail ? at + 1 : at + step < tail ? at + step : tail;
	}
	return m;
}
