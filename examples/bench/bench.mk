# bench.mk — the benchmark suite (examples/bench), included by the Makefile.
#
#   make bench             the whole suite: builds the libraries and programs
#                          of every configuration, runs them interleaved and
#                          writes build/bench/{results.txt,report.md,heap.svg}
#   make bench QUICK=1     a smoke test: small sizes, 2 runs each
#   make bench BIG=1       also large objects on a 1 GiB heap (adds ~4 min)
#   make bench NICE=-10    run the programs at a higher priority (root), when
#                          other work shares the machine
#   make bench-deps        gnuplot, GNU time and bdwgc for wasm (optional)
#   make bench-progs       build the programs only
#
# `make bench` calls `make PLATFORM=wasm BUILD=release bench-run`; the
# configurations it compares are fixed here, whatever PLATFORM/BUILD say:
#   wasm-wgc          wgc, PLATFORM=wasm BUILD=release (the aligned default)
#   wasm-wgc-nogen    wasm-wgc's programs run with WGC_GEN=0: wgc without
#                     generations (run.sh sets the environment; no binaries
#                     of its own)
#   wasm-wgc-noalign  wgc, PLATFORM=wasm BUILD=release ALIGN=0 (the baseline)
#   wasm-malloc       emscripten's malloc (dlmalloc), plain malloc + free
#   wasm-calloc       the same with calloc (zeroed, like wgc's objects)
#   wasm-bdwgc        bdwgc 8.2 (Debian's libgc source) built with emcc,
#                     programs linked with Asyncify (when bench-deps built it)
#   wasm-bdwgc-incr   the same with GC_enable_incremental() at start
#   wasm-bdwgc-noasync  bdwgc without Asyncify: register scanning off, the
#                     programs' BENCH_LOCALS keep locals in the C stack
#   posix-wgc         wgc, PLATFORM=posix BUILD=release, native
#   posix-malloc      glibc's malloc, plain malloc + free, native
# 1: small sizes and 2 runs (smoke test)
QUICK ?= 0
# runs per program and configuration (empty: 5, or 2 with QUICK=1)
BENCH_RUNS ?=

BENCH_OUT   := build/bench
BENCH_PROGS := binarytrees gcbench churn allocsize large pause allocmicro mutate
BENCH_SRC   := examples/bench
BENCH_BDWGC := build/deps/bdwgc-wasm

# Programs are compiled the way the release library is (-O2), with the same
# warnings, against runtime/wgc.h only.
BENCH_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
                -Wmissing-prototypes -Wno-unused-parameter -Iruntime -DWGC_EMBEDDER
# The link flags of emcc.mk (which is included only when PLATFORM=wasm),
# with arch/node_env.pre.js, which hands Node's environment to getenv
# (WGC_TRACE_FILE for the heap plot).
BENCH_WASM_FLAGS := -matomics -mbulk-memory
BENCH_PRE_JS := arch/node_env.pre.js
BENCH_WASM_LDFLAGS := -sENVIRONMENT=node -sWASM_ASYNC_COMPILATION=0 \
                      -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB \
                      -sNODERAWFS=1 -sEXIT_RUNTIME=1 --pre-js $(BENCH_PRE_JS)
# bdwgc sees wasm locals only by unwinding them with Asyncify.
BENCH_BDWGC_FLAGS := -I$(BENCH_BDWGC)/include -sASYNCIFY -sASYNCIFY_STACK_SIZE=65536
BENCH_BDWGC_INCR_FLAGS := $(BENCH_BDWGC_FLAGS) -DBENCH_BDWGC_INCREMENTAL=1
# Without Asyncify (emscripten_scan_registers is never called).
BENCH_BDWGC_NOASYNC_FLAGS := -I$(BENCH_BDWGC)/include -DBENCH_BDWGC_NOASYNC=1

# The bdwgc configurations join when bench-deps could build bdwgc.
# bench-run asks again at run time: on a fresh tree bdwgc appears after this
# file was read.
BENCH_BDWGC_CONFIGS := wasm-bdwgc wasm-bdwgc-incr wasm-bdwgc-noasync
BENCH_CONFIGS := wasm-wgc wasm-wgc-nogen wasm-wgc-noalign wasm-malloc wasm-calloc posix-wgc posix-malloc \
                 $(if $(wildcard $(BENCH_BDWGC)/lib/libgc.a),$(BENCH_BDWGC_CONFIGS))

