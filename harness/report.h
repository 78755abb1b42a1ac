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

#endif
