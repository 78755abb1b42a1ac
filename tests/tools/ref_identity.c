/* make ref-identity: the fast reference against the MPFR reference on at
 * least VALUES values (default 10^8); exit 1 on any difference. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ref_identity.h"

int main(int argc, char **argv)
{
	unsigned long long target = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000000ULL;
	const char *hard = argc > 2 ? argv[2] : "tests/data/ref_hard.txt";
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct ident id = {0};
	ident_run(&id, target, 1, hard);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("ref-identity: %llu values compared, %llu differ, %.1f s; in fast mode %llu values "
	       "decided by the fast path, %llu left to MPFR\n",
	       id.values, id.mismatches,
	       (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec),
	       id.fast_values, id.fell_back);
	if (id.mismatches) {
		fprintf(stderr, "ref-identity: first difference: %s\n", id.first);
		return 1;
	}
	return 0;
}
