#!/usr/bin/env bash
# run.sh MODE SECONDS BINDIR TARGET... — run the libFuzzer targets one after
# the other (fuzz/fuzz.mk calls it; fuzz/README.md).
#
#   MODE run    each target for SECONDS from its seeds in fuzz/corpus/<t>,
#               keeping what it finds in build/fuzz/corpus/<t> (reused by
#               the next run), crashes in build/fuzz/artifacts/<t>/.
#   MODE check  the same from the seeds only, into a scratch corpus that is
#               thrown away (make test); ends with "fuzz: N passed, M failed".
# Either way a target fails when libFuzzer exits non-zero (a crash, a
# sanitizer report, a failed harness check, a timeout), and the script
# exits 1 if any failed.  One process, one worker each: the machine is shared.
set -u
mode=$1 secs=$2 bindir=$3
shift 3
cd "$(dirname "$0")/.."
top=build/fuzz
passed=0 failed=0
for t in "$@"; do
    bin=$bindir/fuzz_$t
    seeds=fuzz/corpus/$t
    # The Scheme target also starts from the Scheme suite's programs (not
    # copied into the corpus: they are read where they are).
    extra=""
    [ "$t" = lisp ] && extra=examples/lisp/tests
    case $t in
        api) opts=(-max_len=2048 -len_control=20) ;;
        lisp) opts=(-max_len=4096 -dict=fuzz/lisp.dict) ;;
        *) opts=(-max_len=512) ;;
    esac
    if [ "$mode" = check ]; then
        corpus=$top/check/$t
        rm -rf "$corpus"
    else
        corpus=$top/corpus/$t
    fi
    art=$top/artifacts/$t/
    log=$top/logs/$t-$mode.log
    mkdir -p "$corpus" "$art" "$(dirname "$log")"
    echo "=== fuzz_$t: $secs s from $seeds ($mode)"
    "$bin" "${opts[@]}" -max_total_time="$secs" -timeout=30 -rss_limit_mb=3072 \
        -print_final_stats=1 -artifact_prefix="$art" "$corpus" "$seeds" $extra > "$log" 2>&1
    rc=$?
    # libFuzzer's last status line: "#N  REDUCE cov: C ft: F corp: K/..."
    last=$(grep -aE '^#[0-9]+' "$log" | tail -n 1)
    execs=$(grep -aE '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<< "$last")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<< "$last")
    corp=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<< "$last")
    summary="fuzz_$t: ${execs:-?} execs, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        echo "$summary: ok"
    else
        failed=$((failed + 1))
        echo "$summary: FAILED (exit $rc); the log is $log"
        grep -aE 'ERROR: |FUZZ CHECK FAILED|wgc: |SUMMARY|Test unit written' "$log" | head -n 12
    fi
    [ "$mode" = run ] && echo "$(date -u +%FT%TZ) $summary rc=$rc" >> "$top/stats.txt"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
