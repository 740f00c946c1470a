#!/usr/bin/env bash
# baseline.sh — the ALIGN=0 baseline proves the invariant (run by make test).
#
# For each program test/prog_*_trap.c: the aligned wasm build must run clean
# under Node, and the unaligned baseline build must trap with wasm's
# "operation does not support unaligned accesses".  This test passes when
# the baseline fails in exactly that way.
set -u
cd "$(dirname "$0")/.."
fail=0 passed=0
progs=$(ls test/prog_*_trap.c 2>/dev/null | sed -e 's|test/||' -e 's|\.c$||')
for p in $progs; do
    make --no-print-directory PLATFORM=wasm BUILD=debug ALIGN=1 "build/wasm-debug/test/$p.js" >/dev/null &&
    make --no-print-directory PLATFORM=wasm BUILD=debug ALIGN=0 "build/wasm-debug-noalign/test/$p.js" >/dev/null || {
        echo "baseline: cannot build $p"; fail=$((fail + 1)); continue; }
    if out=$(node "build/wasm-debug/test/$p.js" 2>&1); then
        echo "baseline: $p aligned build runs clean: ok"
    else
        echo "baseline: $p aligned build FAILED:"; echo "$out" | tail -5; fail=$((fail + 1)); continue
    fi
    out=$(node "build/wasm-debug-noalign/test/$p.js" 2>&1) && {
        echo "baseline: $p ALIGN=0 build did not trap (it should):"; echo "$out" | tail -5
        fail=$((fail + 1)); continue; }
    if echo "$out" | grep -q "operation does not support unaligned accesses"; then
        echo "baseline: $p ALIGN=0 build traps on the unaligned atomic: ok"
        passed=$((passed + 1))
    else
        echo "baseline: $p ALIGN=0 build failed, but not with the unaligned-access trap:"
        echo "$out" | tail -5; fail=$((fail + 1))
    fi
done
echo "baseline: $passed passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$passed" -gt 0 ]
