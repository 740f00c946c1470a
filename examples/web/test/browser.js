#!/usr/bin/env node
// browser.js — the playground in a real browser: Debian's chromium, driven
// by puppeteer-core, against the page served from build/web by serve.js.
//   node examples/web/test/browser.js [build/web]      (make web-check)
// It runs a program that collects several times and checks, from the
// page's own state (window.wgcPlayground, not pixels), that the heap map
// and the timeline show those collections; stops an endless loop (the
// worker is replaced); checks that an error, malformed source and running
// out of memory show as errors; reloads in the middle of a run; and opens
// the page without WebAssembly.  Saves build/web-test.png.  Ends with
// "web: N passed, M failed".
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');
const { start } = require('../serve.js');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const top = path.join(__dirname, '..', '..', '..');
const dir = path.resolve(process.argv[2] || path.join(top, 'build', 'web'));
const shot = path.join(top, 'build', 'web-test.png');

let pass = 0, fail = 0;
function check(ok, what, detail) {
  if (ok) { pass++; console.log(`ok: ${what}`); } else { fail++; console.log(`FAILED: ${what}${detail ? ': ' + detail : ''}`); }
}

async function main() {
  const { server, url } = await start(dir, 0);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wgc-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM, headless: true, userDataDir: profile,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run',
           '--disable-dev-shm-usage', '--window-size=1400,1000'],
  });
  const guard = setTimeout(() => { console.log('FAILED: the test took more than 90 s'); process.exit(1); }, 90000);
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url);
    const ready = () => page.waitForFunction(() => window.wgcPlayground && window.wgcPlayground.ready,
                                             { timeout: 15000 });
    await ready();
    check(true, 'the page loads and the interpreter starts');

    // Run an example (by its file in examples/web/programs) or some source;
    // wait until it has finished; return the result and the output of this run.
    async function run(which, timeout = 30000) {
      return page.evaluate(async (which, timeout) => {
        const st = window.wgcPlayground;
        const ex = (self.WGC_EXAMPLES || []).find((e) => e.file === which);
        document.getElementById('editor').value = ex ? ex.source : which;
        const before = st.output.length, runs = st.runs;
        st.lastResult = null;
        st.run();
        if (st.runs !== runs + 1) return { result: { status: 'did not start' }, output: '' };
        const t0 = performance.now();
        while (!st.lastResult && performance.now() - t0 < timeout) await new Promise((r) => setTimeout(r, 50));
        await new Promise((r) => setTimeout(r, 100));   // the last snapshot
        return { result: st.lastResult || { status: 'timeout' }, output: st.output.slice(before) };
      }, which, timeout);
    }

    // 1. Collections, seen by the map, the timeline and the numbers.
    const r1 = await run('1-collections.scm');
    check(r1.result.status === 'ok', 'the collections program runs', JSON.stringify(r1.result));
    check(/nodes in 200 short-lived trees/.test(r1.output), 'its output arrives', r1.output.slice(0, 200));
    const s = await page.evaluate(() => {
      const st = window.wgcPlayground, tl = st.timeline;
      return { gc: st.stats && st.stats.num_gc, minor: st.stats && st.stats.num_minor_gc,
               major: st.stats && st.stats.num_major_gc, tlCollections: tl.collections,
               bars: tl.minor.filter((v) => v != null).length + tl.major.filter((v) => v != null).length,
               points: tl.x.length, heapMax: Math.max(...tl.heap), goalMax: Math.max(...tl.goal),
               map: st.map, dropped: st.dropped, snapshots: st.snapshots,
               table: document.querySelector('#stats td[data-key="num_gc"]').textContent,
               canvasH: document.getElementById('heapmap').clientHeight,
               plotted: document.querySelectorAll('#timeline canvas').length };
    });
    check(s.gc >= 3, `several collections happened (${s.gc}: ${s.minor} minor, ${s.major} major)`);
    check(s.tlCollections === s.gc - 0 && s.bars === s.gc, `the timeline shows each as a pause bar (${s.bars} bars)`,
          JSON.stringify(s));
    check(s.minor + s.major === s.gc, 'minor + major = all collections');
    check(s.points > s.bars && s.heapMax > 0 && s.goalMax >= s.heapMax * 0.5, 'the timeline has heap size and goal',
          JSON.stringify({ points: s.points, heap: s.heapMax, goal: s.goalMax }));
    check(s.plotted >= 1, 'uPlot drew the timeline');
    check(s.map && s.map.regions >= 1 && s.map.pages >= 8 && s.map.small > 0 && s.map.spans > 0 && s.map.classes >= 1,
          `the heap map shows the heap (${s.map && s.map.pages} pages, ${s.map && s.map.spans} spans, ` +
          `${s.map && s.map.classes} classes, ${s.map && s.map.free} free)`, JSON.stringify(s.map));
    check(s.canvasH > 40, 'the heap map is drawn');
    check(s.table === String(s.gc), 'the numbers table shows num_gc', s.table);
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    check(fs.statSync(shot).size > 10000, `screenshot saved: ${path.relative(top, shot)}`);

    // 2. An error, and malformed source.
    const r2 = await run('5-error.scm');
    const errShown = await page.evaluate(() => document.getElementById('status').className === 'error' &&
                                         /error/.test(document.getElementById('status').textContent));
    check(r2.result.status === 'error' && /error:/.test(r2.output) && /about to fail/.test(r2.output) && errShown,
          'a program error shows as an error', JSON.stringify(r2));
    const r3 = await run('6-malformed.scm');
    check(r3.result.status === 'error' && /this line is fine/.test(r3.output), 'malformed source shows as an error',
          JSON.stringify(r3));

    // 3. An endless loop: the page stays responsive; Stop replaces the worker.
    await page.evaluate(() => {
      const ex = self.WGC_EXAMPLES.find((e) => e.file === '3-infinite-loop.scm');
      document.getElementById('editor').value = ex.source;
      window.wgcPlayground.lastResult = null;
      window.wgcPlayground.run();
    });
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = Date.now();
    const mid = await page.evaluate(() => ({ result: window.wgcPlayground.lastResult,
                                             stop: !document.getElementById('stop').disabled,
                                             gc: window.wgcPlayground.stats.num_gc }));
    check(mid.result === null && mid.stop && Date.now() - t0 < 1000, 'an endless loop runs without freezing the page');
    const restarts = await page.evaluate(() => window.wgcPlayground.restarts);
    await page.click('#stop');
    await ready();
    const after = await page.evaluate(() => ({ restarts: window.wgcPlayground.restarts,
                                               out: window.wgcPlayground.output.slice(-300) }));
    check(after.restarts === restarts + 1 && /stopped after/.test(after.out), 'Stop terminates the worker and starts another');
    const r4 = await run('(display (+ 1 2))');
    check(r4.result.status === 'ok' && /3/.test(r4.output), 'the fresh interpreter runs programs', JSON.stringify(r4));

    // 4. Out of memory, on a 16 MiB heap.
    await page.select('#maxheap', '16');
    await ready();
    const r5 = await run('4-out-of-memory.scm');
    check(r5.result.status === 'error' && /out of memory/.test(r5.result.error) && /out of memory/.test(r5.output),
          'exhausting the heap shows "out of memory"', JSON.stringify(r5).slice(0, 300));
    const r6 = await run('(display "still alive")');
    check(r6.result.status === 'ok' && /still alive/.test(r6.output), 'the interpreter goes on after running out of memory');

    // 5. A reload in the middle of a run.
    await page.evaluate(() => { document.getElementById('editor').value = '(let loop () (loop))';
                                window.wgcPlayground.run(); });
    await new Promise((r) => setTimeout(r, 300));
    await page.reload();
    await ready();
    const r7 = await run('(display (* 6 7))');
    check(r7.result.status === 'ok' && /42/.test(r7.output), 'a reload during a run gives a working page');
    check(pageErrors.length === 0, 'no uncaught errors in the page', pageErrors.join('; '));

    // 6. A browser without WebAssembly: a message, not a blank page.
    const bare = await browser.newPage();
    await bare.evaluateOnNewDocument(() => { delete globalThis.WebAssembly; });
    await bare.goto(url);
    const msg = await bare.evaluate(() => !document.getElementById('fatal').hidden &&
                                           document.getElementById('fatal').textContent);
    check(typeof msg === 'string' && /WebAssembly/.test(msg), 'without WebAssembly the page says so', String(msg));
  } catch (e) {
    check(false, 'the test ran to the end', e && e.stack || String(e));
  } finally {
    clearTimeout(guard);
    await browser.close().catch(() => {});
    server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(`web: ${pass} passed, ${fail} failed`);
  process.exit(fail ? 1 : 0);
}

main().catch((e) => {
  console.log(`FAILED: ${e && e.stack || e}`);
  console.log(`web: ${pass} passed, ${fail + 1} failed`);
  process.exit(1);
});
