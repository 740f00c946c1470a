#!/usr/bin/env bash
# run.sh — the benchmark driver (bench.mk's bench-run calls it).
#
# Runs every workload under every configuration, interleaved (for each
# workload: run 1 of every configuration, then run 2 of every one, ...), so
# that drift of the machine spreads over all of them.  Each program prints
# one RESULT line; the driver adds the run's number, the peak RSS of the
# process (node for wasm, GNU time's %M), its CPU time (user + system, all
# of node's threads) and the machine's 1-minute load average when the run
# started (other work on the machine skews wall-clock times), appends it to
# build/bench/results.txt, then writes build/bench/report.md (report.js)
# and plots one churn run's heap over time to build/bench/heap.svg
# (gnuplot, heap.gp).  Nothing here judges a time: a program fails only on
# a wrong result (its own checks), and a failure is recorded and the suite
# goes on.
#
# Environment: QUICK=1 (small sizes, 2 runs), RUNS=n, CONFIGS="..." (the
# configurations built, from bench.mk), ONLY=regex (workloads to run),
# BIG=1 (add large objects on a 1 GiB heap, and allocation by size at 32
# and 64 B), NOALIGN=1 (also wasm-wgc-noalign, the ALIGN=0 baseline, on
# the main workloads), NICE=n (run the programs under `nice -n n`; a
# negative n, as root, keeps other work on a shared machine from
# inflating the times).
#
# A configuration is a set of binaries (build/bench/<config>/, from
# bench.mk) and an environment, both in command_of: wasm-wgc-nogen runs
# wasm-wgc's binaries with WGC_GEN=0 (bench.h: wgc without generations,
# every collection full), wasm-wgc and posix-wgc with WGC_GEN=1 (the
# default, set so that the caller's environment cannot change it).  The
# driver writes its own name for the configuration into the RESULT line.
#
# Not every configuration runs every workload, to keep the suite near 15
# minutes on 2 cores: wasm-bdwgc-incr (bdwgc's incremental mode, slower
# than its default on every workload tried) only on the tree workloads
# (not binary-trees 18), churn, mutation and pauses up to 16 MiB; not on
# allocation by size or the micro-benchmark, where it takes seconds per
# run (about 2.7 us per object at batch 1000); the largest pause heaps run
# fewer times.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
src=examples/bench
out=build/bench
quick=${QUICK:-0}
runs=${RUNS:-}
[ -n "$runs" ] || { [ "$quick" = 1 ] && runs=2 || runs=5; }
configs=${CONFIGS:-"wasm-wgc wasm-wgc-nogen wasm-wgc-noalign wasm-malloc wasm-calloc posix-wgc posix-malloc"}
only=${ONLY:-.}
# The configurations of a kind: filter <configs> <pattern to drop>...
pick() {
    local c p keep out=""
    for c in $1; do
        keep=1
        for p in "${@:2}"; do [[ $c == $p ]] && keep=0; done
        [ $keep = 1 ] && out+="$c "
    done
    printf '%s' "$out"
}
[ "${NOALIGN:-0}" = 1 ] || configs=$(pick "$configs" wasm-wgc-noalign)
export NODE_PATH=/usr/share/nodejs

mkdir -p "$out/logs"
results="$out/results.txt"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -qv '^??' && echo 1 || echo 0)
echo "META commit=$commit dirty=$dirty runs=$runs quick=$quick nice=${NICE:-0} date=$(date -u +%Y-%m-%dT%H:%MZ)" > "$results"

all=$configs                                       # every configuration
main=$(pick "$configs" wasm-bdwgc-incr)            # all but bdwgc-incr
gc=$(pick "$configs" '*malloc' '*calloc' wasm-wgc-noalign)   # collectors
gcmain=$(pick "$gc" wasm-bdwgc-incr)

