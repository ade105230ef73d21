import { newId } from '@solo-unicorn/shared';
import { once } from 'node:events';
import t from 'tap';
import WebSocket from 'ws';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { createHttpClient } from '../helpers/http.ts';

// #18 Anonymous reading: a public project may allow callers without credentials to read what a
// signed-in outsider reads (the project, its Done missions and their docs, its repositories, its
// gallery entry) — nothing else, never a write, and anything they may not read answers 401.

// Anonymous callers are rate limited by address: a real limit here (the others unlimited), checked at the end.
const ANONYMOUS_LIMIT = 600;
const app = await startTestApp(t, { rateLimits: { limits: { anonymous: ANONYMOUS_LIMIT, user: null, contributor: null, admin: null } } });
const nobody = createHttpClient(app.baseUrl);
const alice = await createUser(app, 'alice@anon.test'); // owner of Acme
const bob = await createUser(app, 'bob@anon.test'); // member of Acme, admin of the open project only
const dave = await createUser(app, 'dave@anon.test'); // signed in, outside Acme
const acme = await createOrg(alice.client, 'Acme');
await alice.client.post(`/api/v1/organizations/${acme.id}/members`, { userId: bob.id, role: 'member' });
const open = await createProject(alice.client, acme.id, { visibility: 'public', name: 'Open Widget' });
await alice.client.post(`/api/v1/projects/${open.id}/members`, { userId: bob.id, role: 'admin' });
const publicOnly = await createProject(alice.client, acme.id, { visibility: 'public', name: 'Members Widget' });
const secret = await createProject(alice.client, acme.id, { name: 'Secret Widget' });
const repo = (await alice.client.post(`/api/v1/projects/${open.id}/repositories`, { url: 'https://github.com/acme/widget.git' })).body;

async function doneMission(projectId: string, title: string) {
  const m = await createMission(alice.client, projectId, { title });
  await alice.client.post(`/api/v1/missions/${m.id}/move`, { list: 'done' });
  return m;
}
const done = await doneMission(open.id, 'Shipped');
const todo = await createMission(alice.client, open.id, { title: 'Not yet' });
const review = await createMission(alice.client, open.id, { title: 'Waiting' });
await alice.client.post(`/api/v1/missions/${review.id}/move`, { list: 'review' });
const doneElsewhere = [await doneMission(publicOnly.id, 'Shipped for members'), await doneMission(secret.id, 'Shipped in secret')];
const ws = (await alice.client.post('/api/v1/workstations', { organizationId: acme.id, name: 'alice-box' })).body.workstation;
await alice.client.post(`/api/v1/projects/${open.id}/workstations`, { workstationId: ws.id });

const P = `/api/v1/projects/${open.id}`;
const ids = (items: { id: string }[]) => items.map((i) => i.id);

t.test('the setting: off by default, project admins turn it on, only on a public project, audited', async (t) => {
  t.equal((await alice.client.get(P)).body.anonymousRead, false, 'off by default');
  t.equal((await nobody.get(P)).status, 401, 'so a public project is not readable without credentials');
  const outsider = await dave.client.patch(P, { anonymousRead: true });
  t.equal(outsider.status, 403, 'a signed-in outsider of the public project may not turn it on');
  const privateOne = await alice.client.patch(`/api/v1/projects/${secret.id}`, { anonymousRead: true });
  t.equal(privateOne.status, 400, 'a private project cannot be opened to anonymous readers');
  t.match(privateOne.body.error, { code: 'SU_ERR_VALIDATION', message: /anonymousRead/ });
  t.equal((await alice.client.patch(`/api/v1/projects/${secret.id}`, { visibility: 'private', anonymousRead: true })).status, 400);
  t.equal((await alice.client.get(`/api/v1/projects/${secret.id}`)).body.anonymousRead, false, 'nothing changed');

  const on = await bob.client.patch(P, { anonymousRead: true });
  t.equal(on.status, 200, 'an admin of the project (not of the organization) turns it on');
  t.equal(on.body.anonymousRead, true);
  const timeline = (await alice.client.get(`${P}/timeline`)).body.items;
  t.match(timeline[0], { action: 'project.updated', actor: { id: bob.id }, targetId: open.id, data: { fields: ['anonymousRead'] } }, 'on the timeline');
  t.equal((await alice.client.get(`/api/v1/projects/${publicOnly.id}`)).body.anonymousRead, false, 'the other public project keeps it off');
});