# bench_config(name, compiler, CONFIG_, library, flags, suffix)
define bench_config
$(BENCH_OUT)/$(1)/%$(6): $(BENCH_SRC)/%.c $(BENCH_SRC)/bench.h runtime/wgc.h $(4) $(BENCH_PRE_JS)
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD  bench $(1)  $$@")
	$$(Q)NODE_PATH=/usr/share/nodejs $(2) $$(BENCH_CFLAGS) $(5) -DCONFIG_$(3) -DBENCH_CONFIG='"$(1)"' \
	    $$< $(4) -o $$@ -lm
BENCH_BINS += $(BENCH_PROGS:%=$(BENCH_OUT)/$(1)/%$(6))
endef

BENCH_BINS :=
$(eval $(call bench_config,wasm-wgc,emcc,WGC,build/wasm-release/libwgc.a,$$(BENCH_WASM_FLAGS) $$(BENCH_WASM_LDFLAGS),.js))
$(eval $(call bench_config,wasm-wgc-noalign,emcc,WGC,build/wasm-release-noalign/libwgc.a,$$(BENCH_WASM_FLAGS) $$(BENCH_WASM_LDFLAGS),.js))
$(eval $(call bench_config,wasm-malloc,emcc,MALLOC,,$$(BENCH_WASM_FLAGS) $$(BENCH_WASM_LDFLAGS),.js))
$(eval $(call bench_config,wasm-calloc,emcc,MALLOC,,$$(BENCH_WASM_FLAGS) $$(BENCH_WASM_LDFLAGS) -DBENCH_CALLOC=1,.js))
$(eval $(call bench_config,wasm-bdwgc,emcc,BDWGC,$(BENCH_BDWGC)/lib/libgc.a,$$(BENCH_WASM_FLAGS) $$(BENCH_WASM_LDFLAGS) $$(BENCH_BDWGC_FLAGS),.js))
$(eval $(call bench_config,wasm-bdwgc-incr,emcc,BDWGC,$(BENCH_BDWGC)/lib/libgc.a,$$(BENCH_WASM_FLAGS) $$(BENCH_WASM_LDFLAGS) $$(BENCH_BDWGC_INCR_FLAGS),.js))
$(eval $(call bench_config,wasm-bdwgc-noasync,emcc,BDWGC,$(BENCH_BDWGC)/lib/libgc.a,$$(BENCH_WASM_FLAGS) $$(BENCH_WASM_LDFLAGS) $$(BENCH_BDWGC_NOASYNC_FLAGS),.js))
$(eval $(call bench_config,posix-wgc,cc,WGC,build/posix-release/libwgc.a,,))
$(eval $(call bench_config,posix-malloc,cc,MALLOC,,,))

BENCH_WANT := $(foreach c,$(BENCH_CONFIGS),$(filter $(BENCH_OUT)/$(c)/%,$(BENCH_BINS)))

.PHONY: bench-deps bench-libs bench-progs
bench-deps:
	@bash $(BENCH_SRC)/deps.sh

# The three wgc libraries, each by its own sub-make (one configuration per
# build directory).
bench-libs:
	@$(MAKE) --no-print-directory PLATFORM=wasm BUILD=release ALIGN=1 lib
	@$(MAKE) --no-print-directory PLATFORM=wasm BUILD=release ALIGN=0 lib
	@$(MAKE) --no-print-directory PLATFORM=posix BUILD=release ALIGN=1 lib

bench-progs: bench-libs
	@$(MAKE) --no-print-directory bench-bins

.PHONY: bench-bins
bench-bins: $(BENCH_WANT)

bench-run: bench-deps
	@$(MAKE) --no-print-directory bench-progs
	@QUICK=$(strip $(QUICK)) RUNS=$(strip $(BENCH_RUNS)) \
	    CONFIGS="$(filter-out $(BENCH_BDWGC_CONFIGS),$(BENCH_CONFIGS))$$([ -f $(BENCH_BDWGC)/lib/libgc.a ] && echo ' $(BENCH_BDWGC_CONFIGS)')" \
	    bash $(BENCH_SRC)/run.sh
