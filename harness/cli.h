/* Option handling shared by the smx subcommands. */
#ifndef SMX_CLI_H
#define SMX_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rows.h"
#include "smx.h"
#include "table.h"

#define SMX_MAX_LIST 64

/* Which implementations a command runs. */
struct smx_sel {
	smx_op ops[SMX_OP_COUNT];
	size_t nops;
	smx_dtype dts[SMX_DTYPE_COUNT];
	size_t ndts;
	char *names[SMX_MAX_LIST]; /* "algo/isa"; none given (and no best): all */
	size_t nnames;
	int best; /* "best" was listed: smx_registry_best's pick joins the names */
};

/* getopt_long with smx's error lines: an unknown option or a missing value
 * dies with exit status 2, naming the command. */
int smx_getopt(int argc, char **argv, const struct option *opts, const char *cmd);

void smx_sel_init(struct smx_sel *s);
void smx_sel_ops(struct smx_sel *s, char *arg);
void smx_sel_dtypes(struct smx_sel *s, char *arg);
void smx_sel_impls(struct smx_sel *s, char *arg);
/* Dies when a named implementation exists for none of the selected
 * (op, dtype) pairs. */
void smx_sel_check(const struct smx_sel *s);
/* Selected entries for (op, dt); entries this CPU cannot run are skipped
 * with a note on stderr (once per entry). */
size_t smx_sel_entries(const struct smx_sel *s, smx_op op, smx_dtype dt,
		       const struct smx_impl **out, size_t max);

/* --shard K/N: the K-th (1-based) of N deterministic slices of a sweep's
 * cells; count 0 when not sharding. */
struct smx_shard {
	size_t index, count;
};

/* The options most commands share: -p --op, -d --dtype, -i --impl (when
 * sel is set), -f --format, -o --output, -h --help (prints help, exits 0),
 * and where the command has them (pointer set) -n --n LIST, -r --rows,
 * -s --seed, -K --shard. smx_common_opt handles c if it is one of them (1),
 * else returns 0; smx_common_end refuses stray arguments, checks the
 * selection, and that a shard writes CSV. */
struct smx_common {
	const char *cmd, *help;
	struct smx_sel *sel;
	enum smx_format *fmt;
	const char **output;
	size_t *ns, *nn; /* --n: the list and its length */
	size_t *rows;
	uint64_t *seed;
	struct smx_shard *shard;
};
int smx_common_opt(int c, const struct smx_common *co);
void smx_common_end(int argc, char **argv, const struct smx_common *co);

/* The options every command takes, wherever they stand on the line
 * (printed by every --help). */
extern const char smx_global_help[];
/* A command's help text, then the global options; exits 0. */
_Noreturn void smx_help(const char *text);

/* Value parsers that die with "<cmd>: --flag: <why>". */
size_t smx_arg_size(const char *cmd, const char *flag, const char *v, size_t lo, size_t hi);
size_t smx_arg_sizes(const char *cmd, const char *flag, char *v, size_t *out, size_t max, size_t lo,
		     size_t hi);
size_t smx_arg_dists(const char *cmd, const char *flag, char *v, struct smx_dist *out, size_t max);
uint64_t smx_arg_seed(const char *cmd, const char *v);
enum smx_format smx_arg_format(const char *cmd, const char *v);

void smx_arg_shard(const char *cmd, const char *v, struct smx_shard *s);
/* The first line of a shard's output: "# smx-shard K/N <sweep identity>"
 * (smx_env_sweep_id), which smx merge compares. */
void smx_shard_write(FILE *f, const struct smx_shard *s);
/* Cells [lo, hi) of total that shard s takes: contiguous, so the shards'
 * outputs in order are the unsharded output. */
void smx_shard_range(const struct smx_shard *s, size_t total, size_t *lo, size_t *hi);

/* The rows a sweep measures: the Jacobian's are capped so that
 * rows x n^2 <= 2^22 (accuracy and check alike). */
size_t smx_op_rows(smx_op op, size_t rows, size_t n);

/* Read rows from a file ("-": standard input, text), dying on errors: text
 * rows, .npy, or raw .f32 / .f64 with shape "RxN" (else NULL). */
void smx_read_rows(const char *cmd, const char *path, smx_dtype dt, const char *shape,
		   struct smx_rows *rows);

int smx_cmd_list(int argc, char **argv);
int smx_cmd_ref(int argc, char **argv);
int smx_cmd_accuracy(int argc, char **argv);
int smx_cmd_exp(int argc, char **argv);
int smx_cmd_perf(int argc, char **argv);
int smx_cmd_check(int argc, char **argv);
int smx_cmd_overflow(int argc, char **argv);
int smx_cmd_report(int argc, char **argv);
int smx_cmd_merge(int argc, char **argv);
int smx_cmd_vet(int argc, char **argv);
int smx_cmd_hunt(int argc, char **argv);

#endif
