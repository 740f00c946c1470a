// app.js — the page: the editor, the worker that runs the Scheme
// (worker.js), and the three views of the heap (heapmap.js, timeline.js,
// the numbers).  Everything it knows is in window.wgcPlayground, which the
// browser test (examples/web/test/browser.js) reads.
'use strict';

(function main() {
  const $ = (id) => document.getElementById(id);
  const fatal = (msg) => {
    $('fatal').textContent = msg;
    $('fatal').hidden = false;
    $('main').hidden = true;
  };
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
    fatal('This browser has no WebAssembly, which the wgc playground needs: ' +
          'the Scheme and its garbage collector are a WebAssembly module. ' +
          'Try a current Chrome, Firefox or Safari (or enable WebAssembly).');
    return;
  }
  if (typeof Worker !== 'function') {
    fatal('This browser has no Web Workers, which the playground needs to run programs without freezing the page.');
    return;
  }
  if (location.protocol === 'file:') {
    fatal('Open the playground over http (make playground serves it): a page from file:// cannot start its worker.');
    return;
  }

  const state = {
    status: 'starting', runs: 0, restarts: 0, lastResult: null,
    output: '', map: null, stats: null, snapshots: 0, dropped: 0,
  };
  window.wgcPlayground = state;

  const editor = $('editor'), out = $('output'), statusEl = $('status');
  const examples = self.WGC_EXAMPLES || [];
  examples.forEach((e, i) => {
    const o = document.createElement('option');
    o.value = i;
    o.textContent = e.name;
    $('examples').appendChild(o);
  });
  const saved = sessionStorage.getItem('wgc-source');
  editor.value = saved !== null ? saved : (examples[1] || examples[0] || { source: '(+ 1 2)' }).source;
  if (saved === null) $('examples').value = examples[1] ? 1 : 0;
  $('examples').onchange = () => {
    editor.value = examples[$('examples').value].source;
    sessionStorage.setItem('wgc-source', editor.value);
  };
  editor.addEventListener('input', () => sessionStorage.setItem('wgc-source', editor.value));
  editor.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); runProgram(); }
  });

  HeapMap.legend($('legend'));
  const timeline = Timeline.create($('timeline'));
  state.timeline = timeline.data;
  const canvas = $('heapmap');
  canvas.addEventListener('mousemove', (e) => {
    const r = HeapMap.at(canvas, e.offsetX, e.offsetY);
    $('hover').textContent = !r ? '\u00a0'
      : r.kind === 'small' ? `span of class ${r.sizeClass} (${r.slotSize} B slots): ${r.used}/${r.slots} used, ` +
          `${r.old} old${r.noscan ? ', no pointers' : ''}${r.unswept ? ', unswept' : ''}${r.current ? ', current' : ''}; ` +
          `${r.bytes / 1024} KiB at 0x${r.addr.toString(16)}`
      : r.kind === 'large' ? `large object, ${r.bytes / 1024} KiB at 0x${r.addr.toString(16)}${r.unswept ? ', unswept' : ''}`
      : `${r.kind}: ${r.bytes / 1024} KiB at 0x${r.addr.toString(16)}`;
  });

  // ---- output ----
  const MAX_OUTPUT = 200000;
  function append(text, cls) {
    state.output += text;
    const span = document.createElement('span');
    if (cls) span.className = cls;
    span.textContent = text;
    out.appendChild(span);
    while (out.textContent.length > MAX_OUTPUT && out.firstChild) out.removeChild(out.firstChild);
    out.scrollTop = out.scrollHeight;
  }
  function setStatus(text, isError) {
    state.status = text;
    statusEl.textContent = text;
    statusEl.className = isError ? 'error' : '';
  }

  // ---- the numbers ----
  const MiB = (b) => (b / 1048576).toFixed(2) + ' MiB';
  const ms = (ns) => (ns / 1e6).toFixed(2) + ' ms';
  const ROWS = [
    ['collections'], ['total', 'num_gc'], ['minor', 'num_minor_gc'], ['major', 'num_major_gc'],
    ['pauses'], ['total', 'pause_total_ns', ms], ['max', 'pause_max_ns', ms], ['last', 'pause_last_ns', ms],
    ['minor total', 'pause_minor_ns', ms], ['major total', 'pause_major_ns', ms],
    ['heap'], ['allocated (heap_alloc)', 'heap_alloc', MiB], ['in spans (heap_inuse)', 'heap_inuse', MiB],
    ['arenas (heap_sys)', 'heap_sys', MiB], ['released', 'heap_released', MiB],
    ['live after last GC', 'live_bytes', MiB], ['goal (next_gc)', 'next_gc', MiB], ['old generation', 'old_bytes', MiB],
    ['allocated in all', 'total_alloc', MiB], ['objects allocated', 'nmalloc'], ['objects freed', 'nfree'],
    ['large objects live', 'nlarge'], ['dirty cards, last minor', 'cards_last'],
    ['OS layer'], ['reserved', 'sys_reserved', MiB], ['mapped', 'sys_mapped', MiB], ['in use', 'sys_inuse', MiB],
    ['alignment padding', 'sys_padding', MiB], ['metadata', 'sys_metadata', MiB], ['wasm memory', 'memory_size', MiB],
  ];
  function showStats(s) {
    const t = $('stats');
    t.innerHTML = '';
    for (const [name, key, fmt] of ROWS) {
      const tr = t.insertRow();
      if (!key) {
        const th = document.createElement('th');
        th.colSpan = 2;
        th.textContent = name;
        tr.appendChild(th);
        continue;
      }
      tr.insertCell().textContent = name;
      const td = tr.insertCell();
      td.className = 'n';
      td.dataset.key = key;
      td.textContent = s[key] === undefined ? '–' : fmt ? fmt(s[key]) : String(s[key]);
    }
  }

  function onSnapshot(m) {
    state.snapshots++;
    state.dropped = m.dropped;
    state.stats = m.stats;
    timeline.add(m.events, m.t, m.stats);
    state.map = HeapMap.draw(canvas, HeapMap.parse(m.map));
    $('mapinfo').textContent = `${state.map.pages} pages in ${state.map.regions} region(s); ` +
      `${state.map.small} in ${state.map.spans} spans of ${state.map.classes} classes, ${state.map.large} large, ` +
      `${state.map.free} free, ${state.map.unswept} unswept`;
    $('tlinfo').textContent = `${m.stats.num_gc} collections (${m.stats.num_minor_gc} minor, ${m.stats.num_major_gc} major)` +
      (m.dropped ? `; ${m.dropped} not shown (more than 1024 between two snapshots)` : '');
    showStats(m.stats);
  }

  // ---- the worker ----
  let worker = null, running = null, runId = 0, startedAt = 0, ticker = 0;
  function startWorker() {
    if (worker) worker.terminate();
    timeline.reset();
    state.ready = false;
    worker = new Worker('worker.js');
    worker.onmessage = (ev) => {
      const m = ev.data;
      if (m.type === 'out') append(m.text, m.fd === 2 ? 'err' : null);
      else if (m.type === 'snapshot') onSnapshot(m);
      else if (m.type === 'ready') { state.ready = true; setStatus('ready'); }
      else if (m.type === 'fatal') { setStatus('the interpreter did not start: ' + m.message, true); }
      else if (m.type === 'done' && running && m.id === running) finish(m);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      setStatus('the worker failed: ' + (e.message || 'an error'), true);
      if (running) finish({ status: 'crashed', error: e.message || 'the worker failed' });
    };
    worker.postMessage({ type: 'init', maxHeap: parseInt($('maxheap').value, 10) * 1048576,
                         gcPercent: parseInt($('gcpercent').value, 10) || 100,
                         watch: $('watch').checked && !document.hidden });
  }

  function runProgram() {
    if (running || !worker) return;
    running = ++runId;
    state.runs++;
    startedAt = performance.now();
    append(`; run ${running}\n`, 'note');
    $('run').disabled = true;
    $('stop').disabled = false;
    setStatus('running…');
    ticker = setInterval(() => setStatus(`running… ${((performance.now() - startedAt) / 1000).toFixed(1)} s`), 250);
    worker.postMessage({ type: 'run', id: running, source: editor.value });
  }

  function finish(m) {
    clearInterval(ticker);
    running = null;
    state.lastResult = m;
    $('run').disabled = false;
    $('stop').disabled = true;
    const t = m.ms !== undefined ? ` in ${m.ms.toFixed(0)} ms` : '';
    if (m.status === 'ok') setStatus('done' + t);
    else if (m.status === 'exit') setStatus(`exited with ${m.exitCode}${t}`);
    else if (m.status === 'crashed') {
      append(`the interpreter failed: ${m.error}; a fresh one was started\n`, 'err');
      setStatus('failed: ' + m.error, true);
      state.restarts++;
      startWorker();
    } else setStatus('error: ' + m.error, true);
  }

  function stopProgram() {
    if (!running) return;
    clearInterval(ticker);
    const secs = ((performance.now() - startedAt) / 1000).toFixed(1);
    running = null;
    state.restarts++;
    state.lastResult = { status: 'stopped' };
    append(`; stopped after ${secs} s: the worker was terminated and a fresh interpreter started ` +
           '(definitions are gone)\n', 'note');
    $('run').disabled = false;
    $('stop').disabled = true;
    startWorker();
    setStatus('stopped; starting a fresh interpreter…');
  }

  $('run').onclick = runProgram;
  $('stop').onclick = stopProgram;
  $('collect').onclick = () => { if (!running && worker) worker.postMessage({ type: 'collect' }); };
  $('reset').onclick = () => {
    if (running) { stopProgram(); return; }
    state.restarts++;
    append('; reset: a fresh interpreter and heap\n', 'note');
    startWorker();
  };
  $('maxheap').onchange = $('reset').onclick;
  $('gcpercent').onchange = $('reset').onclick;
  const watch = () => worker && worker.postMessage({ type: 'watch', on: $('watch').checked && !document.hidden });
  $('watch').onchange = watch;
  document.addEventListener('visibilitychange', watch);
  window.addEventListener('pagehide', () => worker && worker.terminate());

  state.run = runProgram;        // for the test and the console
  state.stop = stopProgram;
  startWorker();
})();
