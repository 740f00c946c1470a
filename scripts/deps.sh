#!/usr/bin/env bash
# deps.sh — install what wgc's build needs, idempotently (`make deps` runs it).
#
# Checks, in order, and fixes only what is missing:
#   1. Debian packages: emscripten (emcc, emar), libcmocka-dev (native cmocka),
#      dpkg-dev (dpkg-source, for `apt-get source`), nodejs (the wasm runner),
#      clang and libfuzzer-14-dev (the libFuzzer targets in fuzz/, which
#      `make test` runs briefly and `make fuzz` for longer).
#      For the playground and the packaging (examples/web, packaging/):
#      chromium (the browser test), npm, pkg-config (make install's test).
#   2. The playground's npm packages (examples/web/package-lock.json: uPlot,
#      puppeteer-core) into examples/web/node_modules, by `npm ci`.
#   3. A wasm build of cmocka under build/deps/cmocka-wasm, compiled with emcc
#      from Debian's own cmocka source package.
# The second step gets the source through scripts/apt-source.sh, which
# derives a private deb-src entry from the system's own Debian sources: the
# system's apt configuration is never changed.
# When everything is present it does nothing and exits at once.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
deps="$top/build/deps"
cmocka_wasm="$deps/cmocka-wasm"
export NODE_PATH=/usr/share/nodejs

say() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

# --- 1. Debian packages ------------------------------------------------------
missing=()
command -v emcc >/dev/null 2>&1 || missing+=(emscripten)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
[ -f /usr/include/cmocka.h ] || missing+=(libcmocka-dev)
command -v clang >/dev/null 2>&1 || missing+=(clang)
[ -f /usr/lib/llvm-14/lib/libFuzzer.a ] || missing+=(libfuzzer-14-dev)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ! -f "$cmocka_wasm/lib/libcmocka.a" ]; then
    command -v dpkg-source >/dev/null 2>&1 || missing+=(dpkg-dev)
fi

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root to run: $* (run 'make deps' as root, or install: ${missing[*]})"
    fi
}

if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! as_root apt-get install -y --no-install-recommends "${missing[@]}"; then
        say "install failed; refreshing the package lists and trying again"
        as_root apt-get update
        as_root apt-get install -y --no-install-recommends "${missing[@]}" ||
            die "apt-get could not install: ${missing[*]}"
    fi
fi

# --- 2. the playground's npm packages -----------------------------------------
# Installed again when the lock file is newer than the last install.
web="$top/examples/web"
if [ ! -f "$web/node_modules/.package-lock.json" ] ||
   [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
    say "installing the playground's npm packages (examples/web)"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in examples/web"
fi

# --- 3. cmocka for wasm -------------------------------------------------------
[ -f "$cmocka_wasm/lib/libcmocka.a" ] && exit 0

say "building cmocka for wasm from Debian's source package"
bash "$top/scripts/apt-source.sh" cmocka "$deps/src"
srcdir=$(find "$deps/src" -maxdepth 1 -mindepth 1 -type d -name 'cmocka-*' | head -n 1)
[ -n "$srcdir" ] && [ -f "$srcdir/src/cmocka.c" ] || die "cmocka source not found under $deps/src"

# cmocka's CMake build only generates config.h; the few HAVE_ macros that
# emscripten's libc satisfies are given here instead.
rm -rf "$cmocka_wasm"; mkdir -p "$cmocka_wasm/lib" "$cmocka_wasm/include"
emcc -O2 -std=gnu99 -D_UINTPTR_T \
    -DHAVE_SIGNAL_H -DHAVE_STRINGS_H -DHAVE_INTTYPES_H -DHAVE_STDINT_H \
    -DHAVE_MALLOC_H -DHAVE_SETJMP_H -DHAVE_STDARG_H -DHAVE_STDDEF_H \
    -DHAVE_TIME_H -DHAVE_SIGLONGJMP -DHAVE_STRSIGNAL -DHAVE_CLOCK_GETTIME \
    -DHAVE_STRUCT_TIMESPEC -DHAVE_GCC_THREAD_LOCAL_STORAGE \
    -I"$srcdir/include" -c "$srcdir/src/cmocka.c" -o "$cmocka_wasm/cmocka.o"
emar rcs "$cmocka_wasm/lib/libcmocka.a" "$cmocka_wasm/cmocka.o"
cp "$srcdir/include/cmocka.h" "$cmocka_wasm/include/"
say "cmocka for wasm: $cmocka_wasm/lib/libcmocka.a"
