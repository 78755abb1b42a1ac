/* The generators: the same bits as always, with any number of threads.
 *
 * The pinned hashes were taken from the generators as they were when one
 * thread generated every row (before gen.c split long rows across
 * threads): a change to any value, its order or its rounding changes the
 * hash. Planted bugs this catches: a chunk of polar attempts started one
 * attempt off, the state after a parallel run of normals advanced wrongly
 * (the lm peaks and attn rounds then drift), the values rounded to f32
 * before a sort in the wrong place, the merge of the sorted halves
 * dropping or repeating an entry. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include <criterion/criterion.h>

#include "rows.h"

static uint64_t fnv(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325u;
	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3u;
	}
	return h;
}

static const struct pin {
	const char *spec;
	int dt;
	size_t rows, n;
	uint64_t hash;
} pins[] = {
    {"uniform:-10,10", 0, 3, 1, 0x425c4023263bde66u},
    {"uniform:-10,10", 0, 3, 7, 0x7ff196b39e35956fu},
    {"uniform:-10,10", 0, 2, 1000, 0x4aba588085c28d5au},
    {"uniform:-10,10", 0, 1, 65536, 0x2bc10b12a03c37a2u},
    {"uniform:-10,10", 0, 2, 70001, 0x6125ecb7c6bea0e6u},
    {"uniform:-10,10", 1, 3, 1, 0x2d2761fea779b3d2u},
    {"uniform:-10,10", 1, 3, 7, 0x1baa51e06ff112a7u},
    {"uniform:-10,10", 1, 2, 1000, 0xe606ee9c049b1b61u},
    {"uniform:-10,10", 1, 1, 65536, 0xcd50f1a6acf0b419u},
    {"uniform:-10,10", 1, 2, 70001, 0xfe7f51c85e87ca1fu},
    {"normal:3", 0, 3, 1, 0x1a2193ba11586477u},
    {"normal:3", 0, 3, 7, 0xe139dc7cd254007fu},
    {"normal:3", 0, 2, 1000, 0x33b441e0e9fa5252u},
    {"normal:3", 0, 1, 65536, 0x6f3b496fc6c49e46u},
    {"normal:3", 0, 2, 70001, 0xcf7f4d3a8cd623b8u},
    {"normal:3", 1, 3, 1, 0x4c846ab1382768d8u},
    {"normal:3", 1, 3, 7, 0xfbef2ffc8d771fe1u},
    {"normal:3", 1, 2, 1000, 0x242c198fb9628ba3u},
    {"normal:3", 1, 1, 65536, 0x7809d3ae99df1d15u},
    {"normal:3", 1, 2, 70001, 0x27f48e9b7f627b6du},
    {"lm", 0, 3, 1, 0x6fe08fc0d4eec25eu},
    {"lm", 0, 3, 7, 0x852cc56c9e487330u},
    {"lm", 0, 2, 1000, 0x683904fe8ef9318fu},
    {"lm", 0, 1, 65536, 0xa84140440030e811u},
    {"lm", 0, 2, 70001, 0xe9b677e31520cf0au},
    {"lm", 1, 3, 1, 0xb769e30757b61cedu},
    {"lm", 1, 3, 7, 0x8d5e251054cd93e2u},
    {"lm", 1, 2, 1000, 0x35eb914ee3ac1a4bu},
    {"lm", 1, 1, 65536, 0x2af16252dcf64258u},
    {"lm", 1, 2, 70001, 0x5dd703093f74d45eu},
    {"attn", 0, 3, 1, 0x12609d7944bd7788u},
    {"attn", 0, 3, 7, 0xaf229e22cc329016u},
    {"attn", 0, 2, 1000, 0xc141adba7086db9bu},
    {"attn", 0, 1, 65536, 0x7cf6e6f0c1d508c3u},
    {"attn", 0, 2, 70001, 0xf8124ca6c7b2316au},
    {"attn", 1, 3, 1, 0x23272cd16371948fu},
    {"attn", 1, 3, 7, 0x6e9e2077bf0df3b9u},
    {"attn", 1, 2, 1000, 0x415858fd30718049u},
    {"attn", 1, 1, 65536, 0x5a84cf6145cde3f6u},
    {"attn", 1, 2, 70001, 0xd23e61a80a3178ccu},
    {"wide", 0, 3, 1, 0x81d23fd7003c2305u},
    {"wide", 0, 3, 7, 0x9b6402e642760908u},
    {"wide", 0, 2, 1000, 0x1c68f7d6cf0b57bcu},
    {"wide", 0, 1, 65536, 0x47d13c92a4abab4du},
    {"wide", 0, 2, 70001, 0x566b683f769b52f9u},
    {"wide", 1, 3, 1, 0x81d23fd7003c2305u},
    {"wide", 1, 3, 7, 0x5f1377149c29c1bbu},
    {"wide", 1, 2, 1000, 0xae4d15021c6f0284u},
    {"wide", 1, 1, 65536, 0x045f4ae3e9cbc817u},
    {"wide", 1, 2, 70001, 0x881903fbb236a27eu},
    {"sorted", 0, 3, 1, 0xcbc8f33e9fecbb4fu},
    {"sorted", 0, 3, 7, 0x82117a2ee5b1a7e4u},
    {"sorted", 0, 2, 1000, 0x2d2e68fada81d1f7u},
    {"sorted", 0, 1, 65536, 0x5d7448f2eb585742u},
    {"sorted", 0, 2, 70001, 0x6943f3692e2e1324u},
    {"sorted", 1, 3, 1, 0x616ffd86afa3a962u},
    {"sorted", 1, 3, 7, 0x605fcf470844cc1eu},
    {"sorted", 1, 2, 1000, 0x9d3f510261f0bff7u},
    {"sorted", 1, 1, 65536, 0xb9396d1f52e4871bu},
    {"sorted", 1, 2, 70001, 0x2a1d2f74f6b10cd2u},
    {"scaled:100", 0, 3, 1, 0xb975e5d4750fffb4u},
    {"scaled:100", 0, 3, 7, 0x89a69f0b9384d05au},
    {"scaled:100", 0, 2, 1000, 0xbeae357162adf1e7u},
    {"scaled:100", 0, 1, 65536, 0xf4c0970b4c45e770u},
    {"scaled:100", 0, 2, 70001, 0xf5cd8f940746dab4u},
    {"scaled:100", 1, 3, 1, 0x91e96ef6f1a503a7u},
    {"scaled:100", 1, 3, 7, 0xb0d2fcc015aa5d46u},
    {"scaled:100", 1, 2, 1000, 0xb23a5256c60716fau},
    {"scaled:100", 1, 1, 65536, 0xe89be9c5d7a56158u},
    {"scaled:100", 1, 2, 70001, 0xa6935075ad33c987u},
    {"normal:3", 0, 1, 4194304, 0xb9c8e65d83888f99u},
    {"lm", 0, 1, 4194304, 0x48ed9bfb919f0678u},
};

Test(gen, the_same_bits_as_one_thread_gave, .timeout = 300)
{
	for (size_t k = 0; k < sizeof pins / sizeof *pins; k++) {
		const struct pin *p = &pins[k];
		struct smx_dist d;
		cr_assert_eq(smx_dist_parse(p->spec, &d), 0);
		double *x = malloc(p->rows * p->n * sizeof *x);
		cr_assert(x);
		smx_dist_fill(&d, (smx_dtype)p->dt, 42, p->rows, p->n, x);
		uint64_t h = fnv(x, p->rows * p->n * sizeof *x);
		cr_expect_eq(h, p->hash, "%s %s %zux%zu: hash %016llx, pinned %016llx", p->spec,
			     p->dt ? "f64" : "f32", p->rows, p->n, (unsigned long long)h,
			     (unsigned long long)p->hash);
		free(x);
	}
}

/* One thread and two give the same rows, and the dtype-typed fill holds
 * the same values as the double fill (planted: a float rounding that is
 * not the double path's, or a row generated from a thread-dependent
 * state). */
