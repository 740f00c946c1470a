// heapmap.js — draws wgc_heap_walk's runs (web_api.c's words) on a canvas:
// each heap region a strip of its 8 KiB pages, wrapped to the canvas'
// width, each page a cell coloured by what holds it; the gap before a
// region (metadata, malloc's memory, padding) as a labelled line.
//   HeapMap.parse(words)            -> { pageSize, runs: [...] }
//   HeapMap.draw(canvas, parsed)    -> a summary (also what the test reads)
//   HeapMap.at(canvas, x, y)        -> the run under a point, or null
//   HeapMap.legend(element)
'use strict';

const HeapMap = (() => {
  const KIND = ['free', 'small', 'large', 'gap'];
  const COLOR = { free: '#e6e6e6', large: '#7b4fa8', unswept: '#f0a020', gap: '#999' };

  function parse(w) {
    const n = w[0], pageSize = w[1] || 8192, runs = [];
    for (let i = 0; i < n; i++) {
      const o = 2 + i * 7, k = w[o + 2];
      runs.push({ addr: w[o], bytes: w[o + 1], kind: KIND[k & 0xff] || 'free',
                  noscan: !!(k & 0x100), unswept: !!(k & 0x200), current: !!(k & 0x400),
                  sizeClass: k >>> 16, slotSize: w[o + 3], slots: w[o + 4], used: w[o + 5],
                  old: w[o + 6] });
    }
    return { pageSize, runs };
  }

  // A small span: its class picks the hue, how full it is the lightness.
  function color(run) {
    if (run.kind !== 'small') return COLOR[run.kind];
    const full = run.slots ? run.used / run.slots : 0;
    const hue = (run.sizeClass * 47) % 360;
    return `hsl(${hue}, ${run.noscan ? 35 : 70}%, ${Math.round(88 - 50 * full)}%)`;
  }

  function legend(el) {
    const items = [['free page', COLOR.free], ['small span (hue: size class; darker: fuller)', 'hsl(200,70%,50%)'],
                   ['large object', COLOR.large], ['unswept since the last GC (stripe)', COLOR.unswept],
                   ['gap between regions', COLOR.gap]];
    el.innerHTML = '';
    for (const [text, c] of items) {
      const s = document.createElement('span');
      s.style.setProperty('--c', c);
      s.textContent = text;
      el.appendChild(s);
    }
  }

  const layouts = new WeakMap();

  function draw(canvas, parsed) {
    const { pageSize, runs } = parsed;
    // Regions: maximal sequences of non-gap runs; a page list for each.
    const regions = [];
    let cur = null, gapBefore = 0;
    for (const r of runs) {
      if (r.kind === 'gap') { cur = null; gapBefore += r.bytes; continue; }
      if (!cur) { cur = { addr: r.addr, gapBefore, pages: [] }; regions.push(cur); gapBefore = 0; }
      const pages = Math.max(1, Math.round(r.bytes / pageSize));
      for (let p = 0; p < pages; p++) cur.pages.push(r);
    }
    const summary = { regions: regions.length, gaps: runs.filter((r) => r.kind === 'gap').length,
                      pages: 0, free: 0, small: 0, large: 0, unswept: 0, classes: 0, spans: 0 };
    const classes = new Set();
    for (const r of runs) {
      if (r.kind === 'gap') continue;
      const pages = Math.max(1, Math.round(r.bytes / pageSize));
      summary.pages += pages;
      summary[r.kind] += pages;
      if (r.unswept) summary.unswept += pages;
      if (r.kind === 'small') { classes.add(r.sizeClass); summary.spans++; }
    }
    summary.classes = classes.size;

    const width = canvas.clientWidth || 600;
    const dpr = window.devicePixelRatio || 1;
    const label = 14;
    // The cell size: as large as fits about 420 px of strips.
    let cell = 12;
    const rowsAt = (c) => regions.reduce((s, g) => s + Math.ceil(g.pages.length / Math.max(1, Math.floor(width / c))), 0);
    while (cell > 3 && rowsAt(cell) * cell + regions.length * label > 420) cell--;
    const cols = Math.max(1, Math.floor(width / cell));
    const height = Math.max(40, regions.reduce((s, g) => s + label + Math.ceil(g.pages.length / cols) * cell, 0) + 4);
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.height = height + 'px';
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    const layout = [];
    let y = 0;
    const kib = (b) => b >= 1048576 ? (b / 1048576).toFixed(1) + ' MiB' : Math.round(b / 1024) + ' KiB';
    if (!regions.length) {
      ctx.fillStyle = '#666';
      ctx.fillText('no heap yet', 4, 14);
    }
    for (const g of regions) {
      ctx.fillStyle = '#444';
      ctx.fillText(`region @0x${g.addr.toString(16)}: ${g.pages.length} pages (${kib(g.pages.length * pageSize)})` +
                   (g.gapBefore ? ` — after a gap of ${kib(g.gapBefore)} (metadata, malloc, padding)` : ''), 2, y + 11);
      y += label;
      layout.push({ y, cols, cell, region: g });
      g.pages.forEach((r, i) => {
        const x = (i % cols) * cell, yy = y + Math.floor(i / cols) * cell;
        ctx.fillStyle = color(r);
        ctx.fillRect(x, yy, cell - (cell > 4 ? 1 : 0), cell - (cell > 4 ? 1 : 0));
        if (r.unswept) {
          ctx.fillStyle = COLOR.unswept;
          ctx.fillRect(x, yy + cell * 0.65, cell - 1, Math.max(1, cell * 0.3));
        }
      });
      y += Math.ceil(g.pages.length / cols) * cell;
    }
    layouts.set(canvas, layout);
    return summary;
  }

  function at(canvas, x, y) {
    for (const l of layouts.get(canvas) || []) {
      const rows = Math.ceil(l.region.pages.length / l.cols);
      if (y < l.y || y >= l.y + rows * l.cell) continue;
      const i = Math.floor((y - l.y) / l.cell) * l.cols + Math.floor(x / l.cell);
      return l.region.pages[i] || null;
    }
    return null;
  }

  return { parse, draw, at, legend, color };
})();
