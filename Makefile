# wgc — native build, tests and the top-level targets.
#
#   make demo        build and run the demo under Node (the README's first command)
#   make test        every suite: native debug, native ASan+UBSan, wasm under
#                    Node, the ALIGN=0 baseline checks and the examples' suites
#   make bench       the benchmarks (programs, not tests)
#   make fuzz        the libFuzzer targets, FUZZ_SECONDS (60) each (fuzz/README.md)
#   make deps        install what the build needs (called by the targets above)
#
# Knobs (one configuration per build directory, build/$(PLATFORM)-$(BUILD)[-noalign][-nolog]):
PLATFORM ?= posix   # posix (host, the stand-in OS layer) or wasm (emcc, run by node)
BUILD    ?= debug   # debug | release | asan (ASan+UBSan) | stress (collect on every allocation)
ALIGN    ?= 1       # 1: the page-alignment invariant; 0: the unaligned baseline
LOG      ?= 1       # 1: debuglog and trace compiled in (off until enabled); 0: compiled out
WGC_DEBUG ?=        # override the debug tier (0..3); empty: from BUILD
V        ?= 0       # 1: echo the commands

override PLATFORM := $(strip $(PLATFORM))
override BUILD := $(strip $(BUILD))
override ALIGN := $(strip $(ALIGN))
override LOG := $(strip $(LOG))

OUT := build/$(PLATFORM)-$(BUILD)$(if $(filter 0,$(ALIGN)),-noalign)$(if $(filter 0,$(LOG)),-nolog)

Q := $(if $(filter 1,$(V)),,@)

# ---- the native toolchain (emcc.mk overrides these for PLATFORM=wasm) --------
CC      := cc
AR      := ar
EXE     :=
RUN      = $(1)
CMOCKA_CFLAGS :=
CMOCKA_LIBS   := -lcmocka
PLATFORM_SRC  := arch/sys_posix.c
PLATFORM_LDFLAGS :=

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wno-unused-parameter
CSTD     := -std=gnu11

OPT_debug   := -O1 -g
OPT_release := -O2 -g
OPT_asan    := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT_stress  := -O1 -g
DEBUG_debug   := 2
DEBUG_release := 0
DEBUG_asan    := 1   # 1, so the release path (sweep zeroes, no poison) runs under the sanitizers
DEBUG_stress  := 2

ifeq ($(PLATFORM),wasm)
include emcc.mk
endif

ifeq ($(OPT_$(BUILD)),)
$(error BUILD must be one of debug, release, asan, stress (got '$(BUILD)'))
endif

WGC_DEBUG_LEVEL := $(if $(strip $(WGC_DEBUG)),$(strip $(WGC_DEBUG)),$(DEBUG_$(BUILD)))
DEFS := -DSYS_ALIGN=$(ALIGN) -DWGC_DEBUG=$(WGC_DEBUG_LEVEL) -DWGC_DEBUGLOG=$(LOG) -DWGC_TRACE=$(LOG) $(if $(filter stress,$(BUILD)),-DWGC_STRESS_DEFAULT=1)
CFLAGS  := $(CSTD) $(OPT_$(BUILD)) $(WARNINGS) $(DEFS) -MMD -MP -Iarch -Iheap -Iruntime $(EXTRA_CFLAGS)
LDFLAGS := $(OPT_$(BUILD)) $(PLATFORM_LDFLAGS) $(EXTRA_LDFLAGS)

