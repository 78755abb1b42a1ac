/* Long rows measured span by span (harness/stream.c) give the metrics of
 * the ordinary path (the whole row as doubles and its whole reference), bit
 * for bit. Planted bugs this catches: a span's output or input read from
 * another row or offset, a reference block decided with another row's
 * plan, the kmax of a row taken as the last maximum instead of the first,
 * the spans folded out of order (sums associate differently), a classifier
 * fact lost in the fold. */
#include <string.h>

#include <criterion/criterion.h>

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