t.test('without credentials: the project, its Done missions with docs, its repositories and the gallery', async (t) => {
  const project = await nobody.get(P);
  t.equal(project.status, 200);
  t.match(project.body, { id: open.id, name: 'Open Widget', visibility: 'public', anonymousRead: true });
  const column = await nobody.get(`${P}/missions`);
  t.equal(column.status, 200);
  t.same(ids(column.body.items), [done.id], 'the board shows the Done mission only');
  t.same((await nobody.get(`${P}/missions?list=todo`)).body.items, [], 'the Todo column is empty, as for a signed-in outsider');
  t.match((await nobody.get(`/api/v1/missions/${done.id}`)).body, { id: done.id, title: 'Shipped', list: 'done' });
  const docs = await nobody.get(`/api/v1/missions/${done.id}/docs`);
  t.equal(docs.status, 200);
  t.ok(Array.isArray(docs.body.items));
  t.same(ids((await nobody.get(`${P}/repositories`)).body.items), [repo.id]);

  const gallery = await nobody.get('/api/v1/gallery/projects');
  t.equal(gallery.status, 200);
  t.same(ids(gallery.body.items), [open.id], 'the gallery lists only projects open to anonymous readers (not the other public one)');
  t.equal(gallery.body.items[0].starred, false);
  t.same(ids((await dave.client.get('/api/v1/gallery/projects')).body.items).sort(), [open.id, publicOnly.id].sort(), 'signed in, every public project');
  t.ok(project.headers.get('ratelimit-limit'), 'anonymous reads carry the rate-limit headers');
  t.equal(project.headers.get('ratelimit-limit'), String(ANONYMOUS_LIMIT), 'at the anonymous tier');
});

t.test('everything else anonymous may not read answers 401, the same for a project that exists or not', async (t) => {
  const refused = async (path: string) => {
    const res = await nobody.get(path);
    t.equal(res.status, 401, `GET ${path.replace(/[0-9A-Z]{26}/g, ':id')} → 401`);
    return res.body;
  };
  // Private, public without the opt-in, and non-existent look the same: nothing about existence leaks.
  const answers = [];
  for (const id of [secret.id, publicOnly.id, newId()]) {
    answers.push(await refused(`/api/v1/projects/${id}`));
    await refused(`/api/v1/projects/${id}/missions`);
    await refused(`/api/v1/projects/${id}/repositories`);
  }
  t.same(answers[1], answers[0], 'a public project without the opt-in answers like a private one');
  t.same(answers[2], answers[0], 'and like one that does not exist');
  t.match(answers[0].error, { code: 'SU_ERR_UNAUTHENTICATED' });
  for (const m of doneElsewhere) {
    await refused(`/api/v1/missions/${m.id}`);
    await refused(`/api/v1/missions/${m.id}/docs`);
  }
  for (const m of [todo.id, review.id]) {
    for (const path of ['', '/docs', '/events', '/attempts']) await refused(`/api/v1/missions/${m}${path}`);
  }
  for (const path of [`/api/v1/missions/${done.id}/events`, `/api/v1/missions/${done.id}/attempts`, `${P}/workstations`, `${P}/members`, `${P}/timeline`,
    `${P}/backlog`, `${P}/flows`, `${P}/usage`, `${P}/access-requests`, `${P}/stars`, `${P}/fallback/config`, `/api/v1/workstations/${ws.id}`,
    `/api/v1/audit-events?organizationId=${acme.id}`, '/api/v1/projects', '/api/v1/users/me']) await refused(path);

  // Credentials that are not a valid key are refused, not read as "no credentials" (and not let past the rate limiter).
  for (const authorization of ['Bearer not-a-key', 'Basic YWxpY2U6eA==', '']) {
    t.equal((await nobody.request('GET', P, undefined, { authorization })).status, 401, `Authorization: ${authorization || '(empty)'} → 401`);
  }
});

