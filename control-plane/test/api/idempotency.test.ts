// Idempotency-Key on POST and PATCH (#18): a retried request gets the first answer and changes
// nothing twice; the same key for another request is a 409; keys are per user and last 24 hours.
import { createHash } from 'node:crypto';
import t from 'tap';
import { idempotencyKeys } from '../../src/db/schema/index.ts';
import { idempotencyKeysJob } from '../../src/modules/idempotency/idempotency-retention.ts';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { queryRows } from '../helpers/sql.ts';

const app = await startTestApp(t);
const api = app.admin;
const org = await createOrg(api);
const project = await createProject(api, org.id);
const P = `/api/v1/projects/${project.id}`;
const withKey = (key: string) => ({ 'idempotency-key': key });
// Keys are stamped and judged on the database's clock (shared by every instance), which a manual
// clock does not move: time passes for a key by moving its stamp back.
const ago = (key: string, interval: string) => queryRows(app.db, `UPDATE idempotency_keys SET created_at = created_at - interval '${interval}' WHERE key = '${key}'`);
const dayPasses = (key: string) => ago(key, '24 hours 1 minute');
const titles = async () => (await api.get(`${P}/missions?limit=200`)).body.items.map((m: { title: string }) => m.title);

t.test('a retried POST gets the first answer and creates one mission', async (t) => {
  const first = await api.request('POST', `${P}/missions`, { title: 'Once only' }, withKey('k-create-1'));
  t.equal(first.status, 201);
  t.equal(first.headers.get('idempotent-replayed'), null);
  const again = await api.request('POST', `${P}/missions`, { title: 'Once only' }, withKey('k-create-1'));
  t.equal(again.status, 201);
  t.equal(again.headers.get('idempotent-replayed'), 'true');
  t.same(again.body, first.body, 'the same mission, byte for byte');
  t.equal((await titles()).filter((x: string) => x === 'Once only').length, 1, 'created once');

  const other = await api.request('POST', `${P}/missions`, { title: 'Something else' }, withKey('k-create-1'));
  t.equal(other.status, 409);
  t.equal(other.body.error.code, 'SU_ERR_IDEMPOTENCY_KEY_REUSED');
  t.notOk((await titles()).includes('Something else'), 'the other request did not run');

  const plain = await api.post(`${P}/missions`, { title: 'Once only' });
  t.equal(plain.status, 201, 'without a key nothing changes');
});

t.test('PATCH, answered errors, and keys per user', async (t) => {
  const m = (await api.post(`${P}/missions`, { title: 'Patch me' })).body;
  const patched = await api.request('PATCH', `/api/v1/missions/${m.id}`, { priority: 1 }, withKey('k-patch'));
  t.equal(patched.status, 200);
  await api.patch(`/api/v1/missions/${m.id}`, { priority: 4 });
  const replayed = await api.request('PATCH', `/api/v1/missions/${m.id}`, { priority: 1 }, withKey('k-patch'));
  t.equal(replayed.body.priority, 1, 'the stored answer');
  t.equal((await api.get(`/api/v1/missions/${m.id}`)).body.priority, 4, 'and nothing ran again');

  const missing = await api.request('PATCH', '/api/v1/missions/01ARZ3NDEKTSV4RRFFQ69G5FAV', { priority: 2 }, withKey('k-404'));
  t.equal(missing.status, 404);
  const missingAgain = await api.request('PATCH', '/api/v1/missions/01ARZ3NDEKTSV4RRFFQ69G5FAV', { priority: 2 }, withKey('k-404'));
  t.same([missingAgain.status, missingAgain.headers.get('idempotent-replayed')], [404, 'true'], 'a 4xx answer is an answer too');

  const bob = await createUser(app, 'bob-idem@example.com');
  const bobs = await bob.client.request('POST', '/api/v1/organizations', { name: 'Bob Co' }, withKey('k-create-1'));
  t.equal(bobs.status, 201, "another user's key of the same name is another key");
  t.equal(bobs.headers.get('idempotent-replayed'), null);
});

