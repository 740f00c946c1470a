// example.js — the JS API in a dozen lines: load the Scheme, run code, read
// the collector's statistics.  After `make PLATFORM=wasm BUILD=release lisp`:
//     node examples/node/example.js
'use strict';
const lisp = require('./index.js');   // finds build/wasm-release/examples/lisp/lisp-core.js

const scheme = lisp.create({ gcPercent: 100, maxHeap: 64 << 20 });
scheme.eval('(define (tree d) (if (= d 0) (list) (cons (tree (- d 1)) (tree (- d 1)))))');
const r = scheme.eval('(let loop ((i 0) (n 0)) (if (= i 200) n (loop (+ i 1) (+ n (length (tree 10))))))',
                      { printResults: true });
console.log('result:', r.output.trim());                 // result: 2000
console.log('error: ', scheme.eval('(vector-ref (vector) 0)').error);
const s = scheme.stats();
console.log(`${s.num_gc} collections, ${(s.total_alloc / 1048576).toFixed(1)} MiB allocated, ` +
            `max pause ${(s.pause_max_ns / 1e6).toFixed(2)} ms`);