# workload | program and arguments | configurations | runs (empty: $runs)
if [ "$quick" = 1 ]; then
    workloads=(
        "binarytrees-12|binarytrees 12|$all"
        "gcbench-14|gcbench 14|$all"
        "churn|churn 8 4|$all"
        "alloc-16|allocsize 16 32|$main"
        "alloc-mixed|allocsize mixed 32|$main"
        "large-16M|large 16 256|$main"
        "micro-batch1000|allocmicro 1000 2|$main"
        "micro-batch100000|allocmicro 100000 2|$main"
        "mutate|mutate 100000 1|$all"
        "pause-mixed-1M|pause 1 20 mixed|$gc"
        "pause-small-1M|pause 1 20 small|$gc"
        "pause-mixed-16M|pause 16 3 mixed|$gcmain"
        "pause-small-16M|pause 16 3 small|$gcmain"
    )
    churn_plot="churn 8 4"
else
    workloads=(
        "binarytrees-16|binarytrees 16|$all"
        "binarytrees-18|binarytrees 18|$main"
        "gcbench-18|gcbench 18|$all"
        "churn|churn 32 16|$all"
        "alloc-16|allocsize 16 256|$main"
        "alloc-mixed|allocsize mixed 256|$main"
        "large-64M|large 64 2048|$main"
        "micro-batch1000|allocmicro 1000 16|$main"
        "micro-batch100000|allocmicro 100000 16|$main"
        "mutate|mutate 1000000 8|$all"
        "pause-mixed-1M|pause 1 100 mixed|$gc"
        "pause-small-1M|pause 1 100 small|$gc"
        "pause-mixed-16M|pause 16 20 mixed|$gc"
        "pause-small-16M|pause 16 20 small|$gc"
        "pause-mixed-64M|pause 64 5 mixed|$gcmain|3"
        "pause-small-64M|pause 64 5 small|$gcmain|3"
        "pause-mixed-256M|pause 256 3 mixed|$gcmain|2"
        "pause-small-256M|pause 256 3 small|$gcmain|2"
    )
    # BIG=1: large objects on a heap of a gigabyte (about 30 s a run for
    # wgc on wasm): the page allocator and the memory a big heap costs;
    # allocation at 32 and 64 B.
    [ "${BIG:-0}" = 1 ] && workloads+=(
        "alloc-32|allocsize 32 256|$main"
        "alloc-64|allocsize 64 256|$main"
        "large-1024M|large 1024 4096|$(pick "$configs" '*noalign' '*bdwgc*')"
    )
    churn_plot="churn 32 16"
fi

# The command line of program $2 (with its arguments) in configuration $1:
# the environment it needs, then the program.
command_of() {
    local config=$1 prog=$2; shift 2
    case $config in
    wasm-wgc-nogen) echo env WGC_GEN=0 node "$out/wasm-wgc/$prog.js" "$@" ;;
    wasm-wgc)       echo env WGC_GEN=1 node "$out/$config/$prog.js" "$@" ;;
    posix-wgc)      echo env WGC_GEN=1 "$out/$config/$prog" "$@" ;;
    wasm-*)         echo node "$out/$config/$prog.js" "$@" ;;
    *)              echo "$out/$config/$prog" "$@" ;;
    esac
}

failures=0
run_one() {   # config run workload prog args...
    local config=$1 run=$2 workload=$3; shift 3
    local log="$out/logs/$workload.$config.$run.log" rss="$out/logs/rss.tmp"
    local cmd; cmd=$(command_of "$config" "$@")
    [ -z "${NICE:-}" ] || cmd="nice -n $NICE $cmd"
    local load; load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f '%M %U %S' -o "$rss" $cmd > "$log" 2>&1
    local status=$?
    # The program prints the name it was built as: the driver's name of
    # the configuration replaces it (wasm-wgc-nogen runs wasm-wgc's binary).
    local line; line=$(grep '^RESULT ' "$log" | tail -n 1 | sed "s/ config=[^ ]*/ config=$config/")
    if [ $status -ne 0 ] || [ -z "$line" ]; then
        echo "FAIL bench=$workload config=$config run=$run status=$status log=$log" | tee -a "$results"
        failures=$((failures + 1))
        return
    fi
    # GNU time writes "Command exited ..." lines first when status != 0.
    local kb user sys; read -r kb user sys < <(tail -n 1 "$rss")
    echo "$line run=$run rss_kb=$kb cpu_s=$(awk "BEGIN { print $user + $sys }") load=$load" >> "$results"
}

