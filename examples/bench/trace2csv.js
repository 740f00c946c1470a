// trace2csv.js — the data of the heap plot (heap.gp), as CSV in MiB.
//
//   node trace2csv.js trace.json out.csv
//       From a Chrome Trace Event file (an array of events, or an object
//       with traceEvents): every counter event ("ph": "C") is a sample of
//       each of its args; the output has one column per counter series,
//       carried forward between samples, against ms since the first
//       counter event.  Exits 1 when the file has no counter events.
//   node trace2csv.js --samples samples.csv out.csv
//       From churn.c's own samples of wgc_stats.
'use strict';
const fs = require('fs');

const MiB = 1024 * 1024;
const args = process.argv.slice(2);

function fromSamples(file) {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const col = (name) => head.indexOf(name);
  const wanted = [
    ['heap_alloc', 'heap (heap_alloc)'],
    ['next_gc', 'heap goal (next_gc)'],
    ['heap_sys', 'heap arenas (heap_sys)'],
    ['memory_size', 'wasm memory'],
    ['live_target_bytes', 'live data (program)'],
  ].filter(([name]) => col(name) >= 0);
  const out = ['ms,' + wanted.map(([, title]) => title).join(',')];
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    out.push([f[col('ms')], ...wanted.map(([name]) => (Number(f[col(name)]) / MiB).toFixed(3))].join(','));
  }
  return out;
}

function fromTrace(file) {
  let data = JSON.parse(fs.readFileSync(file, 'utf8'));
  const events = Array.isArray(data) ? data : (data.traceEvents || []);
  const counters = events.filter((e) => e && e.ph === 'C' && e.args && typeof e.ts === 'number');
  if (counters.length === 0) throw new Error('no counter events in ' + file);
  counters.sort((a, b) => a.ts - b.ts);
  // Series names: the event's name when it has one arg (wgc's counters are
  // {"name": "heap_goal", "args": {"bytes": n}}), else "name.key".
  const seriesOf = (e, k) => (Object.keys(e.args).length === 1 ? e.name : e.name + '.' + k);
  const names = [];
  for (const e of counters) for (const k of Object.keys(e.args)) {
    const s = seriesOf(e, k);
    if (!names.includes(s)) names.push(s);
  }
  const t0 = counters[0].ts;
  const last = new Map();
  const out = ['ms,' + names.join(',')];
  for (const e of counters) {
    for (const [k, v] of Object.entries(e.args)) last.set(seriesOf(e, k), Number(v));
    out.push([((e.ts - t0) / 1000).toFixed(3),
      ...names.map((s) => (last.has(s) ? (last.get(s) / MiB).toFixed(3) : ''))].join(','));
  }
  return out;
}

try {
  const lines = args[0] === '--samples' ? fromSamples(args[1]) : fromTrace(args[0]);
  fs.writeFileSync(args[0] === '--samples' ? args[2] : args[1], lines.join('\n') + '\n');
} catch (err) {
  console.error('trace2csv: ' + err.message);
  process.exit(1);
}
