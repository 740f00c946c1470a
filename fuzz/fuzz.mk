# fuzz.mk — the libFuzzer targets (fuzz/README.md), a makefile of its own:
# the top-level Makefile's `fuzz` and `fuzz-check` targets run it with
# `$(MAKE) -f fuzz/fuzz.mk ...` from the top of the tree.
#
#   make -f fuzz/fuzz.mk build              the three fuzzers, build/fuzz/fuzz_{api,lisp,types}
#   make -f fuzz/fuzz.mk run FUZZ_SECONDS=N each for N seconds from fuzz/corpus/<target>,
#                                           new inputs under build/fuzz/corpus/<target>
#   make -f fuzz/fuzz.mk check              each for FUZZ_CHECK_SECONDS (make test);
#                                           prints "fuzz: N passed, M failed"
#   make -f fuzz/fuzz.mk regressions        replay fuzz/regressions/<t>/* on builds that
#                                           do not avoid the known defects: which still fail
#
# The library is the posix build (arch/sys_posix.c stands in for wasm
# linear memory), compiled with clang for libFuzzer's coverage and with
# ASan and UBSan, at WGC_DEBUG=2 (internal invariants, freed slots poisoned).
# FUZZ_KNOWN_BUGS=1 stops avoiding the known library defects
# (fuzz/FINDINGS.md), so the fuzzers find them again.

FUZZ_SECONDS       ?= 60
FUZZ_CHECK_SECONDS ?= 15
FUZZ_KNOWN_BUGS    ?= 0
FUZZ_TARGETS       := api lisp types
FZ                 := build/fuzz

FZ_CC := clang
FZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FZ_WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
           -Wno-unused-parameter
FZ_CFLAGS := -std=gnu11 -O1 -g $(FZ_SAN) -fsanitize=fuzzer-no-link $(FZ_WARN) \
             -DSYS_ALIGN=1 -DWGC_DEBUG=2 -DWGC_DEBUGLOG=1 -DWGC_TRACE=1 -MMD -MP
FZ_LDFLAGS := -fsanitize=fuzzer $(FZ_SAN)
FZ_AVOID := $(if $(filter 1,$(FUZZ_KNOWN_BUGS)),-DFUZZ_AVOID_PACKED_ARRAYS=0 \
            -DFUZZ_AVOID_INTERIOR_FIELDS=0 -DFUZZ_AVOID_NULL_FRAME_SLOT=0 \
            -DFUZZ_AVOID_READER_LEAK=0)
FZ_OBJ := $(FZ)/obj$(if $(filter 1,$(FUZZ_KNOWN_BUGS)),-known)
FZ_BIN := $(FZ)$(if $(filter 1,$(FUZZ_KNOWN_BUGS)),/known)

FZ_LIB_SRC  := arch/sys.c arch/sys_posix.c $(sort $(wildcard heap/*.c)) $(sort $(wildcard runtime/*.c))
FZ_LISP_SRC := $(filter-out examples/lisp/lisp_main.c,$(sort $(wildcard examples/lisp/*.c)))
FZ_LIB_OBJ  := $(FZ_LIB_SRC:%.c=$(FZ)/obj/%.o)
FZ_LISP_OBJ := $(FZ_LISP_SRC:%.c=$(FZ)/obj/%.o)
FZ_BINS     := $(FUZZ_TARGETS:%=$(FZ_BIN)/fuzz_%)

# -- as in the real world: the examples and the harnesses see wgc.h only.
FZ_WRAP := -Wl,--wrap=wgc_alloc,--wrap=wgc_alloc_array,--wrap=wgc_alloc_bytes,--wrap=intern

.PHONY: build run check regressions
.SECONDARY:
build: $(FZ_BINS)

$(FZ)/obj/arch/%.o $(FZ)/obj/heap/%.o $(FZ)/obj/runtime/%.o: FZ_INC := -Iarch -Iheap -Iruntime
$(FZ)/obj/examples/%.o: FZ_INC := -Iruntime -DWGC_EMBEDDER
$(FZ)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC  fuzz  $<"
	@$(FZ_CC) $(FZ_CFLAGS) $(FZ_INC) -c $< -o $@

# The harnesses: warnings are errors here (the library's own flags are the
# Makefile's business).
$(FZ_OBJ)/fuzz_%.o: fuzz/fuzz_%.c fuzz/fuzz_common.h
	@mkdir -p $(@D)
	@echo "  CC  fuzz  $<"
	@$(FZ_CC) $(FZ_CFLAGS) -Werror $(FZ_AVOID) -Iruntime -Iexamples/lisp -DWGC_EMBEDDER -c $< -o $@

$(FZ_BIN)/fuzz_api $(FZ_BIN)/fuzz_types: $(FZ_BIN)/fuzz_%: $(FZ_OBJ)/fuzz_%.o $(FZ_LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  LD  fuzz  $@"
	@$(FZ_CC) $(FZ_LDFLAGS) $^ -o $@

$(FZ_BIN)/fuzz_lisp: $(FZ_OBJ)/fuzz_lisp.o $(FZ_LISP_OBJ) $(FZ_LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  LD  fuzz  $@"
	@$(FZ_CC) $(FZ_LDFLAGS) $(FZ_WRAP) $^ -lm -o $@

-include $(FZ_LIB_OBJ:.o=.d) $(FZ_LISP_OBJ:.o=.d) $(FUZZ_TARGETS:%=$(FZ_OBJ)/fuzz_%.d)

# fuzz/run.sh runs them one at a time, in one process each (the machine
# is shared), with each target's max_len and dictionary.
run: build
	@bash fuzz/run.sh run $(FUZZ_SECONDS) $(FZ_BIN) $(FUZZ_TARGETS)

check: build
	@bash fuzz/run.sh check $(FUZZ_CHECK_SECONDS) $(FZ_BIN) $(FUZZ_TARGETS)

# Each reproducer of a library defect (FINDINGS.md), on the FUZZ_KNOWN_BUGS=1
# build: "still fails" until the defect is fixed.
regressions:
	@$(MAKE) --no-print-directory -f fuzz/fuzz.mk FUZZ_KNOWN_BUGS=1 build
	@for f in $(sort $(wildcard fuzz/regressions/*/*)); do \
	    t=$$(basename $$(dirname $$f)); \
	    if $(FZ)/known/fuzz_$$t $$f >$(FZ)/replay.log 2>&1; then echo "fixed:       $$f"; \
	    else echo "still fails: $$f: $$(grep -aE -A1 'FUZZ CHECK|runtime error|ERROR: (Addr|Leak)|wgc: ' \
	        $(FZ)/replay.log | head -n 2 | tr -s '\n ' ' ')"; fi; \
	done
