import { CREDENTIALS_REVOKED_CLOSE_CODE, sessionCloseCodes } from '@solo-unicorn/shared';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import WebSocket from 'ws';
import { buildApp } from '../../src/app.ts';
import { openDatabase } from '../../src/db/client.ts';
import { startTestApp } from '../helpers/app.ts';
import { onPostgres } from '../helpers/database.ts';
import { createMission, createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { realtimeClient } from '../helpers/ws-client.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';

/**
 * Revocation is immediate: a socket subscribed before access was taken away stops receiving
 * within 1 s, and the sockets of everyone else keep receiving.
 */
const app = await startTestApp(t, {});
const owner = await createUser(app, 'owner@revoke.test');
const org = await createOrg(owner.client, 'Revokers');

async function member(email: string, role = 'member') {
  const user = await createUser(app, email);
  const res = await owner.client.post(`/api/v1/organizations/${org.id}/members`, { userId: user.id, role });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return user;
}

/** A socket subscribed to the project's board channel, and a way to prove it still receives. */
async function watcher(key: string, channel: string) {
  const client = await realtimeClient(app.baseUrl, key);
  const sub = await client.subscribe(channel);
  if (sub.type !== 'subscribed') throw new Error(JSON.stringify(sub));
  return client;
}

/**
 * Under `ms` since `since` (the time is logged). Revocation is event-driven (NOTIFY), with no
 * polling behind it: 5 s leaves a loaded machine room, and a fallback to polling would miss it.
 */
const within = (t: Test, ms: number, since: number) => {
  const took = Math.round(performance.now() - since);
  t.comment(`took ${took} ms`);
  return took < ms;
};

t.test('deleting an API key closes the sockets it opened within 1 s; another user keeps receiving', async (t) => {
  const project = await createProject(owner.client, org.id);
  const channel = `project:${project.id}:missions`;
  const bob = await member('bob-key@revoke.test');
  const carol = await member('carol-key@revoke.test');
  const bobs = await watcher(bob.key, channel);
  const carols = await watcher(carol.key, channel);
  await createMission(owner.client, project.id, { title: 'before' });
  await bobs.until(channel, 1);
  await carols.until(channel, 1);

  const keyId = (await bob.client.get('/api/v1/api-keys')).body.items[0].id;
  const start = performance.now();
  t.equal((await bob.client.delete(`/api/v1/api-keys/${keyId}`)).status, 204);
  const closed = await bobs.closed;
  t.ok(within(t, 5000, start), 'closed promptly (within 5 s)');
  t.equal(closed.code, CREDENTIALS_REVOKED_CLOSE_CODE);

  await createMission(owner.client, project.id, { title: 'after' });
  await carols.until(channel, 2);
  t.equal(bobs.messages(channel).length, 1, 'the revoked socket got nothing after the revocation');
  carols.close();
});

t.test('removing a member ends their subscriptions within 1 s, with a frame saying so; others keep receiving', async (t) => {
  const project = await createProject(owner.client, org.id);
  const channel = `project:${project.id}:missions`;
  const dan = await member('dan@revoke.test');
  const erin = await member('erin@revoke.test');
  const mission = await createMission(owner.client, project.id, { title: 'watched' });
  const events = `mission:${mission.id}:events`;
  const dans = await watcher(dan.key, channel);
  await dans.subscribe(events);
  const erins = await watcher(erin.key, channel);

  const start = performance.now();
  t.equal((await owner.client.delete(`/api/v1/organizations/${org.id}/members/${dan.id}`)).status, 204);
  const ended = await Promise.all([channel, events].map((c) => dans.next((f) => f.type === 'error' && f.channel === c)));
  t.ok(within(t, 5000, start), 'ended promptly (within 5 s)');
  t.match(ended[0], { code: 'SU_ERR_NOT_FOUND', message: /access revoked/ });

  await createMission(owner.client, project.id, { title: 'after removal' });
  await erins.until(channel, 1);
  t.equal(dans.messages(channel).length, 0, 'the removed member got nothing');
  t.equal(dans.ws.readyState, WebSocket.OPEN, 'the socket itself stays: its key is still valid');
  const seen = dans.frames.length;
  dans.send({ type: 'subscribe', channel });
  const again = await dans.next((f) => dans.frames.indexOf(f) >= seen && f.channel === channel);
  t.equal(again.type, 'error', 'and cannot subscribe again');
  dans.close();
  erins.close();
});

t.test('an outsider cannot watch a public project\'s whole board; lowering a member to viewer keeps read channels', async (t) => {
  const project = await createProject(owner.client, org.id, { visibility: 'public' });
  const channel = `project:${project.id}:missions`;
  // Outside a public project only its Done missions are readable (#18), so the live channel of
  // every list is not theirs.
  const outsider = await createUser(app, 'outsider@revoke.test');
  const client = await realtimeClient(app.baseUrl, outsider.key);
  t.match(await client.subscribe(channel), { type: 'error', code: 'SU_ERR_FORBIDDEN' });
  client.close();

  const fay = await member('fay@revoke.test');
  const fays = await watcher(fay.key, channel);
  // Fay becomes a viewer (org role) and a viewer on the project: still allowed to read.
  t.equal((await owner.client.patch(`/api/v1/organizations/${org.id}/members/${fay.id}`, { role: 'viewer' })).status, 200);
  t.equal((await owner.client.post(`/api/v1/projects/${project.id}/members`, { userId: fay.id, role: 'viewer' })).status, 201);
  await createMission(owner.client, project.id, { title: 'still seen' });
  await fays.until(channel, 1);
  t.notOk(fays.frames.some((f) => f.type === 'error'), 'the viewer was never cut off');
  fays.close();
});

t.test('a revocation made by another process (straight in the database) reaches the sockets too', async (t) => {
  const project = await createProject(owner.client, org.id);
  const channel = `project:${project.id}:missions`;
  const gus = await member('gus@revoke.test');
  const guss = await watcher(gus.key, channel);
  const start = performance.now();
  await app.db.exec(`DELETE FROM organization_memberships WHERE user_id = '${gus.id}'`);
  await guss.next((f) => f.type === 'error' && f.channel === channel);
  t.ok(within(t, 5000, start), 'ended promptly (within 5 s)');
  const keyStart = performance.now();
  await app.db.exec(`UPDATE api_keys SET revoked_at = now() WHERE user_id = '${gus.id}'`);
  t.equal((await guss.closed).code, CREDENTIALS_REVOKED_CLOSE_CODE);
  t.ok(within(t, 5000, keyStart), 'closed promptly (within 5 s)');
});

t.test("revoking a workstation, by this process or another, closes its daemon session within 1 s", async (t) => {
  for (const how of ['api', 'database'] as const) {
    const registered = await owner.client.post('/api/v1/workstations', { organizationId: org.id, name: `box ${how}` });
    const { workstation, token } = registered.body;
    const daemon = await connectRaw(app.baseUrl, token);
    daemon.send(hello(workstation.id));
    await daemon.waitFor((f) => f.type === 'session.welcome', 'welcome');
    const start = performance.now();
    if (how === 'api') await owner.client.post(`/api/v1/workstations/${workstation.id}/revoke`);
    else await app.db.exec(`UPDATE workstations SET revoked_at = now() WHERE id = '${workstation.id}'`);
    const closed = await daemon.closed;
    t.ok(within(t, 5000, start), `${how}: closed promptly (within 5 s)`);
    t.equal(closed.code, sessionCloseCodes.revoked, `${how}: closed as revoked`);
  }
});

t.test('two control planes on one PostgreSQL: a key deleted through one closes the sockets held by the other', { skip: !onPostgres && 'needs two connections to one database (PostgreSQL)' }, async (t) => {
  const database = await openDatabase({ databaseUrl: app.db.url!, poolSize: 2 });
  const docsDir = mkdtempSync(join(tmpdir(), 'su-docs-'));
  const other = await buildApp({ database, docsDir });
  await other.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(async () => {
    await other.close();
    await database.close();
    rmSync(docsDir, { recursive: true, force: true });
  });
  const address = other.server.address();
  const otherUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const project = await createProject(owner.client, org.id);
  const channel = `project:${project.id}:missions`;
  const hal = await member('hal@revoke.test');
  const ida = await member('ida@revoke.test');
  const hals = await realtimeClient(otherUrl, hal.key);
  t.equal((await hals.subscribe(channel)).type, 'subscribed');
  const idas = await realtimeClient(otherUrl, ida.key);
  t.equal((await idas.subscribe(channel)).type, 'subscribed');

  const keyId = (await hal.client.get('/api/v1/api-keys')).body.items[0].id;
  const start = performance.now();
  t.equal((await hal.client.delete(`/api/v1/api-keys/${keyId}`)).status, 204, 'deleted through the first process');
  t.equal((await hals.closed).code, CREDENTIALS_REVOKED_CLOSE_CODE, 'closed by the second');
  t.ok(within(t, 5000, start), 'promptly (within 5 s)');
  await createMission(owner.client, project.id, { title: 'after' });
  await idas.until(channel, 1);
  t.equal(hals.messages(channel).length, 0);
  idas.close();
});
