import { connect } from 'node:net';
import t from 'tap';
import { vendorFiles } from '../../src/plugins/web-vendor.ts';
import { startTestApp } from '../helpers/app.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

// Adversarial review of the board's /vendor/* routes: fixed paths only (no traversal, no other
// file of node_modules), JavaScript content type, HEAD, and hostile paths answered 4xx, never 5xx.

runOnceAcrossEngines(t, 'the /vendor routes serve files from node_modules');
const app = await startTestApp(t);

/** A request exactly as written (fetch would normalize dots and encodings away). */
function rawRequest(method: string, path: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(app.baseUrl);
    const socket = connect(Number(port), '127.0.0.1');
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (data += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), head, body });
    });
    socket.write(`${method} ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
  });
}

t.test('each vendored module: JavaScript, nosniff-safe type, HEAD without a body', async (t) => {
  for (const path of Object.keys(vendorFiles)) {
    const get = await fetch(`${app.baseUrl}${path}`);
    t.equal(get.status, 200, path);
    t.match(get.headers.get('content-type'), /^text\/javascript; charset=utf-8$/, `${path}: a JavaScript type (module scripts refuse others)`);
    t.ok((await get.text()).length > 1000, `${path}: the module's text`);
    const head = await fetch(`${app.baseUrl}${path}`, { method: 'HEAD' });
    t.equal(head.status, 200, `HEAD ${path}`);
    t.equal(await head.text(), '', 'HEAD has no body');
    t.equal(head.headers.get('content-type'), get.headers.get('content-type'), 'HEAD has the same type');
  }
});

t.test('hostile paths under /vendor: 4xx, never a file outside the list, never 5xx', async (t) => {
  const paths = [
    '/vendor/../package.json', '/vendor/%2e%2e/package.json', '/vendor/%2E%2E%2Fpackage.json', '/vendor/..%2f..%2fpackage.json',
    '/vendor/marked.js/../../package.json', '/vendor/marked.js%00', '/vendor/marked.js%2500', '/vendor/marked', '/vendor/', '/vendor',
    '/vendor/MARKED.JS', '/vendor/marked.js.map', '/vendor//marked.js', '/vendor/%c0%ae%c0%ae/package.json', '/vendor/%ff', '/vendor/%',
    '/vendor/marked/package.json', '/vendor/node_modules/marked/package.json', '/vendor/..\\..\\package.json',
    `/vendor/${'a'.repeat(60_000)}.js`, `/vendor/${'../'.repeat(5000)}etc/passwd`,
  ];
  for (const path of paths) {
    for (const method of ['GET', 'HEAD']) {
      const res = await rawRequest(method, path);
      t.ok(res.status >= 400 && res.status < 500, `${method} ${path.slice(0, 60)} → ${res.status}`);
      t.notMatch(res.body, /"name":\s*"@solo-unicorn|"dependencies"|root:x:0/, 'no file content leaks');
    }
  }
  t.equal((await fetch(`${app.baseUrl}/healthz`)).status, 200, 'still serving');
});

t.test('revalidation: an ETag, and 304 for a module the browser already holds (max-age=0 without a validator re-downloads it on every page load)', async (t) => {
  for (const path of Object.keys(vendorFiles)) {
    const first = await fetch(`${app.baseUrl}${path}`);
    const etag = first.headers.get('etag');
    t.match(etag, /^"[^"]+"$/, `${path}: a strong ETag`);
    t.match(first.headers.get('cache-control'), /max-age=0/, 'revalidated on each use (the file changes with a release)');
    const again = await fetch(`${app.baseUrl}${path}`, { headers: { 'if-none-match': etag ?? '' } });
    t.equal(again.status, 304, `${path}: not modified`);
    t.equal(await again.text(), '', 'no body');
    t.equal((await fetch(`${app.baseUrl}${path}`, { headers: { 'if-none-match': '"stale"' } })).status, 200, 'another tag gets the file');
  }
});
