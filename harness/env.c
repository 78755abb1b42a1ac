/* Environment capture; see env.h. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gmp.h>
#include <mpfr.h>

#include "env.h"
#include "peers.h"
#include "smx.h"
#include "table.h"

#ifndef SMX_BUILD_FLAGS
#define SMX_BUILD_FLAGS "unknown"
#endif

static int env_argc;
static char **env_argv;

void smx_env_set_argv(int argc, char **argv)
{
	/* A copy: the options taken out of argv later (--plugin, --threads)
	 * rearrange it. */
	env_argv = calloc((size_t)argc + 1, sizeof *env_argv);
	if (!env_argv)
		return;
	for (int i = 0; i < argc; i++)
		env_argv[i] = argv[i];
	env_argc = argc;
}

void smx_env_sweep_id(char *buf, size_t len)
{
	/* The version, then the arguments after the program's name without
	 * those that do not change the results: where they go (--output,
	 * -o), which slice (--shard, -K) and how many threads (--threads). */
	static const char *const skip[] = {"--output", "-o", "--shard", "-K", "--threads"};
	size_t k = (size_t)snprintf(buf, len, "smx-%s", SMX_VERSION);
	for (int i = 1; i < env_argc && k < len; i++) {
		const char *a = env_argv[i];
		int drop = 0;
		for (size_t j = 0; j < sizeof skip / sizeof *skip && !drop; j++) {
			size_t sl = strlen(skip[j]);
			if (!strcmp(a, skip[j])) {
				drop = 1;
				i++; /* and its value */
			} else if (!strncmp(a, skip[j], sl) &&
				   (a[sl] == '=' || (skip[j][1] != '-' && a[sl]))) {
				drop = 1;
			}
		}
		if (drop)
			continue;
		k += (size_t)snprintf(buf + k, len - k, " %s", a);
	}
	/* One line, whatever the arguments hold. */
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
}

const char *smx_env_cpu(void)
{
	static char model[256];
	if (model[0])
		return model;
	strcpy(model, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return model;
	char line[512];
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "model name", 10)) {
			char *colon = strchr(line, ':');
			if (colon) {
				snprintf(model, sizeof model, "%s", colon + 2);
				model[strcspn(model, "\n")] = 0;
			}
			break;
		}
	fclose(f);
	return model;
}

/* Read /sys/devices/system/cpu/cpu0/cache/indexK/{level,type,size}. */
size_t smx_env_cache(int level)
{
	for (int k = 0; k < 8; k++) {
		char path[128], buf[64];
		int lv = 0;
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", k);
		FILE *f = fopen(path, "r");
		if (!f)
			break;
		if (fscanf(f, "%d", &lv) != 1)
			lv = 0;
		fclose(f);
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", k);
		f = fopen(path, "r");
		if (!f || !fgets(buf, sizeof buf, f)) {
			if (f)
				fclose(f);
			continue;
		}
		fclose(f);
		if (lv != level || !strncmp(buf, "Instruction", 11))
			continue;
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", k);
		f = fopen(path, "r");
		if (!f)
			continue;
		unsigned long v = 0;
		char unit = 0;
		int got = fscanf(f, "%lu%c", &v, &unit);
		fclose(f);
		if (got >= 1)
			return (size_t)v * (unit == 'K' ? 1024 : unit == 'M' ? 1024 * 1024 : 1);
	}
	return 0;
}

char *smx_env_json(uint64_t seed)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	char date[64], host[256] = "unknown";
	time_t now = time(NULL);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
	gethostname(host, sizeof host - 1);
	unsigned feat = smx_cpu_features();
	fputs("{\"date\": ", f);
	smx_json_str(f, date);
	fputs(", \"host_name\": ", f);
	smx_json_str(f, host);
	fputs(", \"smx_version\": \"" SMX_VERSION "\"", f);
	fputs(", \"executable\": ", f);
	smx_json_str(f, env_argc > 0 ? env_argv[0] : "smx");
	fprintf(f, ", \"num_cpus\": %ld", sysconf(_SC_NPROCESSORS_ONLN));
	fputs(", \"cpu_model\": ", f);
	smx_json_str(f, smx_env_cpu());
	fprintf(f, ", \"cpu_features\": \"%s%s\"", feat & SMX_CPU_AVX2 ? "avx2+fma " : "",
		feat & SMX_CPU_AVX512 ? "avx512f/dq/vl/bw" : "");
	fputs(", \"caches\": [", f);
	for (int lv = 1; lv <= 3; lv++)
		fprintf(f, "%s{\"type\": \"%s\", \"level\": %d, \"size\": %zu}", lv > 1 ? ", " : "",
			lv == 1 ? "Data" : "Unified", lv, smx_env_cache(lv));
	fputs("], \"compiler\": ", f);
	smx_json_str(f, __VERSION__);
	fputs(", \"flags\": ", f);
	smx_json_str(f, SMX_BUILD_FLAGS);
	fputs(", \"mpfr_version\": ", f);
	smx_json_str(f, mpfr_get_version());
	fputs(", \"gmp_version\": ", f);
	smx_json_str(f, gmp_version);
	fputs(", \"peers\": ", f);
	smx_json_str(f, smx_peer_versions());
	fprintf(f, ", \"seed\": %llu", (unsigned long long)seed);
	fputs(", \"command_line\": ", f);
	char *cmd = NULL;
	size_t clen = 0;
	FILE *c = open_memstream(&cmd, &clen);
	if (c) {
		for (int i = 0; i < env_argc; i++)
			fprintf(c, "%s%s", i ? " " : "", env_argv[i]);
		fclose(c);
	}
	smx_json_str(f, cmd ? cmd : "");
	free(cmd);
	fputs(", \"library_build_type\": \"release\"}", f);
	fclose(f);
	return buf;
}
