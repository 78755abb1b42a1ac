/* Long rows measured span by span (harness/stream.c) give the metrics of
 * the ordinary path (the whole row as doubles and its whole reference), bit
 * for bit. Planted bugs this catches: a span's output or input read from
 * another row or offset, a reference block decided with another row's
 * plan, the kmax of a row taken as the last maximum instead of the first,
 * the spans folded out of order (sums associate differently), a classifier
 * fact lost in the fold. */
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dtype.h"
#include "measure.h"
#include "stream.h"

Test(stream, same_metrics_as_the_whole_row, .timeout = 600)
{
	static const char *const dists[] = {"normal:3", "wide", "lm"};
	static const char *const names[] = {"shifted/scalar", "online/scalar", "twopass/scalar"};
	const size_t n = SMX_STREAM_MIN + 4099, rows = 2;
	for (int op = 0; op < 2; op++)
		for (int dt = 0; dt < 2; dt++)
			for (size_t di = 0; di < sizeof dists / sizeof *dists; di++) {
				smx_op o = op ? SMX_OP_LOGSOFTMAX : SMX_OP_SOFTMAX;
				struct smx_dist d;
				smx_dist_parse(dists[di], &d);
				struct smx_stream s;
				cr_assert(smx_stream_wants(o, n));
				cr_assert_eq(
				    smx_stream_generate(&s, o, (smx_dtype)dt, &d, 7, rows, n), 0);
				struct smx_case c;
				smx_case_generate(&c, o, (smx_dtype)dt, &d, 7, rows, n);
				size_t tried = 0;
				for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
					const struct smx_impl *im =
					    smx_registry_find(o, (smx_dtype)dt, names[k]);
					if (!im)
						continue;
					struct smx_metrics a, b;
					smx_metrics_init(&a);
					smx_metrics_init(&b);
					cr_assert_eq(smx_stream_measure(im, &s, &a), 0);
					smx_measure(im, &c, &b, NULL);
					cr_expect(!memcmp(&a, &b, sizeof a),
						  "%s %s %s %s: the streamed metrics differ "
						  "(max_ulp %a vs %a, sum_ulp %a vs %a)",
						  smx_op_name(o), smx_dtype_name((smx_dtype)dt),
						  dists[di], names[k], a.max_ulp, b.max_ulp,
						  a.sum_ulp, b.sum_ulp);
					tried++;
				}
				cr_expect(tried > 0, "no entry to compare");
				smx_case_free(&c);
				smx_stream_free(&s);
			}
}

/* Bug caught: the span loader read every format other than f32 as f64, so
 * bf16 and f16 rows (stored in 2 bytes) were read past their end. The
 * rows' spread, as smx_stream_bhh reads it span by span, must be the
 * spread of the same rows generated whole. */
Test(stream, rows_of_every_storage_format_read_back, .timeout = 120)
{
	const size_t n = SMX_STREAM_MIN + 3, rows = 2;
	struct smx_dist d;
	smx_dist_parse("normal:3", &d);
	for (int dt = 0; dt < SMX_DTYPE_COUNT; dt++) {
		if (!smx_dtype_info((smx_dtype)dt)->storage)
			continue;
		struct smx_stream s;
		cr_assert_eq(smx_stream_generate(&s, SMX_OP_SOFTMAX, (smx_dtype)dt, &d, 7, rows, n),
			     0, "%s", smx_dtype_name((smx_dtype)dt));
		struct smx_case c;
		smx_case_generate(&c, SMX_OP_SOFTMAX, (smx_dtype)dt, &d, 7, rows, n);
		double want = 0;
		for (size_t r = 0; r < rows; r++) {
			double lo = INFINITY, hi = -INFINITY;
			for (size_t i = 0; i < n; i++) {
				lo = fmin(lo, c.x[r * n + i]);
				hi = fmax(hi, c.x[r * n + i]);
			}
			want = fmax(want, (double)n + 2 + 2 * (hi - lo));
		}
		cr_expect_eq(smx_stream_bhh(&s), want, "%s: %a vs %a",
			     smx_dtype_name((smx_dtype)dt), smx_stream_bhh(&s), want);
		smx_case_free(&c);
		smx_stream_free(&s);
	}
}
