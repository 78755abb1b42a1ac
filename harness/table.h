/* One tidy result table, written as an aligned text table, CSV (header row,
 * one measurement a line) or JSON ({"context": ..., "results": [...]}). */
#ifndef SMX_TABLE_H
#define SMX_TABLE_H

#include <stddef.h>
#include <stdio.h>

enum smx_col { SMX_STR, SMX_INT, SMX_NUM, SMX_U64 };
enum smx_format { SMX_FMT_TABLE, SMX_FMT_CSV, SMX_FMT_JSON };

struct smx_column {
	const char *name;
	enum smx_col type;
	int in_text; /* shown in the text table (CSV and JSON show all) */
};

struct smx_cell {
	const char *s; /* owned copy */
	long long i;
	unsigned long long u; /* seeds: every 64-bit value */
	double d;
};

struct smx_table {
	const struct smx_column *cols;
	size_t ncols, nrows, cap;
	struct smx_cell *cells; /* nrows x ncols */
};

void smx_table_init(struct smx_table *t, const struct smx_column *cols, size_t ncols);
/* Append a row: one argument per column, const char * / long long /
 * double / unsigned long long by column type. */
void smx_table_add(struct smx_table *t, ...);
/* context: a JSON object (text) put under "context" in JSON output, or
 * NULL. */
void smx_table_write(const struct smx_table *t, FILE *f, enum smx_format fmt, const char *context);
void smx_table_free(struct smx_table *t);
/* Reading a table by column name, as its readers do: the column's index,
 * and row r's cell there (the caller names columns the table has). */
size_t smx_table_col(const struct smx_table *t, const char *name);
const struct smx_cell *smx_table_at(const struct smx_table *t, size_t r, const char *name);

int smx_format_parse(const char *s, enum smx_format *f);
/* s with <, >, & and " escaped for XML and HTML text and attributes. */
void smx_xml_str(FILE *f, const char *s);
/* JSON string literal of s. */
void smx_json_str(FILE *f, const char *s);
/* A JSON number, or null for NaN and infinities. */
void smx_json_num(FILE *f, double v);

#endif
