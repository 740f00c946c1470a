// node_env.pre.js — emscripten 3.1.6 gives a wasm program its own small
// environment, not Node's.  Linked into every wasm program of the build
// (emcc.mk), this copies Node's environment into emscripten's before main
// runs, so that getenv sees WGC_TRACE_FILE, WGC_SEED and the rest.
// An embedder's own program can link it the same way: --pre-js arch/node_env.pre.js
Module['preRun'] = Module['preRun'] || [];
Module['preRun'].push(function () {
  if (typeof ENV === 'undefined' || typeof process === 'undefined') return;
  for (var key in process.env) ENV[key] = process.env[key];
});
