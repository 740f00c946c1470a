// report.js — build/bench/report.md from build/bench/results.txt.
//
//   node report.js results.txt report.md runs quick [summary.txt]
//
// Each RESULT line is one run (fields name=value).  For every workload and
// configuration: the median of the runs and their min–max; ratios are wgc's
// median divided by the other's (wasm-wgc / wasm-malloc, the plain malloc
// baseline; posix-wgc / posix-malloc; wasm-wgc / the fastest bdwgc
// configuration on that workload), so below 1 means wgc is faster or
// smaller.  Pause workloads pool every forced collection of every run.
// The summary (workloads, micro-benchmark, pauses, and the project's bar
// read off them) opens the report and is also written to summary.txt, which
// make bench prints at the end.  wasm-wgc is wgc generational (the default),
// wasm-wgc-nogen the same binaries with WGC_GEN=0; wgc's RESULT lines carry
// minor / major collection counts and pauses, the dirty cards scanned and
// the old generation's size, tabled per workload.  Nothing here fails on a
// number.
'use strict';
const fs = require('fs');
const os = require('os');
const { execSync } = require('child_process');

const [resultsFile, reportFile, runs, quick, summaryFile] = process.argv.slice(2);
const ORDER = ['wasm-wgc', 'wasm-wgc-nogen', 'wasm-wgc-noalign', 'wasm-malloc', 'wasm-calloc', 'wasm-bdwgc', 'wasm-bdwgc-incr',
  'wasm-bdwgc-noasync', 'posix-wgc', 'posix-malloc'];
const BDWGC = ['wasm-bdwgc', 'wasm-bdwgc-incr', 'wasm-bdwgc-noasync'];
const MiB = 1024 * 1024;

const rows = [];
const fails = [];
let meta = {};
for (const line of fs.readFileSync(resultsFile, 'utf8').split('\n')) {
  const m = line.match(/^(RESULT|FAIL|META) (.*)$/);
  if (!m) continue;
  const r = {};
  for (const kv of m[2].trim().split(/\s+/)) {
    const i = kv.indexOf('=');
    r[kv.slice(0, i)] = kv.slice(i + 1);
  }
  if (m[1] === 'META') meta = r;
  else (m[1] === 'RESULT' ? rows : fails).push(r);
}

const workloads = [];
for (const r of rows) if (!workloads.includes(r.bench)) workloads.push(r.bench);
const configs = ORDER.filter((c) => rows.some((r) => r.config === c));
for (const r of rows) if (!configs.includes(r.config)) configs.push(r.config);