# ---- sources ------------------------------------------------------------------
LIB_SRC := arch/sys.c $(PLATFORM_SRC) $(sort $(wildcard heap/*.c)) $(sort $(wildcard runtime/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(OUT)/%.o)
LIB     := $(OUT)/libwgc.a

TEST_SRC := $(sort $(wildcard test/test_*.c))
PROG_SRC := $(sort $(wildcard test/prog_*.c test/bench_*.c))
TESTS    := $(TEST_SRC:test/%.c=$(OUT)/test/%$(EXE))
# Shared test sources: every other test/*.c (the model test, the JSON
# reader, ...), compiled once per configuration into one archive that every
# suite links; a suite takes only the objects it uses.
TEST_SHARED_SRC := $(filter-out test/test_% test/prog_% test/bench_%,$(sort $(wildcard test/*.c)))
TEST_SHARED_OBJ := $(TEST_SHARED_SRC:test/%.c=$(OUT)/test/%.o)
TESTLIB         := $(OUT)/test/libtest.a

.PHONY: all lib tests check deps test demo bench clean
.SECONDARY:
.DEFAULT_GOAL := all

all: lib

lib: $(LIB)

$(OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC  $(PLATFORM)-$(BUILD)  $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# Examples are embedders: wgc's internal headers refuse them (CONTRIBUTING.md).
$(OUT)/examples/%.o: CFLAGS += -DWGC_EMBEDDER

$(LIB): $(LIB_OBJ)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(TESTLIB): $(TEST_SHARED_OBJ)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(OUT)/test/%$(EXE): $(OUT)/test/%.o test/testutil.h $(TESTLIB) $(LIB)
	$(if $(Q),@echo "  LD  $(PLATFORM)-$(BUILD)  $@")
	$(Q)$(CC) $(LDFLAGS) $< $(TESTLIB) $(LIB) $(CMOCKA_LIBS) -o $@

$(OUT)/test/%.o: test/%.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC  $(PLATFORM)-$(BUILD)  $<")
	$(Q)$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) -Itest -c $< -o $@

# Stand-alone test programs (no cmocka), e.g. for test/baseline.sh.
$(OUT)/test/prog_%$(EXE): $(OUT)/test/prog_%.o $(LIB)
	$(if $(Q),@echo "  LD  $(PLATFORM)-$(BUILD)  $@")
	$(Q)$(CC) $(LDFLAGS) $< $(LIB) -o $@

# Benchmark programs of the internal layers (test/bench_*.c), for make bench.
$(OUT)/test/bench_%$(EXE): $(OUT)/test/bench_%.o $(LIB)
	$(if $(Q),@echo "  LD  $(PLATFORM)-$(BUILD)  $@")
	$(Q)$(CC) $(LDFLAGS) $< $(LIB) -o $@

tests: $(TESTS)

# Run every suite of this one configuration; fail if any fails.
check: $(TESTS)
	@fail=0; for t in $(TESTS); do \
	    echo "=== $(PLATFORM)-$(BUILD)$(if $(filter 0,$(ALIGN)),-noalign): $$t"; \
	    $(call RUN,$$t) || { echo "FAILED: $$t"; fail=1; }; \
	done; exit $$fail

-include $(LIB_OBJ:.o=.d) $(TEST_SRC:test/%.c=$(OUT)/test/%.d) $(PROG_SRC:test/%.c=$(OUT)/test/%.d) \
         $(TEST_SHARED_OBJ:.o=.d)

# ---- top-level targets ----------------------------------------------------------
deps:
	@bash scripts/deps.sh

# The README's test command: every configuration's suites (scripts/test-all.sh
# lists them), each even when an earlier one failed; it ends with one line
# "make test: N passed, M failed" and fails if any test did.
test: deps
	@bash scripts/test-all.sh

demo: deps
	@$(MAKE) --no-print-directory PLATFORM=wasm BUILD=release demo-run

# The suite (examples/bench, report in build/bench/report.md), then the page
# allocator at 1 GiB and the cost of debuglog/trace (their own tables,
# build/bench/pages.txt and build/bench/logcost.md; RESULT lines appended to
# build/bench/results.txt); last, the summary tables (build/bench/summary.txt).
bench: deps
	@$(MAKE) --no-print-directory PLATFORM=wasm BUILD=release bench-run
	@$(MAKE) --no-print-directory bench-pages
	@$(MAKE) --no-print-directory bench-weak
	@bash scripts/logcost.sh
	@echo; cat build/bench/summary.txt

# The page allocator at a 1 GiB heap, native and wasm (test/bench_pages.c);
# its RESULT lines join the suite's results.
.PHONY: bench-pages
bench-pages:
	@$(MAKE) --no-print-directory PLATFORM=posix BUILD=release build/posix-release/test/bench_pages
	@$(MAKE) --no-print-directory PLATFORM=wasm BUILD=release build/wasm-release/test/bench_pages.js
	@mkdir -p build/bench
	@build/posix-release/test/bench_pages | tee build/bench/pages.txt
	@node build/wasm-release/test/bench_pages.js | tee -a build/bench/pages.txt
	@grep '^RESULT' build/bench/pages.txt >> build/bench/results.txt

# What weak references, ephemerons and finalizers cost a full collection of
# a million live objects, wasm (test/bench_weak.c; build/bench/weak.txt).
.PHONY: bench-weak
bench-weak:
	@$(MAKE) --no-print-directory PLATFORM=wasm BUILD=release build/wasm-release/test/bench_weak.js
	@mkdir -p build/bench
	@node build/wasm-release/test/bench_weak.js | tee build/bench/weak.txt
	@grep '^RESULT' build/bench/weak.txt >> build/bench/results.txt

clean:
	rm -rf build/posix-* build/wasm-* build/bench build/fuzz

# The libFuzzer targets (fuzz/fuzz.mk, its own makefile; clang, ASan+UBSan,
# the posix build): `make fuzz FUZZ_SECONDS=N` runs each for N seconds from
# the seeds in fuzz/corpus/; fuzz-check (run by make test) for a short fixed time.
.PHONY: fuzz fuzz-check
fuzz: deps
	@$(MAKE) --no-print-directory -f fuzz/fuzz.mk run
fuzz-check:
	@$(MAKE) --no-print-directory -f fuzz/fuzz.mk check

# Each example folder brings its own rules (examples/*/*.mk): it adds its
# suites as prerequisites of examples-check (run by make test), and the demo
# and benchmark folders define demo-run and bench-run.
.PHONY: examples-check demo-run bench-run
examples-check:
-include $(sort $(wildcard examples/*/*.mk))

# Installing the C library and packing the npm package (packaging/packaging.mk).
-include packaging/packaging.mk
