#!/usr/bin/env bash
# deps.sh — what the benchmarks need beyond `make deps` (`make bench-deps`).
#
#   1. Debian packages: gnuplot-nox (the heap plot), time (GNU time, peak RSS).
#   2. Optionally (BDWGC=1, the default) bdwgc for wasm: Debian's source
#      package `libgc` compiled with emcc into build/deps/bdwgc-wasm/libgc.a.
#      wasm keeps its locals outside linear memory, so bdwgc 8.2 finds them
#      with emscripten_scan_registers, which unwinds with Asyncify: the
#      programs that link it need -sASYNCIFY (bench.mk adds it).  bdwgc does
#      not scan static data on emscripten (DATASTART == DATAEND): globals
#      are registered with GC_add_roots.
# Like scripts/deps.sh it gets the source through scripts/apt-source.sh (a
# private deb-src entry derived from the system's own Debian sources); the
# system's apt configuration is never changed.  Idempotent: when everything
# is there it does nothing.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
deps="$top/build/deps"
bdwgc_out="$deps/bdwgc-wasm"
export NODE_PATH=/usr/share/nodejs

say() { printf 'bench-deps: %s\n' "$*"; }
die() { printf 'bench-deps: error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root to run: $*"
    fi
}

# --- 1. Debian packages -------------------------------------------------------
missing=()
command -v gnuplot >/dev/null 2>&1 || missing+=(gnuplot-nox)
[ -x /usr/bin/time ] || missing+=(time)
if [ "${BDWGC:-1}" = 1 ] && [ ! -f "$bdwgc_out/lib/libgc.a" ]; then
    command -v dpkg-source >/dev/null 2>&1 || missing+=(dpkg-dev)
fi
if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! as_root apt-get install -y --no-install-recommends "${missing[@]}"; then
        as_root apt-get update
        as_root apt-get install -y --no-install-recommends "${missing[@]}" ||
            die "apt-get could not install: ${missing[*]}"
    fi
fi

# --- 2. bdwgc for wasm (optional) --------------------------------------------
[ "${BDWGC:-1}" = 1 ] || exit 0
[ -f "$bdwgc_out/lib/libgc.a" ] && exit 0

# bdwgc is optional: when it cannot be had, the suite runs without it.
build_bdwgc() {
    say "building bdwgc for wasm from Debian's source package libgc"
    src_dir="$deps/bench-src"
    bash "$top/scripts/apt-source.sh" libgc "$src_dir" || die "apt-get source libgc failed"
    gcsrc=$(find "$src_dir" -maxdepth 1 -mindepth 1 -type d -name 'libgc-*' | head -n 1)
    [ -n "$gcsrc" ] && [ -f "$gcsrc/extra/gc.c" ] || die "bdwgc source not found under $src_dir"

    # extra/gc.c is bdwgc's single-file build (it includes every other .c).
    # No threads, no debugging checks, bdwgc's defaults otherwise.
    rm -rf "$bdwgc_out"; mkdir -p "$bdwgc_out/lib" "$bdwgc_out/include"
    emcc -O2 -DNDEBUG -DNO_EXECUTE_PERMISSION -Wno-macro-redefined \
        -I"$gcsrc/include" -c "$gcsrc/extra/gc.c" -o "$bdwgc_out/gc.o" || die "emcc failed on bdwgc"
    cp -r "$gcsrc/include/." "$bdwgc_out/include/" || die "cannot copy bdwgc's headers"
    emar rcs "$bdwgc_out/lib/libgc.a" "$bdwgc_out/gc.o" || die "emar failed on bdwgc"
    say "bdwgc for wasm: $bdwgc_out/lib/libgc.a"
}
( build_bdwgc ) || say "bdwgc for wasm could not be built; the suite runs without it"
