#!/usr/bin/env node
// run.js — the Scheme test suite (lisp.mk's lisp-check, run by make test).
//
//   node examples/lisp/tests/run.js --runner "node build/wasm-debug/examples/lisp/lisp.js"
//        [--modes normal,stress,verify,nogen] [--only NAME] [--jobs N] [--api DIR]
//
// With --api DIR (the wasm build's directory), the JS API in DIR/index.js
// (examples/node/index.js) is also checked, in this process.
//
// Every tests/NAME.scm runs once per mode, and each run must give exactly
// the expected results, the same in every mode:
//   NAME.out     stdout (required)
//   NAME.err     stderr (default: empty), or NAME.errre, a regex for it
//   NAME.code    exit status (default 0)
// Lines at the top of NAME.scm direct the run:
//   ;; args: ...     extra runner options (e.g. --max-heap 8m)
//   ;; repl          feed the file to the REPL on stdin instead
//   ;; stress: N     in stress mode collect every N allocations instead of
//                    every one (for tests too slow at 1; the run prints it)
// Modes: normal (no options), stress (--stress 1, or N), verify (--verify:
// wgc_verify after every collection, and the write-barrier check before
// every minor one), all generational; nogen: stress mode with
// WGC_GEN=0 (no generations).  The last line is always
// "lisp: N passed, M failed"; the exit status is 1 if any failed.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const dir = __dirname;
const args = process.argv.slice(2);
let runner = null, modes = ['normal', 'stress', 'verify', 'nogen'], only = null, apiDir = null;
let jobs = Math.max(1, Math.min(4, os.cpus().length));
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runner') runner = args[++i];
  else if (args[i] === '--modes') modes = args[++i].split(',').filter(Boolean);
  else if (args[i] === '--only') only = args[++i];
  else if (args[i] === '--jobs') jobs = parseInt(args[++i], 10);
  else if (args[i] === '--api') apiDir = args[++i];
  else { console.error(`run.js: unknown argument ${args[i]}`); process.exit(2); }
}
if (!runner) { console.error('run.js: --runner "COMMAND" is required'); process.exit(2); }
const runnerWords = runner.trim().split(/\s+/);

const read = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null);

function loadTest(name) {
  const base = path.join(dir, name);
  const src = fs.readFileSync(base + '.scm', 'utf8');
  const t = { name, file: base + '.scm', args: [], repl: false, stressEvery: 1 };
  for (const line of src.split('\n')) {
    const m = /^;;\s*(\w+)(?::\s*(.*))?$/.exec(line);
    if (!m) break;
    if (m[1] === 'args') t.args = m[2].trim().split(/\s+/);
    else if (m[1] === 'repl') t.repl = true;
    else if (m[1] === 'stress') t.stressEvery = parseInt(m[2], 10);
  }
  t.out = read(base + '.out');
  if (t.out === null) throw new Error(`${name}: no ${name}.out`);
  t.err = read(base + '.err');
  const re = read(base + '.errre');
  t.errRe = re === null ? null : new RegExp(re.replace(/\n$/, ''));
  if (t.err === null && t.errRe === null) t.err = '';
  const code = read(base + '.code');
  t.code = code === null ? 0 : parseInt(code, 10);
  return t;
}

function modeArgs(t, mode) {
  if (mode === 'stress') return ['--stress', String(t.stressEvery)];
  if (mode === 'verify') return ['--verify'];
  if (mode === 'nogen') return ['--stress', String(t.stressEvery)];
  return [];
}

// nogen: the collector without generations (WGC_GEN=0), in stress mode;
// the other modes run generational, wgc's default.
function modeEnv(mode) {
  return mode === 'nogen' ? { ...process.env, WGC_GEN: '0' } : process.env;
}

