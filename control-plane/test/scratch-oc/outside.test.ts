import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { queryRows } from '../helpers/sql.ts';
import { realtimeClient } from '../helpers/ws-client.ts';

const app = await startTestApp(t, { rateLimits: { limits: { anonymous: 100, user: 1000, contributor: 5000, admin: null } } });
const alice = await createUser(app, 'alice@oc.test');
const acme = await createOrg(alice.client, 'Acme');
const log = (label: string, r: { status: number; body: any; headers?: any }) => t.comment(`${label}: ${r.status} ${JSON.stringify(r.body)?.slice(0, 300)}`);

async function outsider(email: string, projectId: string, role = 'member') {
  const u = await createUser(app, email);
  const asked = await u.client.post(`/api/v1/projects/${projectId}/access-requests`, { role });
  const ok = await alice.client.post(`/api/v1/access-requests/${asked.body.id}/approve`, {});
  if (ok.status !== 200) throw new Error(JSON.stringify(ok.body));
  return u;
}

t.test('realtime drop on removal', async (t) => {
  const p = await createProject(alice.client, acme.id, { visibility: 'public' });
  const m = await createMission(alice.client, p.id, { title: 'todo' });
  const dave = await outsider('dave@oc.test', p.id);
  const ws = await realtimeClient(app.baseUrl, dave.key);
  log('sub missions', { status: 0, body: await ws.subscribe(`project:${p.id}:missions`) });
  log('sub events', { status: 0, body: await ws.subscribe(`mission:${m.id}:events`) });
  log('sub fallback', { status: 0, body: await ws.subscribe(`project:${p.id}:fallback`) });
  log('sub org ws', { status: 0, body: await ws.subscribe(`organization:${acme.id}:workstations`) });
  const start = performance.now();
  t.equal((await alice.client.delete(`/api/v1/projects/${p.id}/members/${dave.id}`)).status, 204);
  const ended = await Promise.all([`project:${p.id}:missions`, `mission:${m.id}:events`].map((c) => ws.next((f) => f.type === 'error' && f.channel === c && /revoked/.test(f.message))));
  t.comment(`dropped in ${Math.round(performance.now() - start)} ms: ${JSON.stringify(ended)}`);
  ws.close();
});

t.test('misc endpoints for outsider', async (t) => {
  const p = await createProject(alice.client, acme.id, { visibility: 'public' });
  const other = await createProject(alice.client, acme.id);
  const erin = await outsider('erin@oc.test', p.id);
  for (const path of [`/api/v1/projects/${p.id}/backlog`, `/api/v1/projects/${p.id}/usage`, `/api/v1/projects/${p.id}/workstations`, `/api/v1/projects/${p.id}/fallback/config`, `/api/v1/projects/${p.id}/github`, `/api/v1/projects/${p.id}/members`, `/api/v1/projects?organizationId=${acme.id}`, `/api/v1/projects`, `/api/v1/projects/${other.id}/backlog`, `/api/v1/notification-preferences`, `/api/v1/organizations`]) {
    const r = await erin.client.get(path);
    log(`GET ${path}`, r);
  }
  log('leave project self', await erin.client.delete(`/api/v1/projects/${p.id}/members/${erin.id}`));
  log('mute access kinds', await erin.client.patch('/api/v1/notification-preferences', { kinds: [{ organizationId: acme.id, kind: 'access_request.approved', enabled: false }] }));
  const r = await erin.client.get('/api/v1/users/me');
  t.comment(`outsider member tier limit: ${r.headers?.['ratelimit-limit']}`);
});

t.test('offboarded member pending request', async (t) => {
  const p = await createProject(alice.client, acme.id);
  const fred = await createUser(app, 'fred@oc.test');
  await alice.client.post(`/api/v1/organizations/${acme.id}/members`, { userId: fred.id, role: 'viewer' });
  const asked = await fred.client.post(`/api/v1/projects/${p.id}/access-requests`, { role: 'member' });
  t.equal(asked.status, 201);
  t.equal((await alice.client.delete(`/api/v1/organizations/${acme.id}/members/${fred.id}`)).status, 204);
  log('pending after offboarding', await alice.client.get(`/api/v1/access-requests/${asked.body.id}`));
  log('approve after offboarding', await alice.client.post(`/api/v1/access-requests/${asked.body.id}/approve`, {}));
  log('fred reads private project', await fred.client.get(`/api/v1/projects/${p.id}`));
  log('fred writes', await fred.client.post(`/api/v1/projects/${p.id}/missions`, { title: 'x' }));
});

t.test('stale row tier', async (t) => {
  const p = await createProject(alice.client, acme.id);
  const gina = await createUser(app, 'gina@oc.test');
  const before = await gina.client.get('/api/v1/users/me');
  await queryRows(app.db, `INSERT INTO project_members (id, project_id, user_id, role, outside) VALUES ('01JZZZZZZZZZZZZZZZZZZZZZZZ', '${p.id}', '${gina.id}', 'member', false)`);
  const gina2 = app.as(gina.key);
  log('stale: project', await gina2.get(`/api/v1/projects/${p.id}`));
  log('stale: list', await gina2.get(`/api/v1/projects`));
  t.comment(`tier limit before ${before.headers?.['ratelimit-limit']}`);
});
