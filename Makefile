# smx build. Sources are found by wildcard; a new kernel file needs no edit
# here. Overrides (CC, BUILD, OPT) go in an optional config.mk.
-include config.mk

CC ?= cc
BUILD ?= build
OPT ?= -O2

# Scalar code stays scalar: no vector ISA flags and no contraction into FMA,
# so the baselines are the plain C they look like and cpuid dispatch means
# something. SIMD files get their ISA flags per object, below.
WARN := -Wall -Wextra -Werror
OPENMP ?= -fopenmp
BASE_CFLAGS := -std=c11 $(OPT) -g $(WARN) -ffp-contract=off $(OPENMP) -MMD -MP \
	-Iimpls -Ireference -Iharness
AVX2_FLAGS := -mavx2 -mfma
AVX512_FLAGS := -mavx512f -mavx512dq -mavx512vl -mavx512bw
LDLIBS := -lmpfr -lgmp -lm -ldl $(OPENMP)

# Peers: compiled in when their headers and libraries are present (PEERS=0
# leaves them out).
PEERS ?= 1
probe = $(if $(filter 1,$(PEERS)),$(shell $(CC) scripts/probes/$(1).c $(2) -o /dev/null 2>/dev/null && echo 1))
HAVE_XNNPACK := $(call probe,xnnpack,-lXNNPACK)
HAVE_DNNL := $(call probe,dnnl,-ldnnl)
ifeq ($(HAVE_XNNPACK),1)
BASE_CFLAGS += -DSMX_HAVE_XNNPACK
LDLIBS += -lXNNPACK
endif
ifeq ($(HAVE_DNNL),1)
BASE_CFLAGS += -DSMX_HAVE_DNNL
LDLIBS += -ldnnl
endif

CFLAGS ?=
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS) -DSMX_BUILD_FLAGS='"$(OPT) $(CFLAGS)"'

