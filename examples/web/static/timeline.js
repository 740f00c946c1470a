// timeline.js — heap size and heap goal over time, and each collection as
// a bar of its pause (minor and major apart), drawn by uPlot.
//   const tl = Timeline.create(element)
//   tl.add(events, snapshotTime, stats)   events: web_api.c's doubles, 8 per collection
//   tl.reset()                            a new interpreter: a new timeline
//   tl.data                               { x, heap, goal, minor, major } (the test reads it)
'use strict';

const Timeline = (() => {
  const MiB = 1048576;

  function create(el) {
    const data = { x: [], heap: [], goal: [], minor: [], major: [], collections: 0 };
    const bars = uPlot.paths.bars({ size: [0.8, 10, 2] });
    const opts = {
      width: Math.max(320, el.clientWidth || 600), height: 220,
      scales: { x: { time: false }, mib: { auto: true, range: (u, lo, hi) => [0, Math.max(1, hi * 1.1)] },
                ms: { auto: true, range: (u, lo, hi) => [0, Math.max(0.5, hi * 1.2)] } },
      axes: [{ label: 'seconds since the interpreter started' },
             { scale: 'mib', label: 'MiB', size: 50 },
             { scale: 'ms', side: 1, label: 'pause (ms)', grid: { show: false }, size: 50 }],
      series: [
        { label: 's', value: (u, v) => v == null ? '–' : v.toFixed(3) },
        { label: 'heap', scale: 'mib', stroke: '#2a8f4a', width: 2, value: (u, v) => v == null ? '–' : v.toFixed(2) + ' MiB' },
        { label: 'goal', scale: 'mib', stroke: '#e08a00', dash: [6, 4], width: 1.5, value: (u, v) => v == null ? '–' : v.toFixed(2) + ' MiB' },
        { label: 'minor pause', scale: 'ms', stroke: '#3a78c8', fill: 'rgba(58,120,200,0.55)', paths: bars, points: { show: false },
          value: (u, v) => v == null ? '–' : v.toFixed(2) + ' ms' },
        { label: 'major pause', scale: 'ms', stroke: '#c83a3a', fill: 'rgba(200,58,58,0.6)', paths: bars, points: { show: false },
          value: (u, v) => v == null ? '–' : v.toFixed(2) + ' ms' },
      ],
    };
    const plot = new uPlot(opts, [[], [], [], [], []], el);
    let lastX = -Infinity;

    function push(x, heap, goal, minor, major) {
      if (x <= lastX) x = lastX + 1e-6;   // uPlot wants x ascending
      lastX = x;
      data.x.push(x); data.heap.push(heap); data.goal.push(goal);
      data.minor.push(minor); data.major.push(major);
    }

    function add(events, t, stats) {
      for (let i = 0; i + 8 <= events.length; i += 8) {
        const major = events[i + 2] === 1, pause = events[i + 1];
        push(events[i] / 1000, events[i + 3] / MiB, events[i + 4] / MiB,
             major ? null : pause, major ? pause : null);
        data.collections++;
      }
      if (stats) push(t / 1000, stats.heap_alloc / MiB, stats.next_gc / MiB, null, null);
      plot.setData([data.x, data.heap, data.goal, data.minor, data.major]);
    }

    function reset() {
      for (const k of ['x', 'heap', 'goal', 'minor', 'major']) data[k].length = 0;
      data.collections = 0;
      lastX = -Infinity;
      plot.setData([[], [], [], [], []]);
    }

    window.addEventListener('resize', () => plot.setSize({ width: Math.max(320, el.clientWidth), height: 220 }));
    return { add, reset, data, plot };
  }

  return { create };
})();
