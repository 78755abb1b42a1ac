/* Planted bug (only beyond a block): rows are processed in blocks of 1024
 * entries, each with its own max m_b and sum; when merging, block b is
 * rescaled by exp(m_{b-1} - M), the previous block's max (an off-by-one in
 * the block table). Rows of at most one block are right. Caught by: smx
 * hunt (n = 1025 and beyond), vet (n = 1001, 4097, 65537). */
#include "mutant.h"

#define BLOCK 1024

static void block_factor(const float *x, float *y, size_t rows, size_t n)
{
	for (size_t r = 0; r < rows; r++, x += n, y += n) {
		double M = mutant_max(x, n), prev = M, S = 0;
		for (size_t a = 0; a < n; a += BLOCK) {
			size_t len = n - a < BLOCK ? n - a : BLOCK;
			double mb = mutant_max(x + a, len), sb = 0;
			for (size_t i = 0; i < len; i++)
				sb += exp(x[a + i] - mb);
			S += sb * exp((a ? prev : mb) - M);
			prev = mb;
		}
		for (size_t i = 0; i < n; i++)
			y[i] = (float)(exp(x[i] - M) / S);
	}
}

MUTANT_PLUGIN("block_factor/scalar", "planted bug: block factor from the previous block",
	      block_factor, NULL);
