// index.js — the JS API of the wgc Scheme (examples/lisp) for Node programs.
//
//   const lisp = require('./index.js');      // or the package 'wgc-lisp'
//   const scheme = lisp.create({ maxHeap: 64 << 20 });
//   const r = scheme.eval('(define (sq x) (* x x)) (sq 12)');
//   // r = { status: 'ok', output: '144\n', errors: '' }
//   console.log(scheme.stats().num_gc);
//
// Each create() instantiates the wasm module afresh: its own linear memory,
// its own wgc heap, its own global environment.  Calls are synchronous.
// An instance that is no longer referenced is garbage for JS like any
// object (the module registers no process-level listeners: lisp.mk), so
// programs may create and drop many.
//
// Options (all optional):
//   gcPercent     wgc pacing, GOGC-like (default 100; < 0: no pacing)
//   maxHeap       hard heap limit in bytes, an integer from 0 to 2^32;
//                 past it a program gets the Scheme error "out of memory"
//                 (default 0: wgc's, 4 GiB); a value out of range, or one
//                 wgc_init refuses, makes create() throw with the reason
//   stress        collect every n allocations (0: off)
//   verifyEachGc  run wgc_verify after every collection
//   maxDepth      nested evaluations before "stack overflow" (0: the default,
//                 5000, which fits Node's main-thread stack; in a worker with
//                 a larger stackSizeMb it can be much higher: cli.js)
//   printResults  eval() writes each top-level value, as a REPL does
//   onOutput      (fd, Buffer) => void: receives the program's output
//                 (fd 1) and error reports (fd 2) as they happen; without
//                 it output is collected into eval()'s result
//   corePath      the emscripten module (default: lisp-core.js beside this
//                 file, else the wasm-release or wasm-debug build)
//   env           extra environment variables for the C side (getenv);
//                 WGC_* variables of process.env are passed on anyway.
//                 WGC_TRACE_FILE=path: wgc traces from the start, and the
//                 trace is written to path when the process exits
//
// Methods:
//   eval(source)        -> { status: 'ok'|'error'|'exit', output, errors,
//                            error (the message), exitCode }; throws only
//                          if the wasm module itself failed (then the
//                          instance is unusable)
//   incomplete(source)  -> true while source ends inside a list or string
//   stats()             -> wgc_stats as an object (num_gc, heap_alloc,
//                          heap_sys, pause_max_ns, ...)
//   collect()           -> run a full collection
//   traceStart(), traceWrite(path) -> wgc's Chrome Trace JSON event trace
//   evalValue(source)   -> a Handle on the value of source's last form;
//                          throws an Error with the Scheme message on an
//                          error (nothing is written to fd 2)
//   value(x)            -> a Handle on a JS value converted to Scheme
//   handleCount()       -> how many handles are live (not yet released)
//
// Handles: a JS object holding one Scheme value, which stays alive (it is
// a root of the wgc heap: a slot of a table on the C side) until the handle
// is released: by handle.release(), or by JS's FinalizationRegistry once
// V8 has collected the handle object itself.
//   handle.call(...args) -> a Handle on the result of applying the
//                          procedure to args: JS numbers (integers become
//                          exact), strings, booleans, arrays (Scheme lists)
//                          or other handles of the same interpreter
//   handle.toJS()        -> the value as JS: numbers, strings, booleans,
//                          lists and vectors (as arrays) of them; an Error
//                          for anything else (procedures, symbols, ...)
//   handle.release()     -> drop the value now (later calls throw)
//   handle.released      -> true once released
// Output written during evalValue/call goes to onOutput, else to
// process.stdout / process.stderr.
'use strict';

const fs = require('fs');
const path = require('path');

const STATUS = ['ok', 'error', 'exit'];

// The class of every interpreter's handles (each create() has its own
// subclass), so a handle of another interpreter is recognised as one.
class SchemeHandle {}

function findCore(corePath) {
  if (corePath) return path.resolve(corePath);
  const candidates = [
    path.join(__dirname, 'lisp-core.js'),
    path.join(__dirname, '..', '..', 'build', 'wasm-release', 'examples', 'lisp', 'lisp-core.js'),
    path.join(__dirname, '..', '..', 'build', 'wasm-debug', 'examples', 'lisp', 'lisp-core.js'),
  ];
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error('wgc-lisp: lisp-core.js not found; build it with ' +
                  '`make PLATFORM=wasm BUILD=release lisp` (looked in ' + candidates.join(', ') + ')');
}

// wasm32's address space: the most maxHeap can be (lisp_api.h, LISP_MAX_HEAP_LIMIT).
const MAX_HEAP_LIMIT = 2 ** 32;

// An integer option in [lo, hi], or a RangeError naming it.
function intOption(options, name, dflt, lo, hi) {
  const v = options[name] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
    throw new RangeError(`wgc-lisp: ${name} ${String(v)} is out of range ` +
                         `(an integer from ${lo} to ${hi})`);
  return v;
}

