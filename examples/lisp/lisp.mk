# lisp.mk — the Scheme example (examples/lisp) and its Node runner
# (examples/node), included by the Makefile.
#
#   make demo                     builds the wasm release and runs demo.scm
#   make test                     runs the test suite (wasm debug) among the rest
#   make PLATFORM=wasm lisp       build/wasm-$(BUILD)/examples/lisp/{lisp.js,index.js,lisp-core.js}
#   make PLATFORM=posix lisp      build/posix-$(BUILD)/examples/lisp/lisp (native runner)
#   make PLATFORM=... lisp-check  the suite against that build (examples-check runs it)
#
# Run a program:  node build/wasm-release/examples/lisp/lisp.js file.scm
#                 (no file: a REPL; --help lists the options)

LISP_DIR  := $(OUT)/examples/lisp
LISP_SRC  := $(filter-out examples/lisp/lisp_main.c,$(sort $(wildcard examples/lisp/*.c)))
LISP_OBJ  := $(LISP_SRC:%.c=$(OUT)/%.o)
LISP_NODE := examples/node/index.js examples/node/cli.js examples/node/package.json

# The C functions the JS side calls (lisp_api.h), and the runtime helpers it uses.
LISP_EXPORTS := _lisp_start,_lisp_eval,_lisp_incomplete,_lisp_last_error,_lisp_exit_status,\
                _lisp_collect,_lisp_stats_json,_lisp_trace_start,_lisp_trace_write,\
                _lisp_handle_eval,_lisp_handle_number,_lisp_handle_string,_lisp_handle_bool,\
                _lisp_handle_list,_lisp_handle_call,_lisp_handle_release,_lisp_handle_count,\
                _lisp_handle_json,_malloc,_free
lisp_empty :=
lisp_space := $(lisp_empty) $(lisp_empty)
# MODULARIZE: a factory (createLispCore), so each interpreter gets its own memory.
# EXIT_RUNTIME=0 (overrides emcc.mk): no main; the runtime stays up between calls.
# TOTAL_STACK: a 32 MiB C stack for deep recursion (lisp_eval.c, C_STACK_BUDGET).
# NODEJS_CATCH_EXIT=0, NODEJS_CATCH_REJECTION=0: emscripten would otherwise
# add process-level uncaughtException/unhandledRejection listeners at every
# instantiation, which keep each instance (and its linear memory) alive for
# the life of the process.  Nothing here calls exit() from C: (exit) is a
# status returned to JS, and the runner exits itself (cli.js).
LISP_LDFLAGS := -sMODULARIZE=1 -sEXPORT_NAME=createLispCore -sEXIT_RUNTIME=0 \
                -sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0 \
                -sTOTAL_STACK=32MB -sINITIAL_MEMORY=64MB \
                -sEXPORTED_FUNCTIONS=$(subst $(lisp_space),,$(LISP_EXPORTS)) \
                -sEXPORTED_RUNTIME_METHODS=UTF8ToString,ENV

ifeq ($(PLATFORM),wasm)
LISP_BIN    := $(LISP_DIR)/lisp.js
LISP_RUNNER := node $(LISP_BIN)
LISP_CHECK_ARGS := --api $(LISP_DIR)
$(LISP_DIR)/lisp-core.js: $(LISP_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD  $(PLATFORM)-$(BUILD)  $@")
	$(Q)$(CC) $(LDFLAGS) $(LISP_LDFLAGS) $(LISP_OBJ) $(LIB) -lm -o $@

# The runner and the JS API sit beside the module they load.
$(LISP_DIR)/lisp.js: examples/node/cli.js $(LISP_DIR)/index.js $(LISP_DIR)/lisp-core.js
	$(Q)cp $< $@
$(LISP_DIR)/index.js: examples/node/index.js
	@mkdir -p $(@D)
	$(Q)cp $< $@
else
LISP_BIN    := $(LISP_DIR)/lisp
LISP_RUNNER := $(LISP_BIN)
$(LISP_BIN): $(LISP_OBJ) $(OUT)/examples/lisp/lisp_main.o $(LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD  $(PLATFORM)-$(BUILD)  $@")
	$(Q)$(CC) $(LDFLAGS) $(LISP_OBJ) $(OUT)/examples/lisp/lisp_main.o $(LIB) -lm -o $@
endif

-include $(LISP_OBJ:.o=.d) $(OUT)/examples/lisp/lisp_main.d

.PHONY: lisp lisp-check
lisp: $(LISP_BIN)

# The suite: every test in three modes (normal, --stress, --verify), and on
# wasm the JS API; it prints "lisp: N passed, M failed" and fails if any did.
lisp-check: $(LISP_BIN)
	@node examples/lisp/tests/run.js --runner "$(LISP_RUNNER)" $(LISP_CHECK_ARGS)

examples-check: lisp-check

# The README's first command: `make demo` runs this with PLATFORM=wasm BUILD=release.
demo-run: $(LISP_BIN)
	@echo "  node $(LISP_BIN) --stats examples/lisp/demo.scm"
	@$(LISP_RUNNER) --stats examples/lisp/demo.scm
