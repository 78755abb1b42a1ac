/* Report writing: one document written as HTML and Markdown at once. */
#ifndef SMX_REPORT_H
#define SMX_REPORT_H

#include <stdio.h>

#include "table.h"

struct smx_doc {
	FILE *html, *md;
	int in_list; /* an HTML <ul> is open */
};

int smx_doc_open(struct smx_doc *d, const char *dir, const char *title);
/* Closes both pages; -1 when any write to them failed. */
int smx_doc_close(struct smx_doc *d);
void smx_doc_h2(struct smx_doc *d, const char *id, const char *title);
/* A paragraph of plain text (escaped for HTML). */
void smx_doc_p(struct smx_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A bullet list item. */
void smx_doc_li(struct smx_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void smx_doc_list_end(struct smx_doc *d);
/* A figure: name.svg in the page, name.png linked; caption below. */
void smx_doc_fig(struct smx_doc *d, const char *name, const char *caption);
/* A table (its text columns only). */
void smx_doc_table(struct smx_doc *d, const struct smx_table *t);
/* A link to a file of the report. */
void smx_doc_link(struct smx_doc *d, const char *file, const char *what);

/* What the figures and conclusions compute from the data. */

/* Rows of a k x len table that are identical (bit for bit) share one line:
 * group[i] is the first row equal to row i. Returns the number of groups. */
size_t smx_fig_groups(const double *rows, size_t k, size_t len, size_t *group);

/* The entry with the lowest median, and how many others tie with it: those
 * whose first quartile is at or below its third (their spreads overlap).
 * tied[] gets their indices. */
size_t smx_fastest(const double *median, const double *q1, const double *q3, size_t k,
		   size_t *winner, size_t *tied);

/* A complementary CDF from ascending errors: points (e, fraction of values
 * >= e) at every distinct non-zero value among the indices visited: every
 * step-th index below tail, then every index from tail on. Returns the
 * number of points written (at most max). */
size_t smx_ccdf(const double *sorted, size_t total, size_t tail, size_t step, double *e,
		double *frac, size_t max);

#endif
