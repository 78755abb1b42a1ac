/* make ref-identity: the fast reference against the MPFR reference on at
 * least VALUES values (default 10^8); exit 1 on any difference, or when a
 * time limit of SECONDS (0: none) ends the run first. A progress line goes
 * to stderr about every minute. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ref_identity.h"

static double t_start, limit, t_note;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int stop(const struct ident *id)
{
	double t = now_s() - t_start;
	if (t - t_note >= 60) {
		t_note = t;
		fprintf(stderr, "ref-identity: %.0f s: %llu values compared, %llu differ\n", t,
			id->values, id->mismatches);
	}
	return limit > 0 && t >= limit;
}

int main(int argc, char **argv)
{
	unsigned long long target = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000000ULL;
	const char *hard = argc > 2 ? argv[2] : "tests/data/ref_hard.txt";
	limit = argc > 3 ? strtod(argv[3], NULL) : 0;
	t_start = now_s();
	struct ident id = {0};
	ident_run(&id, target, 1, hard, stop);
	printf("ref-identity: %llu values compared, %llu differ, %.1f s; in fast mode %llu values "
	       "decided by the fast path, %llu left to MPFR\n",
	       id.values, id.mismatches, now_s() - t_start, id.fast_values, id.fell_back);
	if (id.mismatches) {
		fprintf(stderr, "ref-identity: first difference: %s\n", id.first);
		return 1;
	}
	if (id.values < target) {
		fprintf(stderr, "ref-identity: stopped by the time limit before %llu values\n",
			target);
		return 1;
	}
	return 0;
}