function runOne(t, mode) {
  return new Promise((resolve) => {
    const argv = [...runnerWords.slice(1), ...modeArgs(t, mode), ...t.args];
    if (!t.repl) argv.push(t.file);
    const start = Date.now();
    const child = spawn(runnerWords[0], argv, { stdio: ['pipe', 'pipe', 'pipe'], env: modeEnv(mode) });
    const out = [], err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 600 * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal ? `signal ${signal}` : code, out: Buffer.concat(out).toString(),
                err: Buffer.concat(err).toString(), ms: Date.now() - start });
    });
    if (t.repl) child.stdin.end(fs.readFileSync(t.file));
    else child.stdin.end();
  });
}

function firstDiff(want, got) {
  const a = want.split('\n'), b = got.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}:\n      want: ${JSON.stringify(a[i])}\n      got:  ${JSON.stringify(b[i])}`;
  }
  return '';
}

function check(t, r) {
  const problems = [];
  if (r.code !== t.code) problems.push(`exit status: want ${t.code}, got ${r.code}`);
  if (r.out !== t.out) problems.push(`stdout differs at ${firstDiff(t.out, r.out)}`);
  if (t.errRe ? !t.errRe.test(r.err) : r.err !== t.err)
    problems.push(`stderr: ${t.errRe ? `does not match /${t.errRe.source}/` : 'differs at ' +
                  firstDiff(t.err, r.err)}\n      stderr was: ${JSON.stringify(r.err.slice(0, 600))}`);
  return problems;
}

// ---- the JS API (examples/node/index.js) ------------------------------------

function apiChecks(apiPath) {
  const assert = require('assert');
  const lisp = require(path.resolve(apiPath, 'index.js'));
  const checks = [];
  const check = (name, fn) => checks.push({ name, fn });
  check('eval returns values and output', () => {
    const s = lisp.create();
    const r = s.eval('(define (sq x) (* x x)) (display "hi") (sq 12)', { printResults: true });
    assert.deepStrictEqual(r, { status: 'ok', output: 'hi144\n', errors: '' });
  });
  check('state persists between evals', () => {
    const s = lisp.create();
    s.eval('(define counter 0) (define (bump!) (set! counter (+ counter 1)) counter)');
    s.eval('(bump!) (bump!)');
    assert.strictEqual(s.eval('(display (bump!))').output, '3');
  });
  check('errors are results, and the interpreter goes on', () => {
    const s = lisp.create();
    const r = s.eval('(display "a") (car 1) (display "b")');
    assert.strictEqual(r.status, 'error');
    assert.strictEqual(r.error, 'car: expected pair, got 1');
    assert.strictEqual(r.output, 'a');
    assert.strictEqual(r.errors, 'error: car: expected pair, got 1\n');
    assert.strictEqual(s.eval('(display (+ 1 1))').output, '2');
  });
  check('exit is reported with its code', () => {
    const r = lisp.create().eval('(exit 7)');
    assert.strictEqual(r.status, 'exit');
    assert.strictEqual(r.exitCode, 7);
  });
  check('incomplete input', () => {
    const s = lisp.create();
    assert.strictEqual(s.incomplete('(define (f x)\n  (+ x'), true);
    assert.strictEqual(s.incomplete('"open string'), true);
    assert.strictEqual(s.incomplete('(f 1) ; (comment'), false);
    assert.strictEqual(s.incomplete('#\\('), false);
  });
  check('stats and collect', () => {
    const s = lisp.create();
    s.eval('(define (loop n acc) (if (= n 0) (length acc) (loop (- n 1) (cons n acc)))) (loop 100000 (list))');
    const before = s.stats();
    for (const k of ['num_gc', 'heap_alloc', 'heap_sys', 'total_alloc', 'pause_max_ns', 'live_bytes'])
      assert.strictEqual(typeof before[k], 'number', k);
    assert.ok(before.total_alloc > 1e6);
    s.collect();
    assert.strictEqual(s.stats().num_gc, before.num_gc + 1);
  });
  check('maxHeap: out of memory is a Scheme error, then recovery', () => {
    const s = lisp.create({ maxHeap: 8 << 20 });
    const r = s.eval('(define (grow l) (grow (cons (make-vector 10 0) l))) (grow (list))');
    assert.strictEqual(r.status, 'error');
    assert.match(r.error, /^out of memory/);
    assert.strictEqual(s.eval('(display (length (iota 1000)))').output, '1000');
  });
  check('instances are independent', () => {
    const a = lisp.create(), b = lisp.create({ gcPercent: 50, stress: 100, verifyEachGc: true });
    a.eval('(define x 1)');
    assert.strictEqual(b.eval('x').status, 'error');
    assert.strictEqual(b.eval('(display (apply + (iota 100)))').output, '4950');
  });
  check('deep recursion in the main thread is a Scheme error', () => {
    const s = lisp.create();   // the default maxDepth fits Node's main-thread stack
    for (const src of [
      '(define (f n) (if (= n 0) 0 (+ 1 (f (- n 1))))) (f 1000000)',
      "(define (m n) (if (= n 0) 0 (car (map (lambda (x) (+ 1 (m (- n 1)))) '(1))))) (m 1000000)",
      '(define (w n) (if (= n 0) 0 (+ 1 (force (delay (w (- n 1))))))) (w 1000000)',
      "(define (e n) (if (= n 0) 0 (+ 1 (eval (list 'e (- n 1)))))) (e 1000000)",
    ]) {
      const r = s.eval(src);
      assert.strictEqual(r.status, 'error', src);
      assert.match(r.error, /^stack overflow: recursion too deep/);
    }
    assert.strictEqual(s.eval('(display (f 1000))').output, '1000');
  });
  check('onOutput receives output as it is written', () => {
    const got = [];
    const s = lisp.create({ onOutput: (fd, buf) => got.push([fd, buf.toString()]) });
    s.eval('(display "x") (newline) (car 1)');
    assert.deepStrictEqual(got, [[1, 'x\n'], [2, 'error: car: expected pair, got 1\n']]);
  });
  check('trace: Chrome Trace JSON', () => {
    const s = lisp.create();
    assert.strictEqual(s.traceStart(), true);
    s.eval('(define (f n) (if (= n 0) 0 (begin (make-vector 100) (f (- n 1))))) (f 100000)');
    const file = path.join(os.tmpdir(), `wgc-lisp-trace-${process.pid}.json`);
    assert.strictEqual(s.traceWrite(file), true);
    const trace = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.unlinkSync(file);
    const events = Array.isArray(trace) ? trace : trace.traceEvents;
    assert.ok(Array.isArray(events) && events.length > 0);
  });
  check('a NUL byte in the source is an error, not the end of it', () => {
    const s = lisp.create();
    const r = s.eval('(display "a")\0(display "b")');
    assert.strictEqual(r.status, 'error');
    assert.strictEqual(r.output, 'a');
    assert.match(r.error, /^read error \(line 1\): NUL character in source/);
    assert.strictEqual(s.incomplete('(f\0'), false);
    assert.strictEqual(s.eval('(display (string-length "x\\x0;y"))').output, '3');
  });
  check('options out of range are refused with a message', () => {
    for (const [opts, re] of [
      [{ maxHeap: 5e9 }, /maxHeap 5000000000 is out of range/],
      [{ maxHeap: 1e30 }, /maxHeap 1e\+30 is out of range/],
      [{ maxHeap: -1 }, /maxHeap -1 is out of range/],
      [{ maxHeap: NaN }, /maxHeap NaN is out of range/],
      [{ maxHeap: 1.5 }, /maxHeap 1.5 is out of range/],
      [{ gcPercent: 2 ** 40 }, /gcPercent \d+ is out of range/],
      [{ stress: -1 }, /stress -1 is out of range/],
    ]) assert.throws(() => lisp.create(opts), re);
    // The C side checks too, for embedders that call it directly.
    const m = lisp.create().module;
    // (lisp_start refuses a second start; a fresh module is not needed to
    // see the range check, which comes first.)
    assert.strictEqual(m._lisp_start(100, 5e9, 0, 0, 0), 1);
    assert.match(m.UTF8ToString(m._lisp_last_error()), /^max heap 5e\+09 bytes is out of range/);
    // A small limit is wgc's to judge: it starts, or create() says why not.
    try {
      lisp.create({ maxHeap: 1 << 20 });
    } catch (e) {
      assert.match(e.message, /^wgc-lisp: cannot start the heap \(max heap 1048576 bytes\): /);
    }
  });
  check('dropped instances are collected (node --expose-gc)', () => {
    // Each instance used to add process-level listeners that kept its
    // module and linear memory alive for good.
    const script = `
      const lisp = require(${JSON.stringify(path.resolve(apiPath, 'index.js'))});
      const count = () => process.listenerCount('uncaughtException') +
                          process.listenerCount('unhandledRejection');
      const before = count(), N = 30;
      let finalized = 0;
      const registry = new FinalizationRegistry(() => { finalized++; });
      for (let i = 0; i < N; i++) {
        const s = lisp.create();
        const r = s.eval('(define v (make-vector 1000000 0)) (vector-length v)');
        if (r.status !== 'ok') throw new Error(r.error);
        registry.register(s.module, i);
        if (count() !== before) throw new Error('create() added process listeners');
        if (i % 10 === 9) global.gc();
      }
      (async () => {
        for (let k = 0; k < 20 && finalized < N - 1; k++) {
          global.gc();
          await new Promise((res) => setTimeout(res, 20));
        }
        process.stdout.write(JSON.stringify({ finalized, N }));
      })();`;
    const r = require('child_process').spawnSync(process.execPath, ['--expose-gc', '-e', script],
                                                 { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    const { finalized, N } = JSON.parse(r.stdout);
    assert.ok(finalized >= N - 1, `only ${finalized} of ${N} instances were collected`);
  });
  check('handles: evalValue, call, toJS, release', () => {
    const s = lisp.create();
    const f = s.evalValue('(define (pair-up a b) (list a b (+ a 1))) pair-up');
    assert.deepStrictEqual(f.call(1, 2).toJS(), [1, 2, 2]);
    assert.deepStrictEqual(s.evalValue('(vector 1 "a\\n\\"b" #t #f 2.5 (list) (list 1 (vector)))').toJS(),
                           [1, 'a\n"b', true, false, 2.5, [], [1, []]]);
    assert.strictEqual(s.evalValue('(* 4 1000000000)').toJS(), 4e9);   // a boxed integer on wasm32
    const plus = s.evalValue('+');
    assert.strictEqual(s.evalValue('(lambda (f . xs) (apply f xs))').call(plus, 1, 2, 3).toJS(), 6);
    assert.strictEqual(s.evalValue('length').call([1, [2, 3], 'x', true]).toJS(), 4);
    assert.deepStrictEqual(s.evalValue('(lambda (l) (map (lambda (x) (* x x)) l))').call([1, 2, 3]).toJS(), [1, 4, 9]);
    assert.strictEqual(s.evalValue('string-length').call('héllo').toJS(), 6);   // UTF-8 bytes
    assert.strictEqual(s.evalValue('(lambda (s) (string-append s "!"))').call('héllo').toJS(), 'héllo!');
    assert.strictEqual(s.evalValue('exact?').call(3).toJS(), true);
    assert.strictEqual(s.evalValue('exact?').call(3.5).toJS(), false);
    // handles hold their values through collections
    const v = s.evalValue('(make-vector 3 (list "kept"))');
    s.eval('(collect-garbage) (make-vector 100000 0) (collect-garbage)');
    s.collect();
    assert.deepStrictEqual(v.toJS(), [['kept'], ['kept'], ['kept']]);
    // a handle passed back to Scheme is the same object
    const ident = s.evalValue('(lambda (a b) (eq? a b))');
    assert.strictEqual(ident.call(v, v).toJS(), true);
    assert.strictEqual(s.value(5).toJS(), 5);
    assert.deepStrictEqual(s.value(['a', [1, false]]).toJS(), ['a', [1, false]]);
  });
  check('handles: errors are clear JS Errors', () => {
    const s = lisp.create();
    const f = s.evalValue('car');
    assert.throws(() => f.toJS(), /^Error: wgc-lisp: toJS: a primitive has no JS value/);
    assert.throws(() => s.evalValue("'sym").toJS(), /toJS: a symbol has no JS value/);
    assert.throws(() => s.evalValue("(cons 1 2)").toJS(), /toJS: not a proper list/);
    assert.throws(() => s.evalValue('(/ 0. 0.)').toJS(), /NaN/);
    assert.throws(() => f.call(1), /^Error: wgc-lisp: car: expected pair, got 1$/);
    assert.throws(() => s.evalValue('(car 1)'), /^Error: wgc-lisp: car: expected pair, got 1$/);
    assert.throws(() => s.evalValue('5').call(1), /call: expected procedure, got 5/);
    assert.throws(() => s.evalValue('(exit 3)'), /exit called \(status 3\)/);
    assert.throws(() => f.call({}), /^TypeError: wgc-lisp: cannot pass object to Scheme/);
    assert.throws(() => f.call(null), /cannot pass null/);
    assert.throws(() => f.call(lisp.create().evalValue('1')), /a handle of another interpreter/);
    f.release();
    assert.strictEqual(f.released, true);
    assert.throws(() => f.call([1]), /^Error: wgc-lisp: this handle was released$/);
    assert.throws(() => f.toJS(), /this handle was released/);
    f.release();   // twice: nothing
    // the interpreter goes on after all that
    assert.strictEqual(s.eval('(display (+ 1 2))').output, '3');
    assert.strictEqual(s.evalValue('(+ 1 2)').toJS(), 3);
  });
  check('handles: released explicitly, their values are collected', () => {
    const s = lisp.create();
    const mk = s.evalValue('(lambda (i) (make-vector 100 i))');
    const base = s.handleCount();
    const hs = [];
    for (let i = 0; i < 2000; i++) hs.push(mk.call(i));
    assert.strictEqual(s.handleCount(), base + 2000);
    s.collect();
    const held = s.stats().live_bytes;
    for (const h of hs) h.release();
    s.collect();
    assert.strictEqual(s.handleCount(), base);
    assert.strictEqual(s.stats().handles, base);
    assert.ok(s.stats().live_bytes < held - 2000 * 400, `${s.stats().live_bytes} vs ${held}`);
  });
  check('handles: 100 000 dropped handles are released by FinalizationRegistry (node --expose-gc)', () => {
    const script = `
      const lisp = require(${JSON.stringify(path.resolve(apiPath, 'index.js'))});
      const s = lisp.create();
      const mk = s.evalValue('(lambda (i) (make-vector 20 i))');
      const base = s.handleCount();
      (function () { for (let i = 0; i < 100000; i++) mk.call(i); })();
      const made = s.handleCount() - base;
      s.collect();
      const held = s.stats().live_bytes;
      (async () => {
        for (let k = 0; k < 100 && s.handleCount() > base; k++) {
          global.gc();
          await new Promise((res) => setTimeout(res, 10));
        }
        s.collect();
        process.stdout.write(JSON.stringify({ made, left: s.handleCount() - base, held,
                                              after: s.stats().live_bytes,
                                              works: mk.call(7).toJS().length }));
      })();`;
    const r = require('child_process').spawnSync(process.execPath, ['--expose-gc', '-e', script],
                                                 { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.strictEqual(o.made, 100000);
    assert.strictEqual(o.left, 0, `${o.left} handles were not released`);
    // 100 000 vectors of 22 words: some 8.8 MB on wasm32, all reclaimed
    assert.ok(o.held > 8e6 && o.after < o.held - 8e6, JSON.stringify(o));
    assert.strictEqual(o.works, 20);
  });
  check('finalizers run between forms; guardians and weak tables through the API', () => {
    const s = lisp.create();
    s.eval('(define g (make-guardian)) (define p (open-output-file "/dev/null")) (g (list 1 2))');
    s.eval('(set! p #f)');
    s.collect();   // from JS: the finalizers are queued, and run at the next safe point
    assert.ok(s.stats().finalizers_pending >= 2, JSON.stringify(s.stats()));
    assert.strictEqual(s.eval('(display (g))').output, '(1 2)');
    assert.strictEqual(s.stats().finalizers_pending, 0);
    const r = s.eval('(define t (make-hash-table eq? \'weak-keys)) (hash-table-set! t (list 1) 2) ' +
                     '(collect-garbage) (display (hash-table-count t))');
    assert.strictEqual(r.output, '0');
  });
  check('out of file descriptors, an open collects and runs the finalizers (ulimit -n 64)', () => {
    const file = path.join(os.tmpdir(), `wgc-lisp-emfile-${process.pid}.scm`);
    const data = path.join(os.tmpdir(), `wgc-lisp-emfile-${process.pid}.txt`);
    fs.writeFileSync(file, `(define (drop i) (let ((p (open-output-file ${JSON.stringify(data)}))) (write i p) i))
