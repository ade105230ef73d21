// The connection with several control-plane URLs: a refused dial or a lost session moves on to
// the next URL; a control plane going away on purpose (1001, draining) is left at once, not
// after a backoff. Real WebSocket servers on port 0.
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import t, { type Test } from 'tap';
import { WebSocketServer, type WebSocket } from 'ws';
import { loadDaemonConfig, loadEnv } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { Connection } from '../../src/session/connection.ts';
import { tempDir } from '../helpers/processes.ts';

async function wsServer(t: Test, onConnection: (ws: WebSocket) => void = () => {}) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const sockets: WebSocket[] = [];
  server.on('connection', (ws) => {
    sockets.push(ws);
    onConnection(ws);
  });
  t.teardown(() => new Promise<void>((r) => {
    for (const s of sockets) s.terminate();
    server.close(() => r());
  }));
  return { url: `ws://127.0.0.1:${(server.address() as { port: number }).port}`, sockets };
}

/** A port nothing listens on (bound, then released). */
async function deadUrl() {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return `ws://127.0.0.1:${port}`;
}

function connect(t: Test, urls: string[], baseMs = 2000) {
  const opened: string[] = [];
  const closes: number[] = [];
  let onOpen: () => void = () => {};
  const conn = new Connection({
    url: urls, token: 'suw_test', log: createLogger('silent'), backoff: { baseMs, maxMs: baseMs },
    onOpen: () => {
      opened.push(conn.url);
      onOpen();
    },
    onMessage: () => {},
    onClose: ({ code }) => closes.push(code),
    onFatal: () => {},
    // Jitter near its top: the quick path waits < 250 ms, a backoff ~baseMs (deterministic).
    random: () => 0.99,
  });
  t.teardown(() => conn.stop());
  const nextOpen = () => new Promise<string>((resolve) => (onOpen = () => resolve(conn.url)));
  return { conn, opened, closes, nextOpen };
}

t.test('a refused dial moves on to the next URL', async (t) => {
  const live = await wsServer(t);
  const c = connect(t, [await deadUrl(), live.url], 50);
  const opened = c.nextOpen();
  c.conn.start();
  t.equal(await opened, live.url, 'connected to the second URL after the first refused');
});

t.test('a session closed with 1001 (draining) reconnects to the next URL at once, not after the backoff', async (t) => {
  const a = await wsServer(t);
  const b = await wsServer(t);
  // Backoff of 10 s (~9.9 s with this jitter): a reconnect within 5 s proves the quick path, with
  // room for a loaded machine.
  const c = connect(t, [a.url, b.url], 10_000);
  let opened = c.nextOpen();
  c.conn.start();
  t.equal(await opened, a.url);
  c.conn.markHealthy(1000);
  opened = c.nextOpen();
  const closedAt = Date.now();
  a.sockets[0]!.close(1001, 'control plane shutting down');
  t.equal(await opened, b.url, 'then on the second instance');
  const took = Date.now() - closedAt;
  t.ok(took < 5000, `within ${took} ms`);
  t.same(c.closes, [1001]);
});

t.test('a lost session rotates back round to the first URL', async (t) => {
  const a = await wsServer(t);
  const b = await wsServer(t);
  const c = connect(t, [a.url, b.url], 20);
  let opened = c.nextOpen();
  c.conn.start();
  await opened;
  opened = c.nextOpen();
  a.sockets[0]!.terminate();
  t.equal(await opened, b.url);
  opened = c.nextOpen();
  b.sockets[0]!.terminate();
  t.equal(await opened, a.url, 'round robin');
});

t.test('SU_SERVER_URL and the config file take a comma-separated list of URLs', async (t) => {
  const home = tempDir('su-home-');
  writeFileSync(join(home, 'config.json'), JSON.stringify({ serverUrl: 'http://a.example:7878/, http://b.example:7878', workstationId: '01J0000000000000000000000A', token: 'suw_x' }));
  const fromFile = loadDaemonConfig(loadEnv({ SU_HOME: home }));
  t.same([fromFile.serverUrl, fromFile.serverUrls], ['http://a.example:7878', ['http://a.example:7878', 'http://b.example:7878']]);
  const env = loadEnv({ SU_HOME: home, SU_SERVER_URL: 'https://one.example,https://two.example/' });
  t.same([env.serverUrl, env.serverUrls], ['https://one.example', ['https://one.example', 'https://two.example']], 'env: the first is what API commands call');
  t.same(loadDaemonConfig(env).serverUrls, ['https://one.example', 'https://two.example'], 'env overrides the file');
  t.throws(() => loadEnv({ SU_HOME: home, SU_SERVER_URL: 'https://one.example,not a url' }), /SU_SERVER_URL: must be an http\(s\) URL, or a comma-separated list/);
});
