#!/usr/bin/env node
// cli.js — the command-line runner of the wgc Scheme; the build copies it
// to build/wasm-$(BUILD)/examples/lisp/lisp.js beside index.js and the module.
//
//   node lisp.js [options] [file.scm]    no file: a REPL (Node's readline)
//
// The interpreter runs in a worker thread with a 256 MiB stack: wasm frames
// live on the engine's native stack, and Node's main thread has about 1 MiB
// of it, room for some 8000 nested Scheme calls.  In the worker the C-side
// bound (lisp_eval.c, E2: 32 MiB of C stack) is reached first, at some
// 75000, and is reported as the Scheme error "stack overflow".  The main
// thread parses the options and, for the REPL, reads lines and hands them
// over one by one; the worker writes all output itself (synchronously).
//
// Exit status: 0; 1 after a Scheme error (the message is on stderr as
// "error: ..."); n after (exit n); 2 for bad usage; 70 if the wasm module
// itself failed (a bug: it should never happen).
'use strict';

const fs = require('fs');
const readline = require('readline');
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

const USAGE = `usage: node lisp.js [options] [file.scm]
  --gc-percent N     GC pacing, as GOGC (default 100; -1: no pacing)
  --max-heap SIZE    heap limit, e.g. 64m, at most 4g; beyond it: "out of memory" error
  --stress N         collect every N allocations (1: every allocation)
  --verify           verify the whole heap after every collection
  --max-depth N      nested evaluations before "stack overflow" (default 1000000:
                     the C stack bound comes first)
  --trace FILE       write wgc's event trace (Chrome Trace JSON) to FILE
  --stats            print GC statistics to stderr at the end
  -e EXPR            evaluate EXPR, print its value, and exit
  -h, --help         this text
With no file, a REPL reads expressions from stdin.`;

const WORKER_STACK_MB = 256;
const DEFAULT_MAX_DEPTH = 1000000;

// ---- the main thread: options, the worker, the REPL's input -------------

