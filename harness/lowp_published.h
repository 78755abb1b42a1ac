/* Published low-precision results, reproduced: functions the tests and the
 * report call.
 *
 * Blanchard, Higham & Higham, "Accurately computing the log-sum-exp and
 * softmax functions", IMA J. Numer. Anal. 41 (2021): on 2,500 MNIST
 * pre-softmax vectors in fp16, the unshifted log-sum-exp (exp and the
 * recursive sum in fp16, in index order) overflows on 475 rows, in 471 of
 * which a single exp already exceeds 65504; the shifted one overflows on
 * none.
 *
 * A bf16 sum of ones sticks at 256 (257 is not a bf16 number and the tie
 * goes to even), so a uniform softmax over 512 entries with bf16
 * accumulation gives 1/256 per entry (executorch issue 20089).
 *
 * The benchdnn rule: a bf16 or f16 kernel that accumulates in f32 must give
 * the same algorithm's f32 kernel on the upcast input, rounded once. */
#ifndef SMX_LOWP_PUBLISHED_H
#define SMX_LOWP_PUBLISHED_H

#include <stddef.h>
#include <stdint.h>

struct smx_mnist_fp16 {
	size_t rows;
	size_t naive_inf;	  /* naive.acc16 lse is +inf */
	size_t naive_single_exp;  /* of those, rows with one exp(x_i) > 65504 */
	size_t shifted_inf;	  /* shifted.acc16 lse is +inf */
	double shifted_max_err;	  /* in units of u max(1, |lse|), u = 2^-11 */
	double shifted_max_ratio; /* the largest error / derived bound */
};

/* Reads the pre-softmax rows (text rows, f32 values) from path, rounds each
 * value once to fp16, runs the naive.acc16 and shifted.acc16 lse kernels
 * and counts. 0, or -1 with a reason in err. */
int smx_published_mnist_fp16(const char *path, struct smx_mnist_fp16 *r, char *err, size_t errlen);

/* Entry 0 of the softmax of n equal bf16 values, with bf16 accumulation
 * (shifted.acc16) and with f32 accumulation (shifted.acc32). */
struct smx_uniform_bf16 {
	double acc16, acc32;
};
struct smx_uniform_bf16 smx_published_uniform_bf16(size_t n);

/* The benchdnn pairs: an in>f32>in kernel and the f32 kernel of the same
 * algorithm. */
typedef void (*smx_lowp_fn16)(const uint16_t *x, uint16_t *y, size_t rows, size_t n);
typedef void (*smx_lowp_fn32)(const float *x, float *y, size_t rows, size_t n);
struct smx_lowp_pair {
	const char *op, *dtype, *name; /* the low-precision entry */
	const char *f32name;	       /* the f32 entry it must match */
	int is_bf16;		       /* storage: bf16, else f16 */
	int per_row;		       /* one output a row (lse), else n */
	unsigned cpu;		       /* SMX_CPU_* bits both need */
	smx_lowp_fn16 fn;
	smx_lowp_fn32 f32;
};
size_t smx_lowp_pair_count(void);
const struct smx_lowp_pair *smx_lowp_pair_get(size_t i);

/* How many of the outputs of p->fn (rows * n, or rows when p->per_row)
 * differ from p->f32 run on the upcast x and rounded once (NaN matches
 * NaN); (size_t)-1 without memory. */
size_t smx_lowp_upcast_mismatches(const struct smx_lowp_pair *p, const uint16_t *x, size_t rows,
				  size_t n);

#endif
