/* The environment a measurement was taken in, as a JSON object shaped like
 * Google Benchmark's "context" (readers ignore fields they do not know). */
#ifndef SMX_ENV_H
#define SMX_ENV_H

#include <stddef.h>
#include <stdint.h>

/* smx's version: shards of one sweep must come from the same one. */
#define SMX_VERSION "0.2"

/* Remember the command line for every output of this run. */
void smx_env_set_argv(int argc, char **argv);
/* A malloc'd JSON object: date, host, CPU, caches, compiler, flags, library
 * versions, seed, command line. */
char *smx_env_json(uint64_t seed);
/* The identity of this run's sweep, one line: version and the arguments
 * that shape the results (all but --output, --shard and --threads). */
void smx_env_sweep_id(char *buf, size_t len);
/* Cache size in bytes at level 1, 2 or 3 (data/unified), 0 when unknown. */
size_t smx_env_cache(int level);
/* CPU model name (static storage). */
const char *smx_env_cpu(void);

#endif