LIB_SRC := $(wildcard impls/*.c) $(wildcard reference/*.c) \
	$(filter-out harness/main.c,$(wildcard harness/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/*.c)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)

# Install missing system packages first (scripts/install-deps.sh).
DEPS_MISSING := $(shell scripts/install-deps.sh --check >/dev/null 2>&1 || echo 1)

.PHONY: all deps test san format format-check clean report exp-exhaustive fuzz ref-identity oracle
all: $(BUILD)/smx

deps:
ifeq ($(DEPS_MISSING),1)
	scripts/install-deps.sh
endif

# Objects are rebuilt when the flags change (a peer appears, CFLAGS differ).
FLAGS_STAMP := $(BUILD)/flags.stamp
$(shell mkdir -p $(BUILD); echo '$(ALL_CFLAGS) $(LDLIBS)' | cmp -s - $(FLAGS_STAMP) || \
	echo '$(ALL_CFLAGS) $(LDLIBS)' > $(FLAGS_STAMP))

$(BUILD)/%.o: %.c $(FLAGS_STAMP) | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/impls/%_avx2.o: ALL_CFLAGS += $(AVX2_FLAGS)
$(BUILD)/impls/%_avx512.o: ALL_CFLAGS += $(AVX512_FLAGS)
$(BUILD)/impls/lowp_avx2.o: ALL_CFLAGS += -mf16c
$(BUILD)/harness/cmd_report.o: ALL_CFLAGS += -DSMX_SOURCE_DIR='"$(abspath .)"'
$(BUILD)/tests/%.o: ALL_CFLAGS += -D_XOPEN_SOURCE=700 -DSMX_BIN='"$(abspath $(BUILD))/smx"' \
	-DSMX_TESTDATA='"$(abspath tests/data)"' -DSMX_PLUGINS='"$(abspath $(BUILD))/plugins"' -DSMX_MUTANTS='"$(abspath $(BUILD))/mutants"' -DSMX_EXAMPLES='"$(abspath examples/plugin)"'

$(BUILD)/libsmx.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/smx: $(BUILD)/harness/main.o $(BUILD)/libsmx.a
	$(CC) $(ALL_CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/smx-tests: $(TEST_OBJ) $(BUILD)/libsmx.a
	$(CC) $(ALL_CFLAGS) $^ $(LDLIBS) -lcriterion -o $@

# Plug-ins: the worked examples and the ones the tests refuse or catch
# misbehaving. Plain flags: a plug-in is the user's code, not smx's; a few
# test plug-ins add their own (PLUGIN_FLAGS).
PLUGIN_SRC := $(wildcard examples/plugin/*.c) $(wildcard tests/plugins/*.c)
PLUGINS := $(patsubst %.c,$(BUILD)/plugins/%.so,$(notdir $(PLUGIN_SRC)))
$(BUILD)/plugins/fastmath.so: PLUGIN_FLAGS := -ffast-math
$(BUILD)/plugins/omp_rows.so: PLUGIN_FLAGS := -fopenmp
$(BUILD)/plugins/%.so: examples/plugin/%.c impls/smx_plugin.h impls/smx.h | deps
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared -Iimpls $< -o $@ -lm
$(BUILD)/plugins/%.so: tests/plugins/%.c impls/smx_plugin.h impls/smx.h impls/smx_variant.h \
		impls/smx_xent_params.h \
		$(wildcard tests/plugins/*.h) | deps
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared $(PLUGIN_FLAGS) -Iimpls $< -o $@ -lm

# Planted-bug plug-ins and correct controls (tests/mutants/, one bug each;
# each file's header says which check catches it). today's SIMD kernels
# need their ISA; ftz_fastmath is the -ffast-math build.
MUTANTS := $(patsubst tests/mutants/%.c,$(BUILD)/mutants/%.so,$(wildcard tests/mutants/*.c))
$(BUILD)/mutants/%.so: tests/mutants/%.c $(wildcard tests/mutants/*.h tests/mutants/*.inc) \
		impls/smx_plugin.h impls/smx.h | deps
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared -Iimpls $(MUTANT_FLAGS) $< -o $@ -lm
$(BUILD)/mutants/twopass_today.so $(BUILD)/mutants/accurate_today.so: MUTANT_FLAGS := $(AVX2_FLAGS)
$(BUILD)/mutants/ftz_fastmath.so: MUTANT_FLAGS := -ffast-math

# Criterion runs two tests at a time; each uses one OpenMP thread (waiting
# threads sleep), so the two cores are not oversubscribed. The tests that
# compare thread counts set theirs.
test: $(BUILD)/smx $(BUILD)/smx-tests $(PLUGINS) $(MUTANTS)
	OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive $(BUILD)/smx-tests --jobs 2

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
san:
	LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0 \
	$(MAKE) BUILD=build-san OPT=-O1 \
		CFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer' test

# smx ref in the reduced formats against a second oracle (mpmath, not MPFR):
# softmax, log-softmax and lse of bf16 and f16 rows, and softmax into e4m3
# and e5m2, bit for bit (scripts/install-deps.sh --oracle).
oracle: $(BUILD)/smx
	python3 tests/oracle_lowp.py $(BUILD)/smx

# Every f32 in the range each vector exp serves, against glibc's double exp
# (minutes on two cores).
exp-exhaustive: $(BUILD)/smx
	$(BUILD)/smx exp --exhaustive --dtype f32

report: $(BUILD)/smx
	$(BUILD)/smx report

# The reference's fast path against its MPFR path, value for value, on
# REF_IDENTITY_VALUES values (minutes on two cores; REF_IDENTITY_SECONDS > 0
# stops it, failing, at that time); `make test` runs 10^6.
REF_IDENTITY_VALUES ?= 100000000
REF_IDENTITY_SECONDS ?= 0
$(BUILD)/ref-identity: tests/tools/ref_identity.c tests/ref_identity.h $(BUILD)/libsmx.a
	$(CC) $(ALL_CFLAGS) -Itests $< $(BUILD)/libsmx.a $(LDLIBS) -o $@
ref-identity: $(BUILD)/ref-identity
	$(BUILD)/ref-identity $(REF_IDENTITY_VALUES) tests/data/ref_hard.txt $(REF_IDENTITY_SECONDS)

# Fuzzing (libFuzzer, clang): the file parsers, the option parser and the
# baseline writer, built with clang into build-fuzz and run for FUZZ_SECONDS
# each. The committed corpus (tests/fuzz/<target>/) is copied to
# build-fuzz/corpus/<target>, where new inputs and any crash land: the
# source tree is left as it was.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZ_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all
fuzz: deps
	$(MAKE) BUILD=build-fuzz CC=clang OPT=-O1 OPENMP= PEERS=0 \
		CFLAGS='$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -Wno-unknown-pragmas' build-fuzz/libsmx.a
	@mkdir -p build-fuzz/bin
	set -e; for t in $(FUZZ_TARGETS); do \
		clang -std=c11 -g -O1 $(FUZZ_FLAGS) -fsanitize=fuzzer -Iimpls -Ireference -Iharness \
			tests/fuzz/$$t.c build-fuzz/libsmx.a -lmpfr -lgmp -lm -ldl -o build-fuzz/bin/$$t; \
		mkdir -p build-fuzz/corpus/$$t; \
		if [ -d tests/fuzz/$$t ]; then cp -R tests/fuzz/$$t/. build-fuzz/corpus/$$t/; fi; \
		build-fuzz/bin/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
			-artifact_prefix=build-fuzz/$$t- -print_final_stats=1 build-fuzz/corpus/$$t; \
	done

FORMAT_SRC = $(wildcard impls/*.[ch] reference/*.[ch] harness/*.[ch] tests/*.[ch])
format:
	clang-format -i $(FORMAT_SRC)
format-check:
	clang-format --dry-run --Werror $(FORMAT_SRC)

clean:
	rm -rf build build-san build-fuzz

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/harness/main.d