function create(options = {}) {
  // Checked before anything is converted to a C type (a double beyond the
  // range has no defined conversion; wasm's i32 arguments would wrap).
  const o = {
    gcPercent: intOption(options, 'gcPercent', 100, -(2 ** 31), 2 ** 31 - 1),
    maxHeap: intOption(options, 'maxHeap', 0, 0, MAX_HEAP_LIMIT),
    stress: intOption(options, 'stress', 0, 0, 2 ** 32 - 1),
    verifyEachGc: !!options.verifyEachGc,
    maxDepth: intOption(options, 'maxDepth', 0, 0, 2 ** 31 - 1),
  };
  const factory = require(findCore(options.corePath));
  let sink = null;                 // collects output during eval() when no onOutput
  let broken = null;               // set once the module has failed
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('WGC_')) env[k] = v;
  Object.assign(env, options.env || {});

  const Module = {
    lispWrite(fd, bytes) {
      const buf = Buffer.from(bytes);
      if (options.onOutput) options.onOutput(fd, buf);
      else if (sink) sink[fd === 2 ? 'err' : 'out'].push(buf);
    },
    print: (s) => Module.lispWrite(1, Buffer.from(s + '\n')),
    printErr: (s) => Module.lispWrite(2, Buffer.from(s + '\n')),
    preRun: [(m) => Object.assign(m.ENV, env)],
  };
  // With WASM_ASYNC_COMPILATION=0 the factory instantiates and runs the
  // module before it returns; the object passed in becomes the module.
  factory(Module);
  if (!Module.calledRun) throw new Error('wgc-lisp: the wasm module did not start synchronously');

  // C strings: the bytes of a JS string (UTF-8) in malloc'ed memory, with
  // their length (a NUL byte inside is passed on; the reader reports it).
  function withCString(s, fn) {
    const bytes = Buffer.isBuffer(s) ? s : Buffer.from(String(s), 'utf8');
    const p = Module._malloc(bytes.length + 1);
    if (!p) throw new Error('wgc-lisp: malloc failed');
    Module.HEAPU8.set(bytes, p);
    Module.HEAPU8[p + bytes.length] = 0;
    try { return fn(p, bytes.length); } finally { Module._free(p); }
  }
  const rc = Module._lisp_start(o.gcPercent, o.maxHeap, o.stress >>> 0, o.verifyEachGc ? 1 : 0,
                                o.maxDepth);
  if (rc !== 0) throw new Error('wgc-lisp: ' + Module.UTF8ToString(Module._lisp_last_error()));

  // WGC_TRACE_FILE starts a trace at wgc_init, which wgc writes from an
  // atexit handler; this module never exits its C runtime (lisp.mk), so
  // write it here when the process (or worker thread) exits.
  if (env.WGC_TRACE_FILE) {
    const file = path.resolve(env.WGC_TRACE_FILE);
    process.on('exit', () => {
      if (!broken && !withCString(file, (p) => Module._lisp_trace_write(p)))
        process.stderr.write(`wgc-lisp: cannot write the trace to ${file}\n`);
    });
  }

  const api = {
    eval(source, evalOptions = {}) {
      const printResults = evalOptions.printResults ?? options.printResults ?? false;
      const collected = { out: [], err: [] };
      sink = collected;
      if (broken) throw broken;
      let code;
      try {
        code = withCString(source, (p, n) => Module._lisp_eval(p, n, printResults ? 1 : 0));
      } catch (e) {
        // The engine's own stack overflowed (RangeError) or the module
        // trapped: the C side was cut off mid-way, so this instance is done.
        broken = new Error('wgc-lisp: the interpreter failed and cannot be used any more: ' +
                           (e && e.message || e) + (e instanceof RangeError
                             ? ' (the JS engine\'s stack is too small for this recursion: ' +
                               'lower maxDepth, or run in a worker with a larger stackSizeMb, ' +
                               'as cli.js does)' : ''));
        throw broken;
      } finally {
        sink = null;
      }
      const r = {
        status: STATUS[code] || 'error',
        output: Buffer.concat(collected.out).toString('utf8'),
        errors: Buffer.concat(collected.err).toString('utf8'),
      };
      if (code === 1) r.error = Module.UTF8ToString(Module._lisp_last_error());
      if (code === 2) r.exitCode = Module._lisp_exit_status();
      return r;
    },
    incomplete(source) {
      return withCString(source, (p, n) => Module._lisp_incomplete(p, n)) !== 0;
    },
    stats() {
      return JSON.parse(Module.UTF8ToString(Module._lisp_stats_json()));
    },
    collect() {
      Module._lisp_collect();
    },
    traceStart() {
      return Module._lisp_trace_start() !== 0;
    },
    traceWrite(file) {
      return withCString(path.resolve(file), (p) => Module._lisp_trace_write(p)) !== 0;
    },
    evalValue(source) {
      return wrap(direct(() => withCString(source, (p, n) => Module._lisp_handle_eval(p, n))));
    },
    value(x) {
      return newHandle(x);
    },
    handleCount() {
      return Module._lisp_handle_count();
    },
    module: Module,
  };

  // ---- handles ----
  // Each live Handle owns one slot of the C side's table (a wgc root).
  // The registry releases the slot of a handle V8 has collected; an
  // explicit release() unregisters it first, so a slot is never released
  // twice (and a reused slot never by its previous owner).
  const registry = new FinalizationRegistry((id) => {
    if (!broken) Module._lisp_handle_release(id);
  });
  const lastError = () => Module.UTF8ToString(Module._lisp_last_error());
  const lispWrite = Module.lispWrite;
  const writeThrough = (fd, bytes) =>
    (fd === 2 ? process.stderr : process.stdout).write(Buffer.from(bytes));
  // Run a C call that returns a handle id or -1 (then throw its message);
  // output goes to onOutput, else to this process's stdout/stderr.
  function direct(fn) {
    if (broken) throw broken;
    if (!options.onOutput) Module.lispWrite = writeThrough;
    let id;
    try {
      id = fn();
    } catch (e) {
      broken = new Error('wgc-lisp: the interpreter failed and cannot be used any more: ' +
                         (e && e.message || e));
      throw broken;
    } finally {
      Module.lispWrite = lispWrite;
    }
    if (id < 0) throw new Error('wgc-lisp: ' + lastError());
    return id;
  }
  function withIds(ids, fn) {
    const p = Module._malloc(4 * Math.max(1, ids.length));
    if (!p) throw new Error('wgc-lisp: malloc failed');
    try {
      Module.HEAP32.set(ids, p >> 2);
      return fn(p);
    } finally {
      Module._free(p);
    }
  }
  // The id of a handle of this interpreter, live.
  function idOf(h) {
    const id = ids.get(h);
    if (id === undefined) throw new Error('wgc-lisp: a handle of another interpreter');
    if (id < 0) throw new Error('wgc-lisp: this handle was released');
    return id;
  }
  // JS values as Scheme values: ids of new handles (temps) or of handles
  // given; temps collects the new ones, which the caller releases.
  function toScheme(x, temps) {
    if (x instanceof SchemeHandle) return idOf(x);
    let id;
    if (typeof x === 'number') id = direct(() => Module._lisp_handle_number(x));
    else if (typeof x === 'boolean') id = direct(() => Module._lisp_handle_bool(x ? 1 : 0));
    else if (typeof x === 'string')
      id = direct(() => withCString(x, (p, n) => Module._lisp_handle_string(p, n)));
    else if (Array.isArray(x)) {
      const items = x.map((e) => toScheme(e, temps));
      id = withIds(items, (p) => direct(() => Module._lisp_handle_list(items.length, p)));
    } else {
      throw new TypeError(`wgc-lisp: cannot pass ${x === null ? 'null' : typeof x} to Scheme ` +
                          '(numbers, strings, booleans, arrays and handles only)');
    }
    temps.push(id);
    return id;
  }
  const ids = new WeakMap();   // Handle -> its slot, -1 once released
  class Handle extends SchemeHandle {
    get released() { return ids.get(this) < 0; }
    call(...args) {
      const f = idOf(this);
      const temps = [];
      try {
        const argIds = args.map((a) => toScheme(a, temps));
        return wrap(withIds(argIds, (p) => direct(() => Module._lisp_handle_call(f, argIds.length, p))));
      } finally {
        if (!broken) for (const id of temps) Module._lisp_handle_release(id);
      }
    }
    toJS() {
      const id = idOf(this);
      if (broken) throw broken;
      const p = Module._lisp_handle_json(id);
      if (!p) throw new Error('wgc-lisp: ' + lastError());
      return JSON.parse(Module.UTF8ToString(p));
    }
    release() {
      const id = ids.get(this);
      if (id === undefined || id < 0) return;
      registry.unregister(this);
      ids.set(this, -1);
      if (!broken) Module._lisp_handle_release(id);
    }
  }
  function wrap(id) {
    const h = new Handle();
    ids.set(h, id);
    registry.register(h, id, h);
    return h;
  }
  function newHandle(x) {
    if (x instanceof Handle) return x;
    if (x instanceof SchemeHandle) throw new Error('wgc-lisp: a handle of another interpreter');
    const temps = [];
    const id = toScheme(x, temps);
    temps.pop();   // the outermost is the new handle's own slot
    for (const t of temps) Module._lisp_handle_release(t);
    return wrap(id);
  }
  return api;
}

module.exports = { create };
