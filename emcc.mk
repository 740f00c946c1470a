# emcc.mk — the emscripten rules, included by Makefile when PLATFORM=wasm.
# It reuses the Makefile's rules and changes only the compiler, the OS layer,
# the executable suffix, the link flags and how a test runs (node).

# emcc needs Debian's node modules (acorn) on NODE_PATH.
export NODE_PATH := /usr/share/nodejs

CC  := emcc
AR  := emar
EXE := .js
RUN = node $(1)

PLATFORM_SRC := arch/sys_wasm.c

# Atomics without threads: 64-bit atomic counters in debuglog/trace buffers.
CSTD += -matomics -mbulk-memory

CMOCKA_DIR    := build/deps/cmocka-wasm
# _UINTPTR_T: emscripten's libc defines uintptr_t; stop cmocka.h doing it again.
CMOCKA_CFLAGS := -I$(CMOCKA_DIR)/include -D_UINTPTR_T
CMOCKA_LIBS   := $(CMOCKA_DIR)/lib/libcmocka.a

# Node 20's global fetch breaks 3.1.6's async loader: load synchronously.
# Memory grows up to the 4 GiB of wasm32; NODERAWFS gives the host's files
# (trace output, test programs); EXIT_RUNTIME makes main's status the exit code;
# node_env.pre.js hands Node's environment to getenv (WGC_SEED, WGC_TRACE_FILE).
PLATFORM_LDFLAGS := -sENVIRONMENT=node -sWASM_ASYNC_COMPILATION=0 \
                    -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB \
                    -sNODERAWFS=1 -sEXIT_RUNTIME=1 -matomics -mbulk-memory \
                    --pre-js arch/node_env.pre.js

# ASan is native only.
OPT_asan :=