t.test('a malformed key is a 400; a key still running is a 409 to retry', async (t) => {
  for (const key of ['', 'x'.repeat(256), 'spaces are not allowed', 'ünïcode']) {
    const res = await api.request('POST', `${P}/missions`, { title: 'bad key' }, withKey(key));
    if (key === '') continue; // an empty header is dropped by fetch
    t.equal(res.status, 400, JSON.stringify(key).slice(0, 30));
    t.equal(res.body.error.code, 'SU_ERR_VALIDATION');
  }
  const admin = (await api.get('/api/v1/users/me')).body;
  await app.db.db.insert(idempotencyKeys).values({ userId: admin.id, key: 'k-running', requestHash: 'x'.repeat(64) });
  const running = await api.request('POST', `${P}/missions`, { title: 'x' }, withKey('k-running'));
  t.equal(running.status, 409);
  t.match(running.body.error, { code: 'SU_ERR_IDEMPOTENCY_KEY_REUSED' }, 'another request: reused wins over in progress');
  // The same request while the first still runs (its row has no answer yet).
  const m = (await api.post(`${P}/missions`, { title: 'busy' })).body;
  const path = `/api/v1/missions/${m.id}`;
  const hash = createHash('sha256').update(`PATCH ${path}\n${JSON.stringify({ priority: 2 })}`).digest('hex');
  await app.db.db.insert(idempotencyKeys).values({ userId: admin.id, key: 'k-busy', requestHash: hash });
  const busy = await api.request('PATCH', path, { priority: 2 }, withKey('k-busy'));
  t.same([busy.status, busy.body.error.code], [409, 'SU_ERR_IDEMPOTENCY_IN_PROGRESS']);
});

t.test('after 24 hours a key is free again, and the retention job removes it', async (t) => {
  const first = await api.request('POST', `${P}/missions`, { title: 'Day one' }, withKey('k-day'));
  t.equal(first.status, 201);
  await dayPasses('k-day');
  const next = await api.request('POST', `${P}/missions`, { title: 'Day two' }, withKey('k-day'));
  t.equal(next.status, 201, 'another request with the old key runs');
  t.equal(next.headers.get('idempotent-replayed'), null);
  await dayPasses('k-day');
  const removed = await app.db.db.transaction((tx) => idempotencyKeysJob.batch(tx, new Date(), 1000));
  t.ok(removed.count >= 1, 'expired keys purged');
  const again = await app.db.db.transaction((tx) => idempotencyKeysJob.batch(tx, new Date(), 1000));
  t.equal(again.count, 0, 'idempotent');
});

t.test('a secret shown once is never stored: a retry is refused, not shown the key again', async (t) => {
  const admin = (await api.get('/api/v1/users/me')).body;
  const first = await api.request('POST', '/api/v1/api-keys', { userId: admin.id, name: 'ci' }, withKey('k-secret'));
  t.equal(first.status, 201);
  const stored = await app.db.db.select().from(idempotencyKeys);
  t.notOk(stored.some((r) => (r.body ?? '').includes(first.body.key)), 'the key is not in idempotency_keys');
  const again = await api.request('POST', '/api/v1/api-keys', { userId: admin.id, name: 'ci' }, withKey('k-secret'));
  t.same([again.status, again.body.error.code], [409, 'SU_ERR_IDEMPOTENCY_KEY_REUSED']);
  t.notOk(JSON.stringify(again.body).includes(first.body.key));
  const ws = await api.request('POST', '/api/v1/workstations', { organizationId: org.id, name: 'idem-ws' }, withKey('k-ws'));
  t.equal(ws.status, 201);
  t.notOk((await app.db.db.select().from(idempotencyKeys)).some((r) => (r.body ?? '').includes(ws.body.token)), 'nor a workstation token');
});

t.test('a key whose request never answered (its process died) is taken over after a minute', async (t) => {
  const admin = (await api.get('/api/v1/users/me')).body;
  await app.db.db.insert(idempotencyKeys).values({ userId: admin.id, key: 'k-orphan', requestHash: 'y'.repeat(64) });
  t.equal((await api.request('POST', `${P}/missions`, { title: 'after a crash' }, withKey('k-orphan'))).status, 409, 'within the lease: still running');
  await ago('k-orphan', '2 minutes');
  t.equal((await api.request('POST', `${P}/missions`, { title: 'after a crash' }, withKey('k-orphan'))).status, 201, 'after it: the retry runs');
});
