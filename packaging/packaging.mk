# packaging.mk — wgc as an installed C library, and the Scheme as an npm
# package (included by the Makefile).
#
#   make install PREFIX=/usr/local [DESTDIR=...]
#       $(PREFIX)/include/wgc.h
#       $(PREFIX)/lib/libwgc.a                     native (posix OS layer), release
#       $(PREFIX)/lib/wasm32-emscripten/libwgc.a   wasm32 (emcc), release
#       $(PREFIX)/lib/pkgconfig/wgc.pc, wgc-wasm.pc
#   make uninstall PREFIX=...   removes exactly those files
#   make npm        build/npm/wgc-lisp-<version>.tgz (npm pack: the JS API,
#                   the runner, the wasm module, index.d.ts)
#   make install-check, npm-check   their tests (scripts/test-all.sh runs them)

PREFIX  ?= /usr/local
DESTDIR ?=
WGC_VERSION := $(shell sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' examples/node/package.json)

PKG_INC    := $(DESTDIR)$(PREFIX)/include
PKG_LIB    := $(DESTDIR)$(PREFIX)/lib
PKG_LIBW   := $(DESTDIR)$(PREFIX)/lib/wasm32-emscripten
PKG_PC     := $(DESTDIR)$(PREFIX)/lib/pkgconfig

.PHONY: install uninstall install-check npm npm-check
install: deps
	@$(MAKE) --no-print-directory PLATFORM=posix BUILD=release lib
	@$(MAKE) --no-print-directory PLATFORM=wasm BUILD=release lib
	install -d $(PKG_INC) $(PKG_LIB) $(PKG_LIBW) $(PKG_PC)
	install -m 644 runtime/wgc.h $(PKG_INC)/wgc.h
	install -m 644 build/posix-release/libwgc.a $(PKG_LIB)/libwgc.a
	install -m 644 build/wasm-release/libwgc.a $(PKG_LIBW)/libwgc.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(WGC_VERSION)|' packaging/wgc.pc.in > $(PKG_PC)/wgc.pc
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(WGC_VERSION)|' packaging/wgc-wasm.pc.in > $(PKG_PC)/wgc-wasm.pc
	@echo "installed wgc $(WGC_VERSION) in $(DESTDIR)$(PREFIX) (pkg-config: wgc, wgc-wasm)"

uninstall:
	rm -f $(PKG_INC)/wgc.h $(PKG_LIB)/libwgc.a $(PKG_LIBW)/libwgc.a $(PKG_PC)/wgc.pc $(PKG_PC)/wgc-wasm.pc
	-rmdir $(PKG_LIBW) 2>/dev/null

install-check:
	@bash packaging/test-install.sh

# The npm package: examples/node's files and the wasm release module, packed
# with npm pack in a staging folder (build/npm/pkg).
NPM_STAGE := build/npm/pkg
NPM_FILES := examples/node/index.js examples/node/cli.js examples/node/example.js \
             examples/node/index.d.ts examples/node/package.json examples/node/README.md
npm: deps
	@$(MAKE) --no-print-directory PLATFORM=wasm BUILD=release lisp
	@rm -rf $(NPM_STAGE) && mkdir -p $(NPM_STAGE)
	@cp $(NPM_FILES) $(NPM_STAGE)/
	@cp build/wasm-release/examples/lisp/lisp-core.js build/wasm-release/examples/lisp/lisp-core.wasm $(NPM_STAGE)/
	@cd build/npm && rm -f wgc-lisp-*.tgz && npm pack --silent ./pkg >/dev/null
	@echo "build/npm/wgc-lisp-$(WGC_VERSION).tgz"

npm-check:
	@bash packaging/test-npm.sh
