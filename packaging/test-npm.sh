#!/usr/bin/env bash
# test-npm.sh — `make npm`, then install the tarball into an empty folder
# (offline: a local tarball with no dependencies needs no registry) and use
# it as a user would: `npx wgc-lisp -e ...` and require('wgc-lisp').
# Ends with "npm: N passed, M failed".  Run by make test.
set -u
cd "$(dirname "$0")/.."
top=$PWD
dir=$(mktemp -d /tmp/wgc-npm.XXXXXX)
trap 'rm -rf "$dir"' EXIT
pass=0; fail=0
ok()  { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAILED: $*"; fail=$((fail + 1)); }

if make --no-print-directory npm > "$dir/make.log" 2>&1; then ok "make npm"; else cat "$dir/make.log"; bad "make npm"; fi
tgz=$(ls "$top"/build/npm/wgc-lisp-*.tgz 2>/dev/null | head -n 1)
if [ -n "$tgz" ]; then
    ok "tarball $(basename "$tgz")"
    listing=$(tar tzf "$tgz")
    for f in package.json index.js index.d.ts cli.js lisp-core.js lisp-core.wasm README.md; do
        grep -qx "package/$f" <<<"$listing" && ok "packs $f" || bad "the tarball lacks $f"
    done
else
    bad "no build/npm/wgc-lisp-*.tgz"
fi

mkdir -p "$dir/app" && cd "$dir/app"
export npm_config_cache="$dir/cache"   # a fresh cache: nothing from earlier runs
if [ -n "$tgz" ] && npm install --offline --no-audit --no-fund "$tgz" > "$dir/install.log" 2>&1; then
    ok "npm install --offline into an empty folder"
else
    cat "$dir/install.log" 2>/dev/null; bad "npm install"
fi
out=$(npx --offline wgc-lisp -e '(+ 1 2)' 2>&1)
[ "$out" = "3" ] && ok "npx wgc-lisp -e '(+ 1 2)' prints 3" || bad "npx wgc-lisp -e: got '$out'"
out=$(npx --offline wgc-lisp -e '(car 1)' 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"error:"* ]] && ok "npx wgc-lisp: an error exits 1" || bad "npx error: rc $rc, '$out'"
out=$(node -e "
  const lisp = require('wgc-lisp');
  const s = lisp.create({ maxHeap: 32 << 20 });
  const r = s.eval('(define (f n) (if (= n 0) 0 (+ 1 (f (- n 1))))) (f 1000)', { printResults: true });
  const big = s.eval('(let loop ((i 0)) (if (< i 20000) (begin (make-vector 100 i) (loop (+ i 1)))))');
  process.stdout.write(r.output.trim() + ' ' + big.status + ' ' + (s.stats().num_gc > 0));
" 2>&1)
[ "$out" = "1000 ok true" ] && ok "require('wgc-lisp'): eval and collections" || bad "require: got '$out'"
# The types are where package.json says.
out=$(node -p "const p=require('wgc-lisp/package.json'); require('fs').existsSync(require.resolve('wgc-lisp/' + p.types))" 2>&1)
[ "$out" = "true" ] && ok "index.d.ts is the package's types" || bad "types: '$out'"

echo "npm: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