Test(gen, threads_and_typed_fill_agree, .timeout = 300)
{
	const size_t n = 40009;
	for (size_t i = 0; i < smx_dist_ndefaults; i++) {
		struct smx_dist d;
		smx_dist_parse(smx_dist_defaults[i], &d);
		for (int dt = 0; dt < 2; dt++) {
			double *a = malloc(2 * n * sizeof *a), *b = malloc(2 * n * sizeof *b);
			void *t = malloc(2 * n * sizeof(double));
			cr_assert(a && b && t);
			int threads = omp_get_max_threads();
			omp_set_num_threads(1);
			smx_dist_fill(&d, (smx_dtype)dt, 3, 2, n, a);
			omp_set_num_threads(threads > 1 ? threads : 2);
			smx_dist_fill(&d, (smx_dtype)dt, 3, 2, n, b);
			smx_dist_fill_as(&d, (smx_dtype)dt, 3, 2, n, t);
			omp_set_num_threads(threads);
			cr_expect(!memcmp(a, b, 2 * n * sizeof *a), "%s %s: threads differ", d.spec,
				  dt ? "f64" : "f32");
			size_t bad = 0;
			for (size_t k = 0; k < 2 * n; k++)
				bad += (dt ? ((double *)t)[k] : (double)((float *)t)[k]) != a[k];
			cr_expect_eq(bad, 0, "%s %s: %zu typed values differ", d.spec,
				     dt ? "f64" : "f32", bad);
			free(a);
			free(b);
			free(t);
		}
	}
}
