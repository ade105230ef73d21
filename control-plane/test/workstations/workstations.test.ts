import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { connectRaw, hello } from './helpers/ws-client.ts';

const app = await startTestApp(t);
const org = await createOrg(app.admin);

t.test('registers a workstation: token shown once, stored hashed, org admin needed', async (t) => {
  const res = await app.admin.post('/api/v1/workstations', { organizationId: org.id, name: 'laptop' });
  t.equal(res.status, 201);
  t.match(res.body, { workstation: { name: 'laptop', organizationId: org.id, online: false, lastSeenAt: null, currentMissions: [] }, token: /^suw_/ });
  t.equal(res.body.workstation.tokenPrefix, res.body.token.slice(0, 10));
  const { rows } = await app.db.db.execute<{ token_hash: string }>(`SELECT token_hash FROM workstations WHERE id = '${res.body.workstation.id}'` as any) as any;
  t.not(rows[0].token_hash, res.body.token, 'only the hash is stored');
  t.notMatch(JSON.stringify((await app.admin.get('/api/v1/workstations')).body), res.body.token, 'the list never shows the token');

  const member = await createUser(app, `member-${Math.random()}@example.com`);
  await app.admin.post(`/api/v1/organizations/${org.id}/members`, { userId: member.id, role: 'member' });
  const denied = await member.client.post('/api/v1/workstations', { organizationId: org.id, name: 'nope' });
  t.equal(denied.status, 403);
  const outsider = await createUser(app, `outsider-${Math.random()}@example.com`);
  t.equal((await outsider.client.post('/api/v1/workstations', { organizationId: org.id, name: 'nope' })).status, 404);
  t.same((await outsider.client.get('/api/v1/workstations')).body.items, [], "an outsider sees no workstation of the org");
  t.equal((await outsider.client.post(`/api/v1/workstations/${res.body.workstation.id}/revoke`)).status, 404);
  t.equal((await member.client.post(`/api/v1/workstations/${res.body.workstation.id}/revoke`)).status, 403);
  const bad = await app.admin.post('/api/v1/workstations', { organizationId: org.id });
  t.equal(bad.status, 400);
  t.match(bad.body.error.message, /name/);
});

t.test('a workstation token opens the session route but no user route; an API key cannot open a session', async (t) => {
  const { body } = await app.admin.post('/api/v1/workstations', { organizationId: org.id, name: 'token-scope' });
  t.equal((await app.as(body.token).get('/api/v1/workstations')).status, 401);
  const user = await connectRaw(app.baseUrl, app.admin.key!);
  const err = await user.waitFor((f) => f.type === 'error');
  t.equal(err.payload.code, 'SU_ERR_UNAUTHENTICATED');
  t.equal((await user.closed).code, 4003);
  await t.rejects(connectRaw(app.baseUrl, 'suw_not_a_real_token'), /401/);
});

t.test('shows a connected workstation online with its daemon version and agents, offline once it leaves', async (t) => {
  const { body } = await app.admin.post('/api/v1/workstations', { organizationId: org.id, name: 'presence' });
  const id = body.workstation.id;
  const client = await connectRaw(app.baseUrl, body.token);
  client.send(hello(id));
  const welcome = await client.waitFor((f) => f.type === 'session.welcome');
  t.match(welcome.payload, { workstationId: id, attempts: [] });
  const online = (await app.admin.get(`/api/v1/workstations/${id}`)).body;
  t.match(online, { online: true, daemonVersion: '0.0.0-test', agents: [{ type: 'custom' }] });
  t.ok(online.lastSeenAt);
  await client.close();
  // The session row is closed by the server's close handler, a moment after the socket.
  let online2 = true;
  for (const until = Date.now() + 2000; online2 && Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    online2 = (await app.admin.get(`/api/v1/workstations/${id}`)).body.online;
  }
  t.equal(online2, false, 'offline within 2 s');
});

t.test('revoking closes the live session at once and refuses the token afterwards', async (t) => {
  const { body } = await app.admin.post('/api/v1/workstations', { organizationId: org.id, name: 'revoked' });
  const client = await connectRaw(app.baseUrl, body.token);
  client.send(hello(body.workstation.id));
  await client.waitFor((f) => f.type === 'session.welcome');
  const res = await app.admin.post(`/api/v1/workstations/${body.workstation.id}/revoke`);
  t.equal(res.status, 200);
  t.match(res.body, { online: false, revokedAt: String });
  const err = await client.waitFor((f) => f.type === 'error');
  t.match(err.payload, { code: 'SU_ERR_WORKSTATION_REVOKED', retryable: false });
  t.equal((await client.closed).code, 4001);
  await t.rejects(connectRaw(app.baseUrl, body.token), /401/);
  t.equal((await app.admin.post(`/api/v1/workstations/${body.workstation.id}/revoke`)).status, 200, 'revoking again is a no-op');
});

t.test('maps a workstation to a project of the same organization only', async (t) => {
  const project = await createProject(app.admin, org.id);
  const { body } = await app.admin.post('/api/v1/workstations', { organizationId: org.id, name: 'mapped' });
  const res = await app.admin.post(`/api/v1/projects/${project.id}/workstations`, { workstationId: body.workstation.id });
  t.equal(res.status, 201);
  t.match(res.body, { projectId: project.id, workstationId: body.workstation.id });
  t.equal((await app.admin.post(`/api/v1/projects/${project.id}/workstations`, { workstationId: body.workstation.id })).status, 201, 'idempotent');
  t.same((await app.admin.get(`/api/v1/projects/${project.id}/workstations`)).body.items.map((i: any) => i.workstationId), [body.workstation.id]);

  const other = await createOrg(app.admin, 'Other');
  const foreign = await app.admin.post('/api/v1/workstations', { organizationId: other.id, name: 'foreign' });
  const refused = await app.admin.post(`/api/v1/projects/${project.id}/workstations`, { workstationId: foreign.body.workstation.id });
  t.equal(refused.status, 400);
  t.match(refused.body.error.message, /workstationId/);
  const outsider = await createUser(app, `o2-${Math.random()}@example.com`);
  t.equal((await outsider.client.post(`/api/v1/projects/${project.id}/workstations`, { workstationId: body.workstation.id })).status, 404);
});

t.test('lists with a cursor, filtered by organization', async (t) => {
  const o = await createOrg(app.admin, 'Paged');
  for (const name of ['a', 'b', 'c']) await app.admin.post('/api/v1/workstations', { organizationId: o.id, name });
  const first = await app.admin.get(`/api/v1/workstations?organizationId=${o.id}&limit=2`);
  t.same(first.body.items.map((w: any) => w.name), ['a', 'b']);
  const second = await app.admin.get(`/api/v1/workstations?organizationId=${o.id}&limit=2&cursor=${first.body.nextCursor}`);
  t.same(second.body.items.map((w: any) => w.name), ['c']);
  t.equal(second.body.nextCursor, null);
});