function die(msg) {
  process.stderr.write(`lisp: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function parseSize(s) {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)b?$/i.exec(s || '');
  if (!m) die(`bad size '${s}'`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase()];
  const n = Math.floor(parseFloat(m[1]) * mult);
  if (n > 2 ** 32) die(`--max-heap ${s}: out of range (at most ${2 ** 32} bytes)`);
  return n;
}

function parseIntArg(s, name) {
  if (!/^-?\d+$/.test(s || '')) die(`${name} needs an integer`);
  return parseInt(s, 10);
}

function parseArgs(argv) {
  const a = { opts: { gcPercent: 100, maxHeap: 0, stress: 0, verifyEachGc: false,
                      maxDepth: DEFAULT_MAX_DEPTH },
              file: null, expr: null, trace: null, stats: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    switch (x) {
      case '--gc-percent': a.opts.gcPercent = parseIntArg(argv[++i], x); break;
      case '--max-heap': a.opts.maxHeap = parseSize(argv[++i]); break;
      case '--stress': a.opts.stress = parseIntArg(argv[++i], x); break;
      case '--verify': a.opts.verifyEachGc = true; break;
      case '--max-depth': a.opts.maxDepth = parseIntArg(argv[++i], x); break;
      case '--trace': a.trace = argv[++i]; if (!a.trace) die('--trace needs a file'); break;
      case '--stats': a.stats = true; break;
      case '-e': a.expr = argv[++i]; if (a.expr === undefined) die('-e needs an expression'); break;
      case '-h': case '--help': process.stdout.write(USAGE + '\n'); process.exit(0); break;
      default:
        if (x.startsWith('-') && x !== '-') die(`unknown option ${x}`);
        if (a.file !== null) die('one file at a time');
        a.file = x;
    }
  }
  return a;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const repl = args.file === null && args.expr === null;
  const tty = repl && !!process.stdin.isTTY;
  const worker = new Worker(__filename, {
    workerData: { ...args, repl, tty },
    resourceLimits: { stackSizeMb: WORKER_STACK_MB },
    stdout: false, stderr: false,
  });
  let failed = false;
  worker.on('error', (e) => {
    failed = true;
    process.stderr.write(`lisp: internal error: ${e && e.stack || e}\n`);
    process.exit(70);
  });
  worker.on('exit', (code) => { if (!failed) process.exit(code); });
  if (!repl) return;

  const rl = readline.createInterface({ input: process.stdin, output: process.stdout,
                                        terminal: tty });
  const queue = [];
  let busy = true;            // until the worker says it is ready
  let more = false;
  const prompt = () => { if (tty) { rl.setPrompt(more ? '... ' : '> '); rl.prompt(); } };
  const pump = () => {
    if (busy || queue.length === 0) return;
    busy = true;
    worker.postMessage(queue.shift());
  };
  worker.on('message', (m) => {
    busy = false;
    more = !!m.more;
    if (queue.length) pump(); else prompt();
  });
  rl.on('line', (line) => { queue.push({ line }); pump(); });
  rl.on('close', () => { queue.push({ eof: true }); pump(); });
  if (tty) process.stdout.write('wgc Scheme — (exit) or Ctrl-D to leave\n');
}

// ---- the worker: the interpreter ----------------------------------------------

function workerMain() {
  const lisp = require('./index.js');
  const args = workerData;
  const write = (fd, buf) => { fs.writeSync(fd, buf); };
  let scheme;
  try {
    scheme = lisp.create({ ...args.opts, onOutput: write });
  } catch (e) {
    write(2, `lisp: ${e.message}\n`);
    process.exit(1);
  }
  if (args.trace && !scheme.traceStart()) write(2, 'lisp: the trace did not start\n');

  const MiB = (n) => (n / 1048576).toFixed(1) + ' MiB';
  const ms = (ns) => (ns / 1e6).toFixed(2) + ' ms';

  function finish(code) {
    if (args.trace && !scheme.traceWrite(args.trace)) write(2, `lisp: cannot write ${args.trace}\n`);
    if (args.stats) {
      const s = scheme.stats();
      write(2,
        `gc: ${s.num_gc} collections; ${MiB(s.total_alloc)} allocated in ${s.nmalloc} objects, ` +
        `${s.nfree} freed\n` +
        `gc: peak heap ${MiB(s.heap_sys)} (arenas obtained), in use ${MiB(s.heap_inuse)}, ` +
        `live after the last GC ${MiB(s.live_bytes)}\n` +
        `gc: pause max ${ms(s.pause_max_ns)}, total ${ms(s.pause_total_ns)}; ` +
        `wasm memory ${MiB(s.memory_size)}\n`);
    }
    process.exit(code);
  }

  const statusCode = (r) => (r.status === 'exit' ? r.exitCode : r.status === 'ok' ? 0 : 1);

  if (args.expr !== null) finish(statusCode(scheme.eval(args.expr, { printResults: true })));
  if (args.file !== null) {
    let source;
    try {
      source = fs.readFileSync(args.file === '-' ? 0 : args.file);
    } catch (e) {
      write(2, `lisp: cannot read ${args.file}: ${e.code || e.message}\n`);
      process.exit(1);
    }
    finish(statusCode(scheme.eval(source)));
  }

  // The REPL: gather lines until the datum is complete, then evaluate.
  let pending = '';
  parentPort.on('message', (m) => {
    if (m.eof) {
      if (pending.trim()) scheme.eval(pending, { printResults: true });   // reports it
      if (args.tty) write(1, '\n');
      finish(0);
    }
    pending += m.line + '\n';
    if (scheme.incomplete(pending)) {
      parentPort.postMessage({ more: true });
      return;
    }
    const r = scheme.eval(pending, { printResults: true });
    pending = '';
    if (r.status === 'exit') finish(r.exitCode);
    parentPort.postMessage({ more: false });
  });
  parentPort.postMessage({ more: false });   // ready
}

if (isMainThread) main(); else workerMain();