start=$(date +%s)
for w in "${workloads[@]}"; do
    IFS='|' read -r name cmdline wconfigs wruns <<< "$w"
    [[ $name =~ $only ]] || continue
    [ -n "$wruns" ] && [ "$wruns" -lt "$runs" ] || wruns=$runs
    printf 'bench: %-20s' "$name"
    for ((r = 1; r <= wruns; r++)); do
        for c in $wconfigs; do
            # shellcheck disable=SC2086
            run_one "$c" "$r" "$name" $cmdline
        done
        printf ' %d' "$r"
    done
    printf '  (%ds so far)\n' $(($(date +%s) - start))
done

# One churn run of wgc on wasm with the trace and the program's own samples
# of wgc_stats, for two plots (gnuplot, heap.gp):
#   heap.svg    heap size and heap goal over time, from wgc's trace
#               (WGC_TRACE_FILE, Chrome Trace JSON counter events), or from
#               the samples when there is no trace;
#   memory.svg  the samples: heap, goal, arenas, wasm memory, live data.
plot() {   # csv svg title source x-label
    local ncols; ncols=$(head -n 1 "$1" | awk -F, '{ print NF }')
    local q="'" title=${3//\'/} what=${4//\'/}   # gnuplot strings are in '...'
    gnuplot -e "csv=$q$1$q; out=$q$2$q; title=$q$title$q; what=$q$what$q; xl=$q$5$q; ncols=$ncols" \
        "$src/heap.gp" &&
        echo "bench: plot ($4): $2"
}
rm -f "$out/trace.json" "$out/churn-samples.csv" "$out"/heap*.csv "$out"/*.svg "$out/heap.source"
if [[ " $configs " == *" wasm-wgc "* ]] && [[ churn =~ $only ]]; then
    if ! command -v gnuplot > /dev/null; then
        echo "bench: no gnuplot (make bench-deps): no plots"
    else
        # shellcheck disable=SC2046
        WGC_TRACE_FILE="$top/$out/trace.json" \
            $(command_of wasm-wgc $churn_plot) "$out/churn-samples.csv" > "$out/logs/churn-plot.log" 2>&1 ||
            echo "bench: the churn run for the plots failed (see $out/logs/churn-plot.log)"
        title="wgc on wasm, churn workload ($churn_plot): heap and heap goal"
        have_samples=0
        [ -s "$out/churn-samples.csv" ] &&
            node "$src/trace2csv.js" --samples "$out/churn-samples.csv" "$out/heap-samples.csv" &&
            have_samples=1
        if [ -s "$out/trace.json" ] &&
           node "$src/trace2csv.js" "$out/trace.json" "$out/heap-trace.csv" 2> "$out/logs/trace2csv.log"; then
            plot "$out/heap-trace.csv" "$out/heap.svg" "$title" "the wgc trace (WGC_TRACE_FILE)" \
                "ms since the first counter event of the trace" &&
                echo "the wgc trace (WGC_TRACE_FILE)" > "$out/heap.source"
        elif [ $have_samples = 1 ]; then
            plot "$out/heap-samples.csv" "$out/heap.svg" "$title" "samples of wgc_stats taken by the program" \
                "ms in the program" &&
                echo "samples of wgc_stats taken by the program (no trace)" > "$out/heap.source"
        fi
        [ $have_samples = 1 ] &&
            plot "$out/heap-samples.csv" "$out/memory.svg" \
                "wgc on wasm, churn workload ($churn_plot): heap, arenas and linear memory" \
                "samples of wgc_stats taken by the program" "ms in the program"
    fi
fi

node "$src/report.js" "$results" "$out/report.md" "$runs" "$quick" "$out/summary.txt" &&
    echo "bench: results in $results, report in $out/report.md, summary in $out/summary.txt"
echo "bench: $failures failed runs, $(($(date +%s) - start)) s"
[ "$failures" -eq 0 ]
