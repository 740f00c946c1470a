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
# BIG=1 (add large objects on a 1 GiB heap: wgc, malloc; wasm and posix),
# NICE=n (run the programs under `nice -n n`; a negative n, as root, keeps
# other work on a shared machine from inflating the times).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
src=examples/bench
out=build/bench
quick=${QUICK:-0}
runs=${RUNS:-}
[ -n "$runs" ] || { [ "$quick" = 1 ] && runs=2 || runs=5; }
configs=${CONFIGS:-"wasm-wgc wasm-wgc-noalign wasm-malloc posix-wgc posix-malloc"}
only=${ONLY:-.}
export NODE_PATH=/usr/share/nodejs

mkdir -p "$out/logs"
results="$out/results.txt"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -qv '^??' && echo 1 || echo 0)
echo "META commit=$commit dirty=$dirty runs=$runs quick=$quick nice=${NICE:-0} date=$(date -u +%Y-%m-%dT%H:%MZ)" > "$results"

gc_configs=$(for c in $configs; do case $c in *malloc) ;; *) printf '%s ' "$c";; esac; done)

# workload | program and arguments | configurations
if [ "$quick" = 1 ]; then
    workloads=(
        "binarytrees-12|binarytrees 12|$configs"
        "gcbench-14|gcbench 14|$configs"
        "churn|churn 8 4|$configs"
        "alloc-16|allocsize 16 32|$configs"
        "alloc-mixed|allocsize mixed 32|$configs"
        "large-16M|large 16 256|$configs"
        "pause-1M|pause 1 3|$gc_configs"
        "pause-16M|pause 16 3|$gc_configs"
    )
    churn_plot="churn 8 4"
else
    workloads=(
        "binarytrees-16|binarytrees 16|$configs"
        "binarytrees-18|binarytrees 18|$configs"
        "gcbench-18|gcbench 18|$configs"
        "churn|churn 32 16|$configs"
        "alloc-16|allocsize 16 256|$configs"
        "alloc-32|allocsize 32 256|$configs"
        "alloc-64|allocsize 64 256|$configs"
        "alloc-mixed|allocsize mixed 256|$configs"
        "large-64M|large 64 2048|$configs"
        "pause-1M|pause 1 5|$gc_configs"
        "pause-16M|pause 16 5|$gc_configs"
        "pause-64M|pause 64 5|$gc_configs"
        "pause-256M|pause 256 3|$gc_configs"
    )
    # BIG=1: large objects on a heap of a gigabyte (about 30 s a run for
    # wgc on wasm): the page allocator and the memory a big heap costs.
    [ "${BIG:-0}" = 1 ] && workloads+=(
        "large-1024M|large 1024 4096|$(for c in $configs; do case $c in *noalign|*bdwgc) ;; *) printf '%s ' "$c";; esac; done)"
    )
    churn_plot="churn 32 16"
fi

# The command line of program $2 (with its arguments) in configuration $1.
command_of() {
    local config=$1 prog=$2; shift 2
    case $config in
    wasm-*) echo node "$out/$config/$prog.js" "$@" ;;
    *)      echo "$out/$config/$prog" "$@" ;;
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
    local line; line=$(grep '^RESULT ' "$log" | tail -n 1)
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
    IFS='|' read -r name cmdline wconfigs <<< "$w"
    [[ $name =~ $only ]] || continue
    printf 'bench: %-16s' "$name"
    for ((r = 1; r <= runs; r++)); do
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

node "$src/report.js" "$results" "$out/report.md" "$runs" "$quick" &&
    echo "bench: results in $results, report in $out/report.md"
echo "bench: $failures failed runs, $(($(date +%s) - start)) s"
[ "$failures" -eq 0 ]
