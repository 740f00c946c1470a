#!/usr/bin/env node
// build.js — lays out build/web/ (web.mk runs it):
//   node examples/web/build.js <lisp-core.js of the web link> <out dir>
// It copies examples/web/static/*, the wasm module beside it, uPlot from
// examples/web/node_modules into vendor/, and writes examples.js: the
// programs the page offers, the sections of examples/lisp/demo.scm (each
// with the demo's helpers in front) then examples/web/programs/*.scm.
'use strict';
const fs = require('fs');
const path = require('path');

const [core, out] = process.argv.slice(2);
if (!core || !out) {
  console.error('usage: node build.js <lisp-core.js> <out dir>');
  process.exit(2);
}
const here = __dirname;
const top = path.join(here, '..', '..');

function copy(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
}

fs.mkdirSync(out, { recursive: true });
for (const f of fs.readdirSync(path.join(here, 'static')))
  copy(path.join(here, 'static', f), path.join(out, f));
copy(core, path.join(out, 'lisp-core.js'));
copy(core.replace(/\.js$/, '.wasm'), path.join(out, 'lisp-core.wasm'));

const uplot = path.join(here, 'node_modules', 'uplot', 'dist');
if (!fs.existsSync(uplot)) {
  console.error('build.js: examples/web/node_modules/uplot is missing: run `make deps`');
  process.exit(1);
}
copy(path.join(uplot, 'uPlot.iife.min.js'), path.join(out, 'vendor', 'uPlot.iife.min.js'));
copy(path.join(uplot, 'uPlot.min.css'), path.join(out, 'vendor', 'uPlot.min.css'));

// demo.scm: a header (comments and helper definitions), then sections that
// each open with a line "; ---- N. title ----".
const demo = fs.readFileSync(path.join(top, 'examples', 'lisp', 'demo.scm'), 'utf8');
const lines = demo.split('\n');
const starts = [];
lines.forEach((l, i) => { if (/^; -{4} \d+\. /.test(l)) starts.push(i); });
const helpers = lines.slice(0, starts[0]).filter((l) => !l.startsWith(';')).join('\n').trim();
const examples = [{ name: 'demo.scm: all of it', source: demo }];
starts.forEach((s, k) => {
  const body = lines.slice(s, k + 1 < starts.length ? starts[k + 1] : lines.length)
    .join('\n').replace(/\n;\s*$/, '').trim();
  const title = lines[s].replace(/^; -+ /, '').replace(/ -+\s*$/, '');
  examples.push({ name: `demo.scm ${title}`,
                  source: `; from examples/lisp/demo.scm, with its helpers\n${helpers}\n\n${body}\n` });
});
const progDir = path.join(here, 'programs');
for (const f of fs.readdirSync(progDir).filter((x) => x.endsWith('.scm')).sort()) {
  const source = fs.readFileSync(path.join(progDir, f), 'utf8');
  const first = (source.split('\n')[0] || '').replace(/^;\s*/, '');
  examples.push({ name: first.replace(/:.*$/, ''), file: f, source });
}
fs.writeFileSync(path.join(out, 'examples.js'),
  '// examples.js -- written by examples/web/build.js; the programs the page offers.\n' +
  'self.WGC_EXAMPLES = ' + JSON.stringify(examples, null, 1) + ';\n');
console.log(`  web  ${out}/ (${examples.length} examples)`);
