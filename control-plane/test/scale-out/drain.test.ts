// Live vs ready, and draining on SIGTERM, on the real entry point (a child process): /readyz
// turns 503 at once while /healthz stays 200; after SU_DRAIN_DELAY_MS the server stops
// accepting, a request already in flight still gets its answer, and the daemon's session is
// closed with 1001 (reconnect at once, elsewhere). Runs on either engine.
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { sessionCloseCodes } from '@solo-unicorn/shared';
import { startControlPlane } from '../helpers/control-plane-process.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { createHttpClient } from '../helpers/http.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';

const KEY = 'su_test_drain_admin_key_0123456789abcdef';
// Long enough for the checks made during the drain (readyz, healthz, a late connect) on a loaded machine.
const DRAIN_MS = 5000;

/**
 * A POST whose headers are sent now and whose body is finished later: a request in flight. Its own
 * connection, closed after the answer (no keep-alive agent): a kept-alive idle socket holds the
 * server's close until the agent drops it (5 s), which ate most of the shutdown grace the clean
 * exit below is held to.
 */
function slowPost(baseUrl: string, path: string, body: string) {
  const req = request(`${baseUrl}${path}`, { agent: false, method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.slice(0, half));
  req.flushHeaders();
  return { answer, finish: () => req.end(body.slice(half)) };
}

t.test('SIGTERM: not ready at once, live until closed; in-flight requests finish; daemons told to reconnect', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'su-drain-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const testDb = process.env.TEST_DATABASE_URL ? await createTestDatabase() : undefined;
  if (testDb) t.teardown(() => testDb.close());
  const cp = await startControlPlane({ SU_DATA_DIR: dataDir, SU_BOOTSTRAP_API_KEY: KEY, SU_DRAIN_DELAY_MS: String(DRAIN_MS), ...(testDb?.url ? { DATABASE_URL: testDb.url } : {}) });
  t.teardown(() => void cp.child.kill('SIGKILL'));
  const api = createHttpClient(cp.baseUrl, KEY);
  t.same((await api.get('/readyz')).body, { status: 'ready', db: testDb ? 'postgres' : 'pglite' }, 'ready once listening');
  t.ok((await api.get('/docs/json')).body.paths['/readyz']?.get, 'readyz is in the OpenAPI document');

  const org = (await api.post('/api/v1/organizations', { name: 'Drain' })).body;
  const reg = (await api.post('/api/v1/workstations', { organizationId: org.id, name: 'drained' })).body;
  const daemon = await connectRaw(cp.baseUrl, reg.token);
  daemon.send(hello(reg.workstation.id));
  await daemon.waitFor((f) => f.type === 'session.welcome');
  const inFlight = slowPost(cp.baseUrl, '/api/v1/organizations', JSON.stringify({ name: 'Sent before SIGTERM' }));
  await new Promise((r) => setTimeout(r, 100)); // the headers reach the server

  const termAt = Date.now();
  const exited = cp.stop();
  // The signal is handled at once: poll until /readyz says so (a few ms).
  let ready = await api.get('/readyz');
  while (ready.status === 200 && Date.now() - termAt < DRAIN_MS) ready = await api.get('/readyz');
  t.same([ready.status, ready.body], [503, { status: 'draining', db: testDb ? 'postgres' : 'pglite' }], 'readyz: 503 draining');
  t.equal((await api.get('/healthz')).status, 200, 'healthz: still live while draining');
  const late = await connectRaw(cp.baseUrl, reg.token);
  t.equal((await late.closed).code, sessionCloseCodes.serverShutdown, 'a daemon connecting while draining is sent elsewhere at once (1001)');
  t.equal(daemon.socket.readyState, daemon.socket.OPEN, 'the open session is kept during the drain delay');

  const closed = await daemon.closed;
  t.equal(closed.code, sessionCloseCodes.serverShutdown, 'then closed with 1001: reconnect at once');
  t.ok(Date.now() - termAt >= DRAIN_MS - 50, `not before the drain delay (${Date.now() - termAt} ms)`);
  // The sessions' bookkeeping is written before the listener closes: poll (bounded) until it has.
  let refused: number | string = 200;
  for (const until = Date.now() + 10_000; refused === 200 && Date.now() < until;) refused = await fetch(`${cp.baseUrl}/healthz`).then((r) => r.status, () => 'refused');
  t.not(refused, 200, `then no longer accepting new requests (${refused}) while the request in flight is still open`);

  inFlight.finish();
  const answer = await inFlight.answer;
  t.equal(answer.status, 201, 'the request in flight when SIGTERM came still got its answer');
  t.match(JSON.parse(answer.body), { name: 'Sent before SIGTERM' });
  t.equal(await exited, 0, 'and the process exits cleanly');
});