function values(bench, config, field) {
  return rows.filter((r) => r.bench === bench && r.config === config && r[field] !== undefined)
    .map((r) => Number(r[field]));
}
function median(v) {
  if (v.length === 0) return undefined;
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
// The q-quantile of v (nearest rank).
function quantile(v, q) {
  if (v.length === 0) return undefined;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
function stat(bench, config, field) {
  const v = values(bench, config, field);
  if (v.length === 0) return undefined;
  return { n: v.length, med: median(v), min: Math.min(...v), max: Math.max(...v) };
}
const med = (bench, config, field) => median(values(bench, config, field));
// The malloc baseline of a configuration's platform: plain malloc + free.
const mallocOf = (config) => (config.startsWith('posix') ? 'posix-malloc' : 'wasm-malloc');
const wgcOf = (config) => (config.startsWith('posix') ? 'posix-wgc' : 'wasm-wgc');
const WGCS = ['wasm-wgc', 'wasm-wgc-nogen', 'posix-wgc'];   // configurations with wgc's counters
const div = (a, b) => (a === undefined || b === undefined || !b ? undefined : a / b);
// The fastest bdwgc configuration on a workload (by median ms).
function bdwgcBest(bench, field = 'ms') {
  let best;
  for (const c of BDWGC) {
    const m = med(bench, c, field);
    if (m !== undefined && (best === undefined || m < best.med)) best = { config: c, med: m };
  }
  return best;
}
// Every forced collection of a pause workload, pooled over the runs (µs).
function pooled(bench, config, field = 'pauses_us') {
  return rows.filter((r) => r.bench === bench && r.config === config && r[field])
    .flatMap((r) => r[field].split(',').map(Number));
}
// Lines of other benchmarks that share results.txt (no ms field) are shown
// apart, as they are: their own fields, the median of each over runs.
const others = workloads.filter((w) => !configs.some((c) => stat(w, c, 'ms')));
const timed = workloads.filter((w) => !others.includes(w));
const pauses = timed.filter((w) => w.startsWith('pause-'));
const micro = timed.filter((w) => w.startsWith('micro-'));
const main = timed.filter((w) => !pauses.includes(w));
const fmt = (x, d = 1) => (x === undefined ? '–' : x.toFixed(d));
const ms = (x) => (x === undefined ? '–' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const kib = (x) => (x === undefined ? '–' : (x / 1024).toFixed(0));
const mib = (x) => (x === undefined ? '–' : (x / MiB).toFixed(1));
const rt = (x) => (x === undefined ? '–' : `×${x.toFixed(2)}`);
const short = (c) => (c ? c.replace('wasm-', '') : '?');

const out = [];
let sink = out;
const p = (s = '') => sink.push(s);
function table(head, body) {
  p('| ' + head.join(' | ') + ' |');
  p('|' + head.map((h, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|') + '|');
  for (const b of body) p('| ' + b.join(' | ') + ' |');
  p();
}
function tryRun(cmd) {
  try { return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch (e) { return '?'; }
}
const withRange = (s) => (s ? `${ms(s.med)} (${ms(s.min)}–${ms(s.max)})` : '–');

// ---- the summary: printed at the end of make bench, and the report's top ----
const summary = [];
sink = summary;
p(`## Summary${quick === '1' ? ' (QUICK: a smoke test, not the suite\'s numbers)' : ''}`);
p();
p(`Commit ${meta.commit || '?'}${meta.dirty === '1' ? ' (with uncommitted changes)' : ''}; wasm under Node; ` +
  'median (min–max) of the runs, ms inside the program.  malloc = emscripten\'s dlmalloc, plain malloc + free; ' +
  'bdwgc best = the fastest of the bdwgc configurations on that workload.  Ratios are wgc / the other: below 1, wgc is faster or smaller.');
p();
p('wgc = wasm-wgc, generational (the default); wgc no gen = the same binaries with WGC_GEN=0 (every collection full).');
p();
table(['workload', 'wgc ms', 'wgc no gen ms', 'malloc ms', 'bdwgc best ms', 'wgc/malloc', 'wgc/bdwgc best', 'gen/no gen',
  'peak mem wgc/malloc', 'wgc max pause ms'],
  main.map((w) => {
    const b = bdwgcBest(w);
    return [w, withRange(stat(w, 'wasm-wgc', 'ms')), withRange(stat(w, 'wasm-wgc-nogen', 'ms')),
      withRange(stat(w, 'wasm-malloc', 'ms')),
      b ? `${withRange(stat(w, b.config, 'ms'))} ${short(b.config)}` : '–',
      rt(div(med(w, 'wasm-wgc', 'ms'), med(w, 'wasm-malloc', 'ms'))),
      rt(div(med(w, 'wasm-wgc', 'ms'), b && b.med)),
      rt(div(med(w, 'wasm-wgc', 'ms'), med(w, 'wasm-wgc-nogen', 'ms'))),
      rt(div(med(w, 'wasm-wgc', 'wasm_mem'), med(w, 'wasm-malloc', 'wasm_mem'))),
      ms(med(w, 'wasm-wgc', 'max_pause_ms'))];
  }));
// wgc's generations per workload: what the collections were and cost.
const genRows = (ws) => ws.flatMap((w) => ['wasm-wgc', 'wasm-wgc-nogen'].filter((c) => stat(w, c, 'minor')).map((c) => {
  const minor = med(w, c, 'minor'), minorMs = med(w, c, 'minor_ms');
  return [w, c === 'wasm-wgc' ? 'gen' : 'no gen', fmt(minor, 0), fmt(med(w, c, 'major'), 0), ms(minorMs),
    ms(med(w, c, 'major_ms')), ms(div(minorMs, minor)),
    `${fmt(med(w, c, 'cards_total'), 0)} / ${fmt(med(w, c, 'cards_max'), 0)}`, mib(med(w, c, 'old_bytes'))];
}));
const genHead = ['workload', 'wgc', 'minor', 'major', 'ms in minor', 'ms in major', 'ms per minor',
  'dirty cards total / max per minor', 'old MiB at end'];
if (main.some((w) => stat(w, 'wasm-wgc', 'minor'))) {
  p('wgc\'s collections on wasm (median of runs): minor and major counts, the pauses of each summed (ms), the mean ' +
    'minor pause, the remembered set (dirty 512-byte cards scanned by all minor collections / by the largest one) ' +
    'and the old generation at the end:');
  p();
  table(genHead, genRows(main));
}
// The barrier's cost: stores all over an old vector, with and without generations.
if (stat('mutate', 'wasm-wgc', 'ms') && stat('mutate', 'wasm-wgc-nogen', 'ms')) {
  const g = med('mutate', 'wasm-wgc', 'ms'), n = med('mutate', 'wasm-wgc-nogen', 'ms');
  p(`The case where generations do not pay (mutate: random replacement in a large old vector, every store through ` +
    `WGC_STORE): wgc generational ${ms(g)} ms (${fmt(med('mutate', 'wasm-wgc', 'ns_per_store'), 1)} ns per replacement, ` +
    `${fmt(med('mutate', 'wasm-wgc', 'minor'), 0)} minor + ${fmt(med('mutate', 'wasm-wgc', 'major'), 0)} major collections, ` +
    `${fmt(med('mutate', 'wasm-wgc', 'cards_max'), 0)} dirty cards at most per minor) against no generations ${ms(n)} ms ` +
    `(${fmt(med('mutate', 'wasm-wgc-nogen', 'ns_per_store'), 1)} ns, ${fmt(med('mutate', 'wasm-wgc-nogen', 'gcs'), 0)} ` +
    `full collections): gen/no gen ${rt(div(g, n))}; plain malloc ${ms(med('mutate', 'wasm-malloc', 'ms'))} ms.`);
  p();
}
if (micro.length) {
  p('Allocation micro-benchmark (a two-pointer object, 8 B on wasm32; lists of `batch` objects built, walked and dropped; ' +
    'ns per object, allocation plus reclamation):');
  p();
  const mc = configs.filter((c) => c.startsWith('wasm') && !c.endsWith('noalign'));
  table(['batch', ...mc.map(short), 'wgc/malloc'], micro.map((w) => [w.replace('micro-batch', ''),
    ...mc.map((c) => fmt(med(w, c, 'ns_per_alloc'), 1)),
    rt(div(med(w, 'wasm-wgc', 'ns_per_alloc'), med(w, 'wasm-malloc', 'ns_per_alloc')))]));
}
if (pauses.length) {
  p('Pauses of forced full (major) collections, wasm-wgc (wgc_collect; all collections of all runs pooled; ms).  ' +
    'The marking rate of a full collection is the objects it marks over the median pause, in million objects per ' +
    'second (and MB/s of live data), for both heap shapes:');
  p();
  table(['heap', 'live MiB', 'objects', 'n', 'median', 'p99', 'max', 'marking rate, M objects/s', 'MB/s',
    'no gen median', 'bdwgc best median'],
    pauses.map((w) => {
      const v = pooled(w, 'wasm-wgc').map((x) => x / 1e3);
      const m = median(v), live = med(w, 'wasm-wgc', 'live'), objs = med(w, 'wasm-wgc', 'objects');
      let best;
      for (const c of BDWGC) {
        const bm = median(pooled(w, c));
        if (bm !== undefined && (best === undefined || bm < best.m)) best = { c, m: bm };
      }
      return [w.replace('pause-', ''), mib(live), fmt(objs && objs / 1e6, 2) + 'M', String(v.length), ms(m),
        ms(quantile(v, 0.99)), ms(v.length ? Math.max(...v) : undefined),
        fmt(div(objs, m && m * 1e3), 1), fmt(div(live, m && m * 1e3), 0),
        ms(median(pooled(w, 'wasm-wgc-nogen').map((x) => x / 1e3))),
        best ? `${ms(best.m / 1e3)} ${short(best.c)}` : '–'];
    }));
}
// The project's bar, read off the numbers above.
const bar = [];
for (const w of main.filter((x) => /^(gcbench|binarytrees-1[68])/.test(x))) {
  const rm = div(med(w, 'wasm-wgc', 'ms'), med(w, 'wasm-malloc', 'ms'));
  const b = bdwgcBest(w), rb = div(med(w, 'wasm-wgc', 'ms'), b && b.med);
  const rmem = div(med(w, 'wasm-wgc', 'wasm_mem'), med(w, 'wasm-malloc', 'wasm_mem'));
  bar.push(`${w}: wgc/malloc ${rt(rm)} (bar ≤ ×0.90: ${rm !== undefined && rm <= 0.9 ? 'met' : 'MISSED'}), ` +
    `wgc/bdwgc best ${rt(rb)} (bar ≤ ×0.50: ${rb !== undefined && rb <= 0.5 ? 'met' : 'MISSED'}), ` +
    `peak memory wgc/malloc ${rt(rmem)} (bar ≤ ×1.25: ${rmem !== undefined && rmem <= 1.25 ? 'met' : 'MISSED'})`);
}
// The longest wgc pause on wasm: in the workloads, and in the forced
// collections of the pause heaps.
for (const [what, ws] of [['in the workloads above', main], ['in the pause heaps (forced full collections)', pauses]]) {
  let worst;
  for (const r of rows) {
    if (r.config !== 'wasm-wgc' || r.max_pause_ms === undefined || !ws.includes(r.bench)) continue;
    if (!worst || Number(r.max_pause_ms) > worst.v) worst = { v: Number(r.max_pause_ms), w: r.bench };
  }
  if (worst) {
    bar.push(`longest wgc pause on wasm ${what}: ${ms(worst.v)} ms (${worst.w}) ` +
      `(bar ≤ 1 ms: ${worst.v <= 1 ? 'met' : 'MISSED'})`);
  }
}
if (bar.length) {
  p('The project\'s bar (time ≤ 0.9× plain malloc + free and ≤ 0.5× bdwgc best on GCBench and binary-trees 16/18; ' +
    'peak memory ≤ 1.25× malloc; every pause ≤ 1 ms), for wgc generational:');
  p();
  for (const b of bar) p(`- ${b}`);
  p();
}
sink = out;

const cpu = (os.cpus()[0] || {}).model || '?';
p('# wgc benchmarks');
p();
p(`Generated by \`make bench${quick === '1' ? ' QUICK=1' : ''}\` (examples/bench/run.sh) on ${new Date().toISOString()}.`);
p(`Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
  `Node ${process.version}; emcc ${(tryRun('emcc --version').match(/\d+\.\d+\.\d+/) || ['?'])[0]}; ` +
  `${tryRun('cc --version').split('\n')[0]}.`);
if (meta.commit) {
  p(`Source: commit ${meta.commit}${meta.dirty === '1' ? ' with uncommitted changes' : ''}` +
    (meta.nice && meta.nice !== '0' ? `; programs run under \`nice -n ${meta.nice}\`.` : '.'));
}
p(`Up to ${runs} runs of each program in each configuration, interleaved (the largest pause heaps fewer); the tables give the median, ` +
  'with min–max in the details.  Ratios (×) are wgc divided by the other configuration on the same platform ' +
  '(wasm-wgc / wasm-malloc, posix-wgc / posix-malloc, wasm-wgc / the fastest bdwgc): below 1, wgc is faster or smaller.');
const loads = rows.map((r) => Number(r.load)).filter((x) => !Number.isNaN(x));
if (loads.length) {
  p(`Load average (1 min) when the runs started: median ${median(loads).toFixed(2)}, ` +
    `min ${Math.min(...loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)} on ${os.cpus().length} cores` +
    (median(loads) > os.cpus().length - 0.5 ? ' — **the machine was busy with other work: elapsed times are inflated and noisy**.' : '.'));
}
if (quick === '1') p('**QUICK mode: small sizes and few runs, a smoke test; these numbers are not the suite\'s.**');
p();
p('Configurations: **wasm-wgc** wgc (PLATFORM=wasm BUILD=release, aligned OS layer), generational (WGC_GEN=1, the default); ' +
  '**wasm-wgc-nogen** the same binaries run with WGC_GEN=0 (no generations: every collection full, as before); ' +
  '**wasm-wgc-noalign** the same with ALIGN=0 (the unaligned baseline, with NOALIGN=1 only); **wasm-malloc** ' +
  'emscripten\'s dlmalloc, plain malloc with explicit free (every field the program reads set by hand); ' +
  '**wasm-calloc** the same with calloc (zeroed like wgc\'s objects); ' +
  '**wasm-bdwgc** bdwgc 8.2.2 (Debian\'s libgc source) built with emcc, programs linked with -sASYNCIFY so it can scan wasm locals; ' +
  '**wasm-bdwgc-incr** the same with GC_enable_incremental() at start (GC_is_incremental_mode() is 1; emscripten has no ' +
  'dirty bits, so bdwgc\'s DEFAULT_VDB treats every page as dirty; not run on every workload); ' +
  '**wasm-bdwgc-noasync** bdwgc without Asyncify: register scanning off, the locals a program names in BENCH_LOCALS ' +
  '(the same ones wgc registers) kept in the C stack, which bdwgc scans; ' +
  '**posix-wgc** wgc natively (PLATFORM=posix BUILD=release); **posix-malloc** glibc malloc + free.  ' +
  'wasm programs run under Node; ms is measured inside the program ' +
  '(CLOCK_MONOTONIC, after initialisation, excluding Node\'s start-up).');
p();
out.push(...summary);

// A table of one field over the main workloads: each configuration's
// median, then wgc / malloc per platform and wasm-wgc / bdwgc best.
function fieldTable(field, show, cfgs = configs) {
  const hasPosix = cfgs.includes('posix-wgc') && cfgs.includes('posix-malloc');
  const head = ['workload', ...cfgs, 'wasm wgc/malloc', 'wasm wgc/bdwgc best', ...(hasPosix ? ['posix wgc/malloc'] : [])];
  table(head, main.map((w) => {
    const b = bdwgcBest(w, field);
    return [w, ...cfgs.map((c) => show(med(w, c, field))),
      rt(div(med(w, 'wasm-wgc', field), med(w, 'wasm-malloc', field))),
      b ? `${rt(div(med(w, 'wasm-wgc', field), b.med))} (${short(b.config)})` : '–',
      ...(hasPosix ? [rt(div(med(w, 'posix-wgc', field), med(w, 'posix-malloc', field)))] : [])];
  }));
}

p('## Time (ms, median)');
p();
fieldTable('ms', ms);

if (rows.some((r) => r.cpu_s !== undefined)) {
  p('## CPU time of the process (s, median)');
  p();
  p('User + system time of the whole process (GNU time), including Node\'s start-up, compilation and ' +
    'its helper threads for wasm: less disturbed than elapsed time when the machine is busy.');
  p();
  fieldTable('cpu_s', (x) => fmt(x, 2));
}

const wasmConfigs = configs.filter((c) => c.startsWith('wasm'));
p('## Peak wasm memory (MiB, median)');
p();
p('Linear memory at its largest (it never shrinks), including emscripten\'s initial 16 MiB. ' +
  '"pad" is wgc\'s sys_padding: bytes lost to aligning regions to 64 KiB pages.');
p();
table(['workload', ...wasmConfigs, 'wgc/malloc', 'pad wgc (KiB)'], main.map((w) => [w,
  ...wasmConfigs.map((c) => mib(med(w, c, 'wasm_mem'))),
  rt(div(med(w, 'wasm-wgc', 'wasm_mem'), med(w, 'wasm-malloc', 'wasm_mem'))),
  kib(med(w, 'wasm-wgc', 'pad'))]));

p('## Peak RSS of the process (MiB, median)');
p();
p('GNU time\'s maximum resident set: for wasm the whole node process (V8, the module, linear memory touched).');
p();
fieldTable('rss_kb', (x) => (x === undefined ? '–' : (x / 1024).toFixed(0)));

if (micro.length) {
  p('## Allocation micro-benchmark (ns per object)');
  p();
  p('`allocmicro batch 16`: 16 million two-pointer objects (8 B on wasm32), made in linked lists of `batch`, each list walked and ' +
    'dropped (freed object by object for malloc).  ns per object over the whole run; build / drop: the two phases apart ' +
    '(for the collectors, collections happen inside build).');
  p();
  table(['batch', 'config', 'ns per object', 'min–max', 'build', 'drop', 'gcs', 'max pause ms'],
    micro.flatMap((w) => configs.filter((c) => stat(w, c, 'ns_per_alloc')).map((c) => {
      const s = stat(w, c, 'ns_per_alloc');
      return [w.replace('micro-batch', ''), c, fmt(s.med, 2), `${fmt(s.min, 2)}–${fmt(s.max, 2)}`,
        fmt(med(w, c, 'ns_build'), 2), fmt(med(w, c, 'ns_drop'), 2), fmt(med(w, c, 'gcs'), 0),
        ms(med(w, c, 'max_pause_ms'))];
    })));
}

if (timed.includes('mutate')) {
  p('## Mutation: random slot replacement in a large old vector');
  p();
  p('`mutate`: a vector of a million pointer slots, each replaced at random by a new 8-byte object (old-to-young stores ' +
    'all over an old object); every such store goes through BENCH_STORE: WGC_STORE, the card-marking write barrier, for ' +
    'wgc; a plain store for the others.  ns per replacement (allocation, store, dropping the old object).  The case ' +
    'where generations do not pay: the young objects survive until replaced, and every card of the vector is dirty ' +
    'at each minor collection.  gen/no gen: wgc generational over the same binary with WGC_GEN=0.');
  p();
  table(['config', 'ns per store', 'min–max', 'ms', 'gen/no gen', 'gcs', 'minor', 'major', 'ms in minor', 'ms in major',
    'dirty cards max per minor', 'max pause ms', 'wasm MiB'],
    configs.filter((c) => stat('mutate', c, 'ns_per_store')).map((c) => {
      const s = stat('mutate', c, 'ns_per_store');
      const own = WGCS.includes(c);
      return [c, fmt(s.med, 1), `${fmt(s.min, 1)}–${fmt(s.max, 1)}`, ms(med('mutate', c, 'ms')),
        c === 'wasm-wgc' ? rt(div(med('mutate', c, 'ms'), med('mutate', 'wasm-wgc-nogen', 'ms'))) : '',
        fmt(med('mutate', c, 'gcs'), 0),
        ...(own ? [fmt(med('mutate', c, 'minor'), 0), fmt(med('mutate', c, 'major'), 0), ms(med('mutate', c, 'minor_ms')),
          ms(med('mutate', c, 'major_ms')), fmt(med('mutate', c, 'cards_max'), 0)] : ['', '', '', '', '']),
        ms(med('mutate', c, 'max_pause_ms')), mib(med('mutate', c, 'wasm_mem'))];
    }));
}

const gcConfigs = configs.filter((c) => !c.endsWith('malloc') && !c.endsWith('calloc'));
p('## Collections and longest pause (median of runs)');
p();
p('gcs: collections in the run; max pause: the longest collection in the run, ms (wgc\'s pause_max_ns; ' +
  'for bdwgc from its collection events: GC_EVENT_START..END, and in incremental mode the final stopped mark up to ' +
  'GC_EVENT_RECLAIM_END; its incremental marking steps inside allocations are not counted); p99 ≤: the 99th ' +
  'percentile of wgc\'s pause histogram, as the top of its bucket.');
p();
table(['workload', ...gcConfigs.map((c) => c + ' gcs'), ...gcConfigs.map((c) => c + ' max pause'), 'wasm-wgc p99 ≤'],
  main.map((w) => [w, ...gcConfigs.map((c) => fmt(med(w, c, 'gcs'), 0)),
    ...gcConfigs.map((c) => ms(med(w, c, 'max_pause_ms'))), ms(med(w, 'wasm-wgc', 'hist_p99_le_ms'))]));

if (timed.some((w) => stat(w, 'wasm-wgc', 'minor'))) {
  p('## Generations: minor and major collections (median of runs)');
  p();
  p('wgc with generations (gen, WGC_GEN=1) and without (no gen, WGC_GEN=0), the same binaries.  minor / major: ' +
    'collections of each kind (without generations every one is major); ms in minor / major: their pauses summed; ' +
    'ms per minor: the mean minor pause; dirty cards: the remembered set, 512-byte cards a minor collection scans, ' +
    'summed over all minor collections (cards_total) / the most in one (the largest cards_last, seen after each ' +
    'collection through wgc_set_gc_callback); old MiB: wgc\'s old_bytes at the end of the run.  The pause ' +
    'workloads force full collections (wgc_collect), so they are major there too.');
  p();
  table(genHead, genRows(timed));
  if (timed.some((w) => stat(w, 'posix-wgc', 'minor'))) {
    p('Natively (posix-wgc, generational):');
    p();
    table(['workload', 'minor', 'major', 'ms in minor', 'ms in major', 'dirty cards total / max per minor', 'old MiB at end'],
      timed.filter((w) => stat(w, 'posix-wgc', 'minor')).map((w) => [w, fmt(med(w, 'posix-wgc', 'minor'), 0),
        fmt(med(w, 'posix-wgc', 'major'), 0), ms(med(w, 'posix-wgc', 'minor_ms')), ms(med(w, 'posix-wgc', 'major_ms')),
        `${fmt(med(w, 'posix-wgc', 'cards_total'), 0)} / ${fmt(med(w, 'posix-wgc', 'cards_max'), 0)}`,
        mib(med(w, 'posix-wgc', 'old_bytes'))]));
  }
}

if (pauses.length) {
  p('## Pause against live heap');
  p();
  p('A forest of binary trees is built to the nominal size, then full collections are forced and timed inside the ' +
    'program (around wgc_collect / GC_gcollect).  **mixed**: 16-byte nodes on wasm32, one in eight with a 64–512 B buffer; ' +
    '**small**: every node two pointers (8 B on wasm32).  All collections of all runs are pooled: median, p99 (nearest ' +
    'rank; with few collections it is the max) and max, ms.  "live" is what the collector reports as marked (bdwgc: heap ' +
    'size less free bytes); objects: what one collection marks; the marking rate of a full collection is objects (in ' +
    'million objects per second) and bytes over the median pause.  wgc_collect is a major collection with and ' +
    'without generations.');
  p();
  for (const c of gcConfigs) {
    const ws = pauses.filter((w) => pooled(w, c).length);
    if (!ws.length) continue;
    p(`### ${c}`);
    p();
    const inner = /^(wasm|posix)-wgc/.test(c);   // wgc's own counters
    table(['heap', 'live MiB', 'objects', 'runs × collections', 'median', 'p99', 'max', 'marking rate, M objects/s', 'MB/s',
      ...(inner ? ['wgc\'s own median', 'wgc max (whole run)', 'hist p99 ≤'] : [])],
    ws.map((w) => {
      const v = pooled(w, c).map((x) => x / 1e3);
      const m = median(v), live = med(w, c, 'live'), objs = med(w, c, 'objects');
      const n = values(w, c, 'ms').length;
      return [w.replace('pause-', ''), mib(live), fmt(objs && objs / 1e6, 2) + 'M', `${n} × ${v.length / n}`, ms(m),
        ms(quantile(v, 0.99)), ms(Math.max(...v)), fmt(div(objs, m && m * 1e3), 1), fmt(div(live, m && m * 1e3), 0),
        ...(inner ? [ms(median(pooled(w, c, 'wgc_pauses_us').map((x) => x / 1e3))),
          ms(med(w, c, 'max_pause_ms')), ms(med(w, c, 'hist_p99_le_ms'))] : [])];
    }));
  }
}

if (others.length) {
  p('## Other results');
  p();
  for (const w of others) for (const c of configs) {
    const rs = rows.filter((r) => r.bench === w && r.config === c);
    if (!rs.length) continue;
    const fields = Object.keys(rs[0]).filter((k) => !['bench', 'config', 'run'].includes(k));
    p(`- ${w}, ${c} (${rs.length} run${rs.length > 1 ? 's' : ''}): ` +
      fields.map((k) => `${k} ${fmt(median(values(w, c, k)), 1)}`).join(', '));
  }
  p();
}

p('## Details');
p();
for (const w of timed) {
  p(`### ${w}`);
  p();
  const body = configs.filter((c) => stat(w, c, 'ms')).map((c) => {
    const t = stat(w, c, 'ms');
    const cs = [...new Set(values(w, c, 'checksum'))];
    return [c, String(t.n), ms(t.med), `${ms(t.min)}–${ms(t.max)}`,
      fmt(div(med(w, wgcOf(c), 'ms'), t.med), 2), fmt(median(values(w, c, 'cpu_s')), 2),
      mib(median(values(w, c, 'wasm_mem'))), kib(median(values(w, c, 'rss_kb'))),
      fmt(median(values(w, c, 'gcs')), 0), ms(median(values(w, c, 'max_pause_ms'))), cs.join(' ')];
  });
  table(['config', 'runs', 'ms', 'min–max', 'wgc / this', 'CPU s', 'wasm MiB', 'RSS MiB', 'gcs', 'max pause ms', 'checksum'], body);
  const all = new Set(rows.filter((r) => r.bench === w).map((r) => r.checksum));
  if (all.size > 1) p(`**Checksums differ between runs or configurations: ${[...all].join(', ')}.**\n`);
}

p('## Checks');
p();
const bad = workloads.filter((w) => new Set(rows.filter((r) => r.bench === w).map((r) => r.checksum)).size > 1);
p(bad.length ? `Checksums disagree in: ${bad.join(', ')}.` :
  'Every run of a workload printed the same checksum, in every configuration.');
p();
if (fails.length) {
  p('Failed runs (no RESULT line or a non-zero exit; see the logs):');
  p();
  for (const f of fails) p(`- ${f.bench} ${f.config} run ${f.run}: status ${f.status}, ${f.log}`);
} else {
  p('No run failed.');
}
p();
const dir = reportFile.replace(/[^/]*$/, '');
if (fs.existsSync(dir + 'heap.svg')) {
  let src = '';
  try { src = fs.readFileSync(dir + 'heap.source', 'utf8').trim(); } catch (e) { /* none */ }
  p('## Heap over time');
  p();
  p(`One churn run of wasm-wgc; heap size (heap_alloc), heap goal and live bytes from ${src || '?'}:`);
  p();
  p('![heap and heap goal over a churn run](heap.svg)');
  p();
  if (fs.existsSync(dir + 'memory.svg')) {
    p('The same run, sampled by the program (wgc_stats every 1/400 of the allocation): heap, goal, ' +
      'arenas (heap_sys), linear memory, and the live data the program holds:');
    p();
    p('![heap, arenas and wasm memory over a churn run](memory.svg)');
    p();
  }
}
fs.writeFileSync(reportFile, out.join('\n'));
if (summaryFile) fs.writeFileSync(summaryFile, summary.join('\n'));
