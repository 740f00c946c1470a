# web.mk — the playground (examples/web): the Scheme compiled for the
# browser, evaluating in a Web Worker, with a live heap map, a GC timeline
# and wgc's numbers.  Included by the Makefile (examples/*/*.mk).
#
#   make playground     builds build/web/ and serves it on 127.0.0.1 (prints the URL;
#                       PORT=n to choose the port; Ctrl-C stops it)
#   make web            builds build/web/ only
#   make web-check      the browser test (Debian's chromium, puppeteer-core);
#                       scripts/test-all.sh runs it; screenshot: build/web-test.png
#
# build/web/ holds everything the page loads: index.html and its scripts
# (examples/web/static), the wasm module (lisp-core.js, lisp-core.wasm),
# examples.js (the programs of examples/lisp/demo.scm and examples/web/programs)
# and vendor/ (uPlot, from examples/web/node_modules, installed by make deps).

WEB_DIR    := build/web
WEB_STATIC := $(wildcard examples/web/static/*)
WEB_CORE   := $(OUT)/examples/web/lisp-core.js
WEB_OBJ    := $(OUT)/examples/web/web_api.o

WEB_EXPORTS := _lisp_start,_lisp_eval,_lisp_incomplete,_lisp_last_error,_lisp_exit_status,\
               _lisp_collect,_malloc,_free,_web_watch,_web_take_events,_web_events_buf,\
               _web_events_dropped,_web_heap_map,_web_stats_json
web_empty :=
web_space := $(web_empty) $(web_empty)
# The browser's flags, not emcc.mk's Node ones: web and worker only, the
# .wasm fetched and compiled asynchronously (the factory returns a promise),
# memory that grows up to wasm32's 4 GiB.  MODULARIZE as for Node (a factory,
# createLispCore); a 32 MiB C stack as lisp.mk's.
WEB_LDFLAGS := -sENVIRONMENT=web,worker -sMODULARIZE=1 -sEXPORT_NAME=createLispCore \
               -sEXIT_RUNTIME=0 -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB \
               -sTOTAL_STACK=32MB -sINITIAL_MEMORY=64MB -matomics -mbulk-memory \
               -sEXPORTED_FUNCTIONS=$(subst $(web_space),,$(WEB_EXPORTS)) \
               -sEXPORTED_RUNTIME_METHODS=UTF8ToString

.PHONY: web web-build playground web-check

ifeq ($(PLATFORM),wasm)
$(WEB_CORE): $(LISP_OBJ) $(WEB_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD  $(PLATFORM)-$(BUILD)  $@ (web)")
	$(Q)$(CC) $(OPT_$(BUILD)) $(WEB_LDFLAGS) $(LISP_OBJ) $(WEB_OBJ) $(LIB) -lm -o $@

web-build: $(WEB_CORE) $(WEB_STATIC) examples/lisp/demo.scm examples/web/build.js
	$(Q)node examples/web/build.js $(WEB_CORE) $(WEB_DIR)
endif

-include $(WEB_OBJ:.o=.d)

web: deps
	@$(MAKE) --no-print-directory PLATFORM=wasm BUILD=release web-build

playground: web
	@node examples/web/serve.js $(WEB_DIR)

web-check: web
	@node examples/web/test/browser.js $(WEB_DIR)
