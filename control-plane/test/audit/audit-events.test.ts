import { sql } from 'drizzle-orm';
import t from 'tap';
import { rowsOf } from '../../src/db/rows.ts';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createUser } from '../helpers/fixtures.ts';
import { fallbackProject } from '../fallback/fixtures.ts';

const app = await startTestApp(t);
const api = app.admin;
const TOKEN = 'ghp_auditTestTokenNeverLogged1234';
const SECRET = 'whsec-audit-test-secret-never-logged';

// Org A: an owner (the org admin), a member; org B elsewhere. The owner makes every change.
const owner = await createUser(app, 'owner@audit.example.com');
const member = await createUser(app, 'member@audit.example.com');
const outsider = await createUser(app, 'outsider@audit.example.com');
const orgA = await createOrg(owner.client, 'Audit A');
await owner.client.post(`/api/v1/organizations/${orgA.id}/members`, { userId: member.id, role: 'member' });
const f = await fallbackProject(owner.client, orgA.id);
const other = await fallbackProject(owner.client, orgA.id);
await createOrg(outsider.client, 'Audit B');

const all = async (client: typeof api, path: string) => {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; body: any } = await client.get(`${path}${path.includes('?') ? '&' : '?'}limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
};

t.test('GitHub connections and Mission Fallback config and templates are audited, without secrets', async (t) => {
  const c = owner.client;
  t.equal((await c.put(`${f.P}/github`, { token: TOKEN, webhookSecret: SECRET })).status, 200);
  t.equal((await c.put(`${f.P}/github`, { token: `${TOKEN}x` })).status, 200);
  t.equal((await c.delete(`${f.P}/github`)).status, 204);
  t.equal((await c.put(`/api/v1/organizations/${orgA.id}/github`, { token: TOKEN })).status, 200);
  await f.config({ backlogThreshold: 7 });
  const tpl = await f.template('Tidy the docs', { description: 'PROMPT TEXT THAT STAYS OUT OF THE LOG' });
  t.equal((await c.patch(`${f.P}/fallback/templates/${tpl.id}`, { priority: 2 })).status, 200);
  t.equal((await c.delete(`${f.P}/fallback/templates/${tpl.id}`)).status, 204);

  const events = await all(c, `/api/v1/audit-events?organizationId=${orgA.id}`);
  const mine = events.filter((e) => /^(github_connection|fallback_)/.test(e.action)).reverse();
  t.match(mine, [
    { action: 'github_connection.created', targetType: 'project', targetId: f.project.id, data: { scope: 'project', apiHost: 'api.github.com', webhookSecretSet: true } },
    { action: 'github_connection.updated', targetType: 'project', targetId: f.project.id },
    { action: 'github_connection.removed', targetType: 'project', targetId: f.project.id },
    { action: 'github_connection.created', targetType: 'organization', targetId: orgA.id, data: { scope: 'organization' } },
    { action: 'fallback_config.updated', targetType: 'project', targetId: f.project.id, data: { fields: ['backlogThreshold'] } },
    { action: 'fallback_template.created', targetType: 'fallback_template', targetId: tpl.id, data: { projectId: f.project.id, name: 'Tidy the docs' } },
    { action: 'fallback_template.updated', targetId: tpl.id, data: { fields: ['priority'] } },
    { action: 'fallback_template.deleted', targetId: tpl.id },
  ]);
  for (const e of mine) t.match(e, { organizationId: orgA.id, actor: { type: 'user', id: owner.id, name: 'owner@audit.example.com', deleted: false } });
  const stored = JSON.stringify(rowsOf(await app.db.db.execute(sql`SELECT * FROM audit_events`)));
  for (const secret of [TOKEN.slice(-8), SECRET, 'PROMPT TEXT']) t.notOk(stored.includes(secret), `the log never holds ${secret.slice(0, 6)}…`);
});

t.test('a refused change writes no audit event (same transaction)', async (t) => {
  const count = async () => Number(rowsOf(await app.db.db.execute(sql`SELECT count(*)::int AS n FROM audit_events`))[0]!.n);
  const before = await count();
  t.equal((await member.client.put(`${f.P}/fallback/config`, { backlogThreshold: 1 })).status, 403);
  t.equal((await owner.client.delete(`${f.P}/github`)).status, 404, 'nothing to remove');
  t.equal(await count(), before);
});

t.test('GET /audit-events: organization admins only, filters, newest first, cursor', async (t) => {
  const q = `/api/v1/audit-events?organizationId=${orgA.id}`;
  t.equal((await member.client.get(q)).status, 403, 'a member may not read the log');
  t.equal((await outsider.client.get(q)).status, 404, 'an outsider does not see the organization');
  const noOrg = await owner.client.get('/api/v1/audit-events');
  t.equal(noOrg.status, 400);
  t.equal(noOrg.body.error.code, 'SU_ERR_VALIDATION');
  t.equal((await api.get('/api/v1/audit-events?limit=1')).status, 200, 'the instance admin may read across organizations');
  const bad = await owner.client.get(`${q}&cursor=nonsense`);
  t.equal(bad.status, 400);
  t.equal(bad.body.error.code, 'SU_ERR_CURSOR_INVALID');
  t.equal((await owner.client.get(`${q}&since=yesterday`)).body.error.code, 'SU_ERR_VALIDATION');

  const everything = await all(owner.client, q);
  t.ok(everything.length >= 10);
  t.equal(new Set(everything.map((e) => e.id)).size, everything.length, 'pages never repeat an event');
  const times = everything.map((e) => e.createdAt);
  t.same(times, [...times].sort().reverse(), 'newest first');
  t.ok(everything.every((e) => e.organizationId === orgA.id), "only this organization's events");
  t.ok(everything.some((e) => e.action === 'membership.added' && e.targetId === member.id));

  const templates = await all(owner.client, `${q}&targetType=fallback_template`);
  t.same([...new Set(templates.map((e) => e.targetType))], ['fallback_template']);
  t.equal(templates.length, 3);
  t.same((await all(owner.client, `${q}&action=github_connection.removed`)).map((e) => e.action), ['github_connection.removed']);
  t.equal((await all(owner.client, `${q}&actorId=${member.id}`)).length, 0);
  t.ok((await all(owner.client, `${q}&targetId=${orgA.id}`)).every((e) => e.targetId === orgA.id));
  const future = new Date(Date.now() + 3_600_000).toISOString();
  t.equal((await all(owner.client, `${q}&since=${future}`)).length, 0);
  t.equal((await all(owner.client, `${q}&until=${encodeURIComponent(future)}`)).length, everything.length);
});

t.test('GET /projects/:id/timeline: the project, its settings, its workstation mappings; project admins only', async (t) => {
  const ws = (await owner.client.post('/api/v1/workstations', { organizationId: orgA.id, name: 'audit-ws' })).body.workstation;
  t.equal((await owner.client.post(`${f.P}/workstations`, { workstationId: ws.id })).status, 201);
  const items = await all(owner.client, `${f.P}/timeline`);
  const actions = items.map((e) => e.action);
  t.equal(actions[0], 'project_workstation.mapped', 'newest first');
  for (const a of ['project.created', 'fallback_config.updated', 'fallback_template.created', 'github_connection.created']) t.ok(actions.includes(a), a);
  t.notOk(actions.includes('membership.added'), 'organization-wide events stay out');
  t.notOk(items.some((e) => e.targetId === other.project.id || e.data.projectId === other.project.id), "another project's events stay out");
  t.equal((await member.client.get(`${f.P}/timeline`)).status, 403);
  t.equal((await outsider.client.get(`${f.P}/timeline`)).status, 404);
});

t.test('a deleted user reads as "deleted user" under their pseudonym: the log itself is never rewritten', async (t) => {
  const gone = await createUser(app, 'leaver@audit.example.com');
  await owner.client.post(`/api/v1/organizations/${orgA.id}/members`, { userId: gone.id, role: 'admin' });
  t.equal((await gone.client.put(`${f.P}/fallback/config`, { backlogThreshold: 9 })).status, 200);
  // What deleting a user does to the users row (the row stays as the pseudonym's anchor).
  await app.db.db.execute(sql`UPDATE users SET deleted_at = now(), pseudonym = 'user-5f2c', name = NULL, email = 'deleted-5f2c@invalid' WHERE id = ${gone.id}`);
  const [event] = (await owner.client.get(`/api/v1/audit-events?organizationId=${orgA.id}&actorId=${gone.id}`)).body.items;
  t.match(event, { action: 'fallback_config.updated', actor: { type: 'user', id: 'user-5f2c', name: 'deleted user', deleted: true } });
  t.notOk(JSON.stringify(event).includes(gone.id), 'not even the id');
});

t.test('memberships, roles and API keys are audited where the organization\'s admins read them', async (t) => {
  const joiner = await createUser(app, 'joiner@audit.example.com');
  const since = new Date(Date.now() - 1000).toISOString();
  const c = owner.client;
  t.equal((await c.post(`/api/v1/organizations/${orgA.id}/members`, { userId: joiner.id, role: 'member' })).status, 201);
  t.equal((await c.patch(`/api/v1/organizations/${orgA.id}/members/${joiner.id}`, { role: 'viewer' })).status, 200);
  t.equal((await c.post(`/api/v1/projects/${f.project.id}/members`, { userId: joiner.id, role: 'member' })).status, 201);
  t.equal((await c.delete(`/api/v1/projects/${f.project.id}/members/${joiner.id}`)).status, 204);
  const key = (await joiner.client.post('/api/v1/api-keys', { name: 'laptop' })).body;
  t.equal((await joiner.client.delete(`/api/v1/api-keys/${key.id}`)).status, 204);
  t.equal((await c.delete(`/api/v1/organizations/${orgA.id}/members/${joiner.id}`)).status, 204);

  const seen = (await all(c, `/api/v1/audit-events?organizationId=${orgA.id}&since=${since}`)).filter((e) => e.targetId === joiner.id || e.targetId === key.id);
  const actions = seen.map((e) => e.action).sort();
  t.same(actions, ['api_key.created', 'api_key.revoked', 'membership.added', 'membership.removed', 'membership.role_changed', 'project_member.removed', 'project_member.set'].sort(),
    'each change is one event the organization admin reads');
  t.match(seen.find((e) => e.action === 'project_member.removed'), { actor: { id: owner.id }, data: { projectId: f.project.id } });
  t.match(seen.find((e) => e.action === 'api_key.created'), { actor: { id: joiner.id }, data: { userId: joiner.id } });
  t.notOk(JSON.stringify(seen).includes(key.key), 'never the key itself');
  const forAll = (await all(api, `/api/v1/audit-events?action=api_key.created&since=${since}`)).filter((e) => e.targetId === key.id);
  t.ok(forAll.length >= 1, 'the instance admin reads it too');
});
