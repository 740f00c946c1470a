#!/usr/bin/env bash
# logcost.sh — what debuglog and trace cost (make bench runs it; a
# benchmark, not a test).  binary-trees (depth 16) on wasm, linked three ways,
# run interleaved, 7 times each:
#   out        LOG=0: debuglog and trace compiled out
#   off        the default build: compiled in, not recording
#   recording  the default build with WGC_DEBUGLOG=1 and WGC_TRACE_FILE set
# Writes build/bench/logcost.md and appends RESULT lines to results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
out=build/bench/logcost
mkdir -p "$out"
make --no-print-directory PLATFORM=wasm BUILD=release lib >/dev/null
make --no-print-directory PLATFORM=wasm BUILD=release LOG=0 lib >/dev/null
flags=(-std=gnu11 -O2 -Iruntime -DWGC_EMBEDDER -matomics -mbulk-memory -DCONFIG_WGC
       -sENVIRONMENT=node -sWASM_ASYNC_COMPILATION=0 -sALLOW_MEMORY_GROWTH=1
       -sMAXIMUM_MEMORY=4GB -sNODERAWFS=1 -sEXIT_RUNTIME=1 --pre-js arch/node_env.pre.js)
emcc "${flags[@]}" -DBENCH_CONFIG='"wasm-wgc-log-out"' examples/bench/binarytrees.c \
    build/wasm-release-nolog/libwgc.a -o "$out/bt-out.js" -lm
emcc "${flags[@]}" -DBENCH_CONFIG='"wasm-wgc-log-off"' examples/bench/binarytrees.c \
    build/wasm-release/libwgc.a -o "$out/bt-in.js" -lm
runs=${RUNS:-7}
: > "$out/results.txt"
for i in $(seq "$runs"); do
    node "$out/bt-out.js" 16 | grep '^RESULT' >> "$out/results.txt"
    node "$out/bt-in.js" 16 | grep '^RESULT' >> "$out/results.txt"
    WGC_DEBUGLOG=1 WGC_TRACE_FILE="$out/trace.json" node "$out/bt-in.js" 16 | grep '^RESULT' |
        sed 's/config=wasm-wgc-log-off/config=wasm-wgc-log-recording/' >> "$out/results.txt"
done
cat "$out/results.txt" >> build/bench/results.txt
node - "$out/results.txt" > build/bench/logcost.md <<'JS'
const lines = require('fs').readFileSync(process.argv[2], 'utf8').trim().split('\n');
const by = {};
for (const l of lines) {
  const c = /config=(\S+)/.exec(l)[1], ms = +/ms=([\d.]+)/.exec(l)[1];
  (by[c] = by[c] || []).push(ms);
}
const med = a => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const base = med(by['wasm-wgc-log-off']);
let md = '| binary-trees 16, wasm | median ms | min–max | × off |\n|---|--:|--:|--:|\n';
for (const c of ['wasm-wgc-log-out', 'wasm-wgc-log-off', 'wasm-wgc-log-recording']) {
  const a = by[c];
  md += `| ${c.replace('wasm-wgc-log-', '')} | ${med(a).toFixed(1)} | ` +
        `${Math.min(...a).toFixed(1)}–${Math.max(...a).toFixed(1)} | ${(med(a) / base).toFixed(3)} |\n`;
}
process.stdout.write(md);
JS
cat build/bench/logcost.md
