// index.d.ts — the types of the wgc Scheme's JS API (index.js), for
// TypeScript and for editors.  index.js's header comment says what each
// option and method does; this file says the same in types.

/// <reference types="node" />

/** Options of create(); all optional. */
export interface CreateOptions {
  /** wgc pacing, GOGC-like (default 100; negative: no pacing). */
  gcPercent?: number;
  /** Hard heap limit in bytes, an integer from 0 to 2^32 (0: wgc's default, 4 GiB).
   *  Past it a program gets the Scheme error "out of memory". */
  maxHeap?: number;
  /** Collect every n allocations (0: off). */
  stress?: number;
  /** Run wgc_verify after every collection. */
  verifyEachGc?: boolean;
  /** Nested evaluations before "stack overflow" (0: the default, 5000). */
  maxDepth?: number;
  /** eval() writes each top-level value, as a REPL does. */
  printResults?: boolean;
  /** Receives output (fd 1) and error reports (fd 2) as they happen;
   *  without it they are collected into eval()'s result. */
  onOutput?: (fd: 1 | 2, data: Buffer) => void;
  /** The emscripten module (default: lisp-core.js beside index.js, else the build's). */
  corePath?: string;
  /** Extra environment variables for the C side (getenv), e.g. WGC_TRACE_FILE. */
  env?: Record<string, string>;
}

/** What eval() returns. */
export interface EvalResult {
  status: 'ok' | 'error' | 'exit';
  /** Output (fd 1), when no onOutput was given. */
  output: string;
  /** Error reports (fd 2, "error: ..." lines), when no onOutput was given. */
  errors: string;
  /** status 'error': the message, e.g. "out of memory: ...". */
  error?: string;
  /** status 'exit': the n of (exit n). */
  exitCode?: number;
}

/** wgc_stats, as lisp_stats_json gives it (bytes, counts, nanoseconds). */
export interface Stats {
  num_gc: number;
  heap_alloc: number;
  heap_inuse: number;
  heap_sys: number;
  heap_released: number;
  total_alloc: number;
  nmalloc: number;
  nfree: number;
  nlarge: number;
  sys_reserved: number;
  sys_mapped: number;
  sys_padding: number;
  sys_metadata: number;
  memory_size: number;
  live_bytes: number;
  next_gc: number;
  bytes_freed: number;
  pause_total_ns: number;
  pause_max_ns: number;
  pause_last_ns: number;
  /** Objects whose finalizers wgc has queued (they run at the next safe point). */
  finalizers_pending: number;
  /** Live handles (Handle objects not yet released). */
  handles: number;
  /** Fields a later version adds. */
  [field: string]: number;
}

/** What may be passed to Scheme: numbers (integers become exact),
 *  strings, booleans, arrays (Scheme lists) and handles of the same
 *  interpreter. */
export type SchemeArg = number | string | boolean | Handle | SchemeArg[];

/** What toJS() gives: numbers, strings, booleans, and arrays for lists and vectors. */
export type JSValue = number | string | boolean | JSValue[];

/** A Scheme value held from JS: a root of the wgc heap until it is
 *  released, by release() or by a FinalizationRegistry once V8 has
 *  collected the handle.  Methods of a released handle throw. */
export interface Handle {
  /** Apply the procedure to args; a handle on the result.  A Scheme error
   *  is thrown as an Error with its message. */
  call(...args: SchemeArg[]): Handle;
  /** The value as JS; an Error for procedures, symbols and other values
   *  with no JS counterpart, improper lists, NaN, integers beyond 2^53. */
  toJS(): JSValue;
  /** Drop the value now (a second call does nothing). */
  release(): void;
  readonly released: boolean;
}

/** One interpreter: its own wasm instance, heap and global environment. */
export interface Scheme {
  /** Read and evaluate all of source at top level.  Throws only if the
   *  wasm module itself failed (the instance is then unusable). */
  eval(source: string | Buffer, options?: { printResults?: boolean }): EvalResult;
  /** True while source ends inside a list or string. */
  incomplete(source: string | Buffer): boolean;
  stats(): Stats;
  /** A full collection. */
  collect(): void;
  /** Start wgc's event trace; false if one is running. */
  traceStart(): boolean;
  /** Write the trace as Chrome Trace JSON; false if it could not. */
  traceWrite(path: string): boolean;
  /** Evaluate source; a handle on its last form's value.  A Scheme error
   *  is thrown as an Error with its message (nothing is written to fd 2). */
  evalValue(source: string | Buffer): Handle;
  /** A handle on a JS value converted to Scheme (a handle is returned as is). */
  value(x: SchemeArg): Handle;
  /** How many handles are live. */
  handleCount(): number;
  /** The emscripten module object (for the curious). */
  module: unknown;
}

/** Instantiate the wasm module afresh (synchronously) and start the interpreter.
 *  Throws a RangeError for an option out of range, an Error if the heap cannot start. */
export function create(options?: CreateOptions): Scheme;
