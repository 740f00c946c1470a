// worker.js — the interpreter's thread: the page (app.js) never runs Scheme
// itself, so a long or endless program never freezes it; Stop terminates
// this worker and starts another.
//
// From the page:  {type:'init', maxHeap, gcPercent, watch}
//                 {type:'run', id, source}   {type:'collect'}   {type:'watch', on}
// To the page:    {type:'ready'} or {type:'fatal', message}
//                 {type:'out', fd, text}          output, batched (~50 ms)
//                 {type:'snapshot', t, events, dropped, map, stats}
//                 {type:'done', id, status, error, exitCode, ms}
//
// Snapshots: the C side notes every collection (web_api.c, a gc callback)
// and calls Module.webGcNote; that posts one snapshot -- the collections
// since the last one, the heap map, the stats -- at most every SNAPSHOT_MS,
// and only while the page is watching.  Messages go out even while the
// program is still running (a worker's postMessage does not wait for its
// event loop).
'use strict';
/* global createLispCore */
importScripts('lisp-core.js');

const SNAPSHOT_MS = 100;
const OUTPUT_MS = 50;
const EVENT_FIELDS = 8;    // web_api.c, WEB_EVENT_FIELDS

let M = null;              // the emscripten module
let watching = true;
let lastSnapshot = -Infinity;
let outBuf = { 1: [], 2: [] };
let lastOut = 0;
const decoder = new TextDecoder();

function flushOutput() {
  for (const fd of [1, 2]) {
    if (outBuf[fd].length) {
      postMessage({ type: 'out', fd, text: outBuf[fd].join('') });
      outBuf[fd] = [];
    }
  }
  lastOut = performance.now();
}

function write(fd, bytes) {
  outBuf[fd === 2 ? 2 : 1].push(decoder.decode(bytes));
  if (performance.now() - lastOut >= OUTPUT_MS) flushOutput();
}

function snapshot() {
  lastSnapshot = performance.now();
  const n = M._web_take_events();
  const ep = M._web_events_buf() >> 3;
  const events = M.HEAPF64.slice(ep, ep + n * EVENT_FIELDS);
  const mp = M._web_heap_map() >> 2;
  const map = mp ? M.HEAPU32.slice(mp, mp + 2 + M.HEAPU32[mp] * 7) : new Uint32Array(2);
  const stats = JSON.parse(M.UTF8ToString(M._web_stats_json()));
  postMessage({ type: 'snapshot', t: lastSnapshot, events, dropped: M._web_events_dropped(),
                map, stats }, [events.buffer, map.buffer]);
}

function withCString(text, fn) {
  const bytes = new TextEncoder().encode(text);
  const p = M._malloc(bytes.length + 1);
  if (!p) throw new Error('malloc failed');
  M.HEAPU8.set(bytes, p);
  M.HEAPU8[p + bytes.length] = 0;
  try { return fn(p, bytes.length); } finally { M._free(p); }
}

const STATUS = ['ok', 'error', 'exit'];

function run(id, source) {
  const t0 = performance.now();
  let r;
  try {
    const code = withCString(source, (p, len) => M._lisp_eval(p, len, 1));
    r = { status: STATUS[code] || 'error' };
    if (code === 1) r.error = M.UTF8ToString(M._lisp_last_error());
    if (code === 2) r.exitCode = M._lisp_exit_status();
  } catch (e) {
    // The engine's stack overflowed or the module trapped: this instance
    // is done; the page starts a fresh worker.
    r = { status: 'crashed', error: String(e && e.message || e) };
  }
  flushOutput();
  if (watching && r.status !== 'crashed') snapshot();
  postMessage({ type: 'done', id, ms: performance.now() - t0, ...r });
}

onmessage = (ev) => {
  const m = ev.data;
  if (m.type === 'init') {
    watching = m.watch !== false;
    createLispCore({
      lispWrite: write,
      print: (s) => write(1, new TextEncoder().encode(s + '\n')),
      printErr: (s) => write(2, new TextEncoder().encode(s + '\n')),
      webGcNote() {
        if (watching && performance.now() - lastSnapshot >= SNAPSHOT_MS) snapshot();
      },
    }).then((mod) => {
      M = mod;
      if (M._lisp_start(m.gcPercent, m.maxHeap, 0, 0, 0) !== 0) {
        postMessage({ type: 'fatal', message: M.UTF8ToString(M._lisp_last_error()) });
        return;
      }
      M._web_watch(1);
      postMessage({ type: 'ready' });
      if (watching) snapshot();
    }, (e) => postMessage({ type: 'fatal', message: 'the wasm module did not load: ' + (e && e.message || e) }));
  } else if (!M) {
    // not started yet: the page sends nothing else before 'ready'
  } else if (m.type === 'run') {
    run(m.id, m.source);
  } else if (m.type === 'collect') {
    M._lisp_collect();
    if (watching) snapshot();
  } else if (m.type === 'watch') {
    watching = !!m.on;
    if (watching) snapshot();
  }
};
