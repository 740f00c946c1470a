// env.pre.js — emscripten gives a program its own small environment, not
// node's; hand the program node's WGC_* variables (e.g. WGC_TRACE_FILE)
// so that getenv sees them.  ENV exists only when the program uses getenv.
Module['preRun'] = Module['preRun'] || [];
Module['preRun'].push(function () {
  if (typeof ENV === 'undefined') return;
  for (var key in process.env) {
    if (key.indexOf('WGC_') === 0) ENV[key] = process.env[key];
  }
});
