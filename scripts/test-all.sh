#!/usr/bin/env bash
# test-all.sh — what `make test` runs: every suite of every configuration,
# each one even when an earlier one failed, then one closing line that adds
# up cmocka's counts and the other runners' "N passed, M failed" lines.
#   native debug, native ASan+UBSan, wasm under Node, native ALIGN=0,
#   the ALIGN=0 trap programs under Node, the examples' suites, and a short
#   run of each libFuzzer target from its seeds (fuzz/README.md), then the
#   packaging: make install into a temporary prefix and a program built
#   against it (packaging/test-install.sh), the npm package installed into
#   an empty folder (packaging/test-npm.sh), and the playground in a
#   headless chromium (examples/web/test/browser.js).
set -u
cd "$(dirname "$0")/.."
mkdir -p build
log=build/test.log
: > "$log"
fail=0
run() {
    echo "### $*" | tee -a "$log"
    "$@" 2>&1 | tee -a "$log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || fail=1
}
run make --no-print-directory PLATFORM=posix BUILD=debug check
run make --no-print-directory PLATFORM=posix BUILD=asan check
run make --no-print-directory PLATFORM=wasm BUILD=debug check
run make --no-print-directory PLATFORM=posix BUILD=debug ALIGN=0 check
run bash test/baseline.sh
run make --no-print-directory PLATFORM=wasm BUILD=debug examples-check
run make --no-print-directory fuzz-check
run make --no-print-directory install-check
run make --no-print-directory npm-check
run make --no-print-directory web-check

# cmocka: "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s), listed below:"
# others: "<name>: N passed, M failed"
passed=$(grep -aE '^\[  PASSED  \] [0-9]+ test' "$log" | awk '{s += $4} END {print s + 0}')
failed=$(grep -aE '^\[  FAILED  \] [0-9]+ test' "$log" | awk '{s += $4} END {print s + 0}')
other_p=$(grep -aE '^[a-z_-]+: [0-9]+ passed, [0-9]+ failed' "$log" | awk '{s += $2} END {print s + 0}')
other_f=$(grep -aE '^[a-z_-]+: [0-9]+ passed, [0-9]+ failed' "$log" | awk '{s += $4} END {print s + 0}')
passed=$((passed + other_p)); failed=$((failed + other_f))
if [ "$fail" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1   # a suite failed without a count (a crash, a build error)
fi
echo "make test: $passed passed, $failed failed"
[ "$fail" -eq 0 ] && [ "$failed" -eq 0 ]
