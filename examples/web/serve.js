#!/usr/bin/env node
// serve.js — a static file server for the playground, on 127.0.0.1 only.
//   node examples/web/serve.js [dir]      (make playground: dir = build/web)
// The port is $PORT, else 8014; if it is taken, the next free one above.
// Prints the URL.  Also a module: start(dir, port) -> Promise<{server, url}>
// (the browser test uses port 0, any free port).
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm',
  '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml',
};

function handler(root) {
  return (req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad request\n');
      return;
    }
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(root, path.normalize(rel));
    if (!file.startsWith(root + path.sep) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(403).end('forbidden\n');
      return;
    }
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
        return;
      }
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
                           'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : data);
    });
  };
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    const onError = (e) => { server.off('listening', onListening); reject(e); };
    const onListening = () => { server.off('error', onError); resolve(); };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

async function start(dir, port = 8014, tries = 20) {
  const root = path.resolve(dir);
  if (!fs.existsSync(path.join(root, 'index.html')))
    throw new Error(`${root}/index.html is missing: build it with \`make web\``);
  const server = http.createServer(handler(root));
  for (let i = 0; ; i++) {
    try {
      await listen(server, port === 0 ? 0 : port + i);
      break;
    } catch (e) {
      if (e.code !== 'EADDRINUSE' || port === 0 || i + 1 >= tries) throw e;
    }
  }
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

module.exports = { start };

if (require.main === module) {
  const dir = process.argv[2] || path.join(__dirname, '..', '..', 'build', 'web');
  start(dir, process.env.PORT ? parseInt(process.env.PORT, 10) : 8014).then(({ url }) => {
    console.log(`wgc playground: ${url}  (serving ${path.resolve(dir)}; Ctrl-C stops)`);
  }, (e) => {
    console.error(`serve.js: ${e.message}`);
    process.exit(1);
  });
}