(define (loop i) (if (< i 2000) (begin (drop i) (loop (+ i 1)))))
(loop 0)
(display "2000 opens")`);
    const cli = path.resolve(apiPath, 'lisp.js');
    const r = require('child_process').spawnSync('sh', ['-c', 'ulimit -n 64 && exec "$0" "$1" "$2"',
                                                        process.execPath, cli, file],
                                                 { encoding: 'utf8' });
    fs.unlinkSync(file);
    if (fs.existsSync(data)) fs.unlinkSync(data);
    assert.strictEqual(r.stderr, '');
    assert.strictEqual(r.stdout, '2000 opens');
    assert.strictEqual(r.status, 0);
  });
  const results = [];
  for (const c of checks) {
    const start = Date.now();
    try {
      c.fn();
      results.push({ ok: true, line: `  ok    ${'api'.padEnd(20)} ${c.name} ${((Date.now() - start) / 1000).toFixed(2)}s` });
    } catch (e) {
      results.push({ ok: false, line: `  FAIL  ${'api'.padEnd(20)} ${c.name}\n    ${String(e && e.message || e).replace(/\n/g, '\n    ')}` });
    }
  }
  return results;
}

async function main() {
  const names = fs.readdirSync(dir).filter((f) => f.endsWith('.scm')).map((f) => f.slice(0, -4))
    .filter((n) => !only || n === only).sort();
  const tests = names.map(loadTest);
  const work = [];
  for (const mode of modes) for (const t of tests) work.push({ t, mode });
  let passed = 0, failed = 0, next = 0;
  const lines = new Array(work.length);
  let printed = 0;
  const flush = () => { while (printed < work.length && lines[printed]) console.log(lines[printed++]); };
  async function worker() {
    while (next < work.length) {
      const i = next++;
      const { t, mode } = work[i];
      const r = await runOne(t, mode);
      const problems = check(t, r);
      const label = `${mode}${mode === 'stress' ? ` (every ${t.stressEvery})` : ''}`;
      if (problems.length === 0) {
        passed++;
        lines[i] = `  ok    ${label.padEnd(20)} ${t.name.padEnd(14)} ${(r.ms / 1000).toFixed(2)}s`;
      } else {
        failed++;
        lines[i] = `  FAIL  ${label.padEnd(20)} ${t.name}\n    ` + problems.join('\n    ');
      }
      flush();
    }
  }
  console.log(`lisp tests: ${tests.length} programs x ${modes.length} modes (${modes.join(', ')}), ` +
              `runner: ${runner}`);
  await Promise.all(Array.from({ length: jobs }, worker));
  flush();
  if (apiDir && !only) {
    for (const r of apiChecks(apiDir)) {
      console.log(r.line);
      if (r.ok) passed++; else failed++;
    }
  }
  console.log(`lisp: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); console.log('lisp: 0 passed, 1 failed'); process.exit(1); });
