// API keys and realtime tickets must never reach the log: a trace-level log of opening realtime
// sockets (with a ticket, and with the old ?access_token=) and of failing requests carrying a key
// in the query is read back. Tickets: single use, short-lived, bound to who asked for them.
import { once } from 'node:events';
import { Writable } from 'node:stream';
import t from 'tap';
import WebSocket from 'ws';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { queryRows } from '../helpers/sql.ts';

let logged = '';
const stream = new Writable({ write(chunk, _enc, done) { logged += chunk.toString(); done(); } });
// No redact or serializer options here: the app scrubs URLs whatever logger it is given.
const app = await startTestApp(t, { logger: { level: 'trace', stream } });
const alice = await createUser(app, 'alice@logs.test');
const bob = await createUser(app, 'bob@logs.test');
const org = await createOrg(alice.client, 'Private');
const project = await createProject(alice.client, org.id);

const wsUrl = (query: string) => `${app.baseUrl.replace('http', 'ws')}/api/v1/realtime?${query}`;

/** Opens a socket; resolves 'open' or the HTTP status that refused the upgrade. */
async function open(query: string): Promise<{ ws?: WebSocket; status: number | 'open' }> {
  const ws = new WebSocket(wsUrl(query));
  return Promise.race([
    once(ws, 'open').then(() => ({ ws, status: 'open' as const })),
    once(ws, 'unexpected-response').then(([req, res]) => {
      req.destroy();
      return { status: res.statusCode as number };
    }),
  ]);
}

async function ticketFor(client: typeof alice.client) {
  const res = await client.post('/api/v1/realtime/tickets');
  t.equal(res.status, 201);
  return res.body.ticket as string;
}

t.test('a ticket opens one socket, as the user who asked for it, once', async (t) => {
  const ticket = await ticketFor(bob.client);
  t.match(ticket, /^sut_/);
  const first = await open(`ticket=${encodeURIComponent(ticket)}`);
  t.equal(first.status, 'open');
  // The socket is Bob's: Alice's private project is invisible to it.
  first.ws!.send(JSON.stringify({ type: 'subscribe', channel: `project:${project.id}:missions` }));
  const [raw] = await once(first.ws!, 'message');
  t.match(JSON.parse(String(raw)), { type: 'error', code: 'SU_ERR_NOT_FOUND' });
  first.ws!.close();
  t.equal((await open(`ticket=${encodeURIComponent(ticket)}`)).status, 401, 'a used ticket is refused, whoever brings it');
  t.equal((await open('ticket=sut_made_up_0123456789')).status, 401);
});

t.test('a ticket expires after 30 s, and one whose key was revoked is refused', async (t) => {
  const issued = await alice.client.post('/api/v1/realtime/tickets');
  const stale = issued.body.ticket as string;
  const ttl = new Date(issued.body.expiresAt).getTime() - Date.now();
  t.ok(ttl > 25_000 && ttl <= 30_000, `valid for 30 s (${ttl} ms left)`);
  // 30 s pass on the database's clock (the one expiry is judged by, in every instance).
  await queryRows(app.db, `UPDATE realtime_tickets SET expires_at = expires_at - interval '30001 milliseconds'`);
  t.equal((await open(`ticket=${encodeURIComponent(stale)}`)).status, 401, 'expired');
  const fresh = await ticketFor(alice.client);
  t.equal((await open(`ticket=${encodeURIComponent(fresh)}`)).status, 'open' as const, 'a fresh one works');

  const carol = await createUser(app, 'carol@logs.test');
  const orphan = await ticketFor(carol.client);
  const keyId = (await carol.client.get('/api/v1/api-keys')).body.items[0].id;
  await carol.client.delete(`/api/v1/api-keys/${keyId}`);
  t.equal((await open(`ticket=${encodeURIComponent(orphan)}`)).status, 401, "the revoked key's ticket");
});

t.test('a ticket is only for the realtime socket, and keys are never taken from a URL', async (t) => {
  const ticket = await ticketFor(alice.client);
  t.equal((await app.as().get(`/api/v1/users/me?ticket=${ticket}`)).status, 401, 'not a credential for plain requests');
  t.equal((await open(`access_token=${alice.key}`)).status, 401, 'the key in the URL is refused');
});

t.test('the log holds neither a key nor a ticket, though the requests carrying them are logged', async (t) => {
  const ticket = await ticketFor(alice.client);
  const opened = await open(`ticket=${encodeURIComponent(ticket)}`);
  opened.ws!.close();
  await open(`access_token=${alice.key}`);
  await app.as().get(`/api/v1/users/me?access_token=${alice.key}`);
  await app.as().get(`/api/v1/no-such-route?token=${alice.key}&api_key=${bob.key}`);
  await alice.client.get(`/api/v1/projects?cursor=${encodeURIComponent(bob.key)}&key=${bob.key}`);
  t.ok(logged.includes('/api/v1/realtime?ticket=[redacted]'), 'the ticket request is logged, scrubbed');
  t.ok(logged.includes('/api/v1/users/me?access_token=[redacted]'), 'the failing request is logged, scrubbed');
  for (const [what, secret] of [['alice key', alice.key], ['bob key', bob.key], ['ticket', ticket], ['ticket (url-encoded)', encodeURIComponent(ticket)]] as const) {
    t.notOk(logged.includes(secret), `no ${what} in the log`);
  }
  t.notOk(/sut_[A-Za-z0-9_-]{20}/.test(logged), 'no ticket of any kind in the log');
});
