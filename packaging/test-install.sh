#!/usr/bin/env bash
# test-install.sh — `make install` into a fresh temporary prefix, then build
# packaging/example/hello.c against the installed copy only (pkg-config),
# natively with cc and for wasm with emcc, and run both (the wasm one under
# node).  Ends with "install: N passed, M failed".  Run by make test.
set -u
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
prefix=$(mktemp -d /tmp/wgc-prefix.XXXXXX)
work=$(mktemp -d /tmp/wgc-hello.XXXXXX)
trap 'rm -rf "$prefix" "$work"' EXIT
pass=0; fail=0
ok()  { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAILED: $*"; fail=$((fail + 1)); }

if make --no-print-directory install PREFIX="$prefix" > "$work/install.log" 2>&1; then
    ok "make install PREFIX=$prefix"
else
    cat "$work/install.log"; bad "make install"
fi
for f in include/wgc.h lib/libwgc.a lib/wasm32-emscripten/libwgc.a \
         lib/pkgconfig/wgc.pc lib/pkgconfig/wgc-wasm.pc; do
    [ -f "$prefix/$f" ] && ok "installed $f" || bad "missing $f"
done

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cp packaging/example/hello.c "$work/"
# Native: the flags come from the installed wgc.pc alone.
if (cd "$work" && cc -std=gnu11 -Wall -Werror hello.c $(pkg-config --cflags --libs wgc) -o hello) &&
   out=$("$work/hello") && [[ $out == "hello: ok "* ]]; then
    ok "native program against wgc.pc: $out"
else
    bad "native program against wgc.pc (${out:-no output})"
fi
out=
# wasm: emcc with wgc-wasm.pc, run under node (synchronous instantiation:
# Node 20's fetch and emscripten 3.1.6's async loader do not mix).
if (cd "$work" && emcc -O2 -Wall -Werror hello.c $(pkg-config --cflags --libs wgc-wasm) \
        -sENVIRONMENT=node -sWASM_ASYNC_COMPILATION=0 -o hello.js) &&
   out=$(node "$work/hello.js") && [[ $out == "hello: ok "* ]]; then
    ok "wasm program against wgc-wasm.pc under node: $out"
else
    bad "wasm program against wgc-wasm.pc (${out:-no output})"
fi
# The installed pkg-config files name the prefix they were installed in.
[ "$(pkg-config --variable=prefix wgc)" = "$prefix" ] && ok "wgc.pc prefix" || bad "wgc.pc prefix"
[ "$(pkg-config --modversion wgc-wasm)" = "$(pkg-config --modversion wgc)" ] &&
    ok "versions agree" || bad "versions differ"

echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