t.test('no route but the six reads answers without credentials, whatever the method; nothing changes', async (t) => {
  const reads = new Set(['GET /api/v1/projects/{projectId}', 'GET /api/v1/projects/{projectId}/missions', 'GET /api/v1/missions/{missionId}',
    'GET /api/v1/missions/{missionId}/docs', 'GET /api/v1/projects/{projectId}/repositories', 'GET /api/v1/gallery/projects']);
  const doc = (await nobody.get('/docs/json')).body as { paths: Record<string, Record<string, unknown>> };
  const fill: Record<string, string> = { projectId: open.id, missionId: done.id, workstationId: ws.id, orgId: acme.id, organizationId: acme.id, userId: alice.id };
  let writes = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    // The GitHub webhook is authenticated by its signature, not by a key.
    if (!path.startsWith('/api/') || path === '/api/v1/github/webhook') continue;
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => fill[name] ?? newId());
    for (const method of Object.keys(ops).map((m) => m.toUpperCase())) {
      const body = ['POST', 'PATCH', 'PUT'].includes(method) ? { title: 'anonymous', anonymousRead: false, visibility: 'private', list: 'todo' } : undefined;
      const res = await nobody.request(method, url, body);
      const allowed = reads.has(`${method} ${path}`);
      if (!allowed) writes += method === 'GET' ? 0 : 1;
      t.equal(res.status, allowed ? 200 : 401, `${method} ${path} → ${allowed ? 200 : 401}`);
    }
  }
  t.ok(writes > 40, `every write route was tried (${writes})`);
  t.match((await alice.client.get(P)).body, { visibility: 'public', anonymousRead: true, description: null }, 'the project is unchanged');
  t.match((await alice.client.get(`/api/v1/missions/${done.id}`)).body, { title: 'Shipped', list: 'done' }, 'the mission too');
  t.equal((await alice.client.get(`${P}/stars`)).body.count, 0, 'and nobody starred it');
});

t.test('the monitoring socket stays authenticated', async (t) => {
  const socket = new WebSocket(`${app.baseUrl.replace('http', 'ws')}/api/v1/realtime`);
  socket.on('error', () => {}); // the refused handshake also reports an error; the status is what matters
  const [, res] = await once(socket, 'unexpected-response');
  t.equal(res.statusCode, 401);
  res.resume();
});

t.test('turning it off, or making the project private, takes effect at once', async (t) => {
  t.equal((await bob.client.patch(P, { anonymousRead: false })).status, 200);
  t.equal((await nobody.get(P)).status, 401, 'off: the project');
  t.equal((await nobody.get(`/api/v1/missions/${done.id}`)).status, 401, 'off: its Done mission');
  t.same((await nobody.get('/api/v1/gallery/projects')).body.items, [], 'off: gone from the anonymous gallery');
  t.equal((await dave.client.get(P)).status, 200, 'signed-in outsiders still read the public project');

  await bob.client.patch(P, { anonymousRead: true });
  t.equal((await nobody.get(`${P}/repositories`)).status, 200, 'on again');
  const closed = await alice.client.patch(P, { visibility: 'private' });
  t.match(closed.body, { visibility: 'private', anonymousRead: false }, 'making it private turns anonymous reading off');
  t.match((await alice.client.get(`${P}/timeline`)).body.items[0], { action: 'project.updated', data: { fields: ['visibility', 'anonymousRead'] } }, 'and the audit says so');
  for (const path of [P, `${P}/missions`, `${P}/repositories`, `/api/v1/missions/${done.id}`, `/api/v1/missions/${done.id}/docs`]) {
    t.equal((await nobody.get(path)).status, 401, `private: GET ${path.replace(/[0-9A-Z]{26}/g, ':id')} → 401`);
  }
  await alice.client.patch(P, { visibility: 'public' });
  t.equal((await nobody.get(P)).status, 401, 'public again: anonymous reading stays off until an admin opts in again');
  await alice.client.patch(P, { anonymousRead: true });
  t.equal((await nobody.get(P)).status, 200);
});

t.test('anonymous readers are rate limited by address', async (t) => {
  const first = await nobody.get(P);
  const remaining = Number(first.headers.get('ratelimit-remaining'));
  t.ok(remaining > 0 && remaining < ANONYMOUS_LIMIT, `the earlier anonymous requests counted (${remaining} left)`);
  for (let i = 0; i < remaining; i++) await nobody.get('/api/v1/gallery/projects');
  const over = await nobody.get(P);
  t.equal(over.status, 429);
  t.equal(over.body.error.code, 'SU_ERR_RATE_LIMITED');
  t.equal((await alice.client.get(P)).status, 200, 'signed-in users are counted on their own');
});
