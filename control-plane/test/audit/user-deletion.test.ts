import { sql } from 'drizzle-orm';
import t from 'tap';
import { rowsOf } from '../../src/db/rows.ts';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';

const app = await startTestApp(t);
const api = app.admin;
const owner = await createUser(app, 'owner@deletion.example.com');
const org = await createOrg(owner.client, 'Deletion Co');
const project = await createProject(owner.client, org.id);

t.test('deleting a user pseudonymizes them: the audit log reads "deleted user", keys stop working, grants go', async (t) => {
  const leaver = await createUser(app, 'Leaver.Person@deletion.example.com');
  await owner.client.post(`/api/v1/organizations/${org.id}/members`, { userId: leaver.id, role: 'member' });
  t.equal((await owner.client.post(`/api/v1/projects/${project.id}/members`, { userId: leaver.id, role: 'admin' })).status, 201);
  t.equal((await leaver.client.put(`/api/v1/projects/${project.id}/fallback/config`, { backlogThreshold: 4 })).status, 200, 'they changed something');
  const before = (await owner.client.get(`/api/v1/audit-events?organizationId=${org.id}&actorId=${leaver.id}&action=fallback_config.updated`)).body.items;
  t.match(before, [{ action: 'fallback_config.updated', actor: { id: leaver.id, name: 'leaver.person@deletion.example.com', deleted: false } }]);
  const asker = await createUser(app, `asker-${Date.now()}@deletion.example.com`);
  await owner.client.post(`/api/v1/organizations/${org.id}/members`, { userId: asker.id, role: 'viewer' });
  t.equal((await asker.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'member', message: 'let me in' })).status, 201, 'a request notifies the leaver, a project admin');
  const inboxChannel = sql`SELECT count(*)::int AS n FROM realtime_log WHERE channel = ${`user:${leaver.id}:notifications`}`;
  t.ok(Number(rowsOf(await app.db.db.execute(inboxChannel))[0]!.n) > 0, 'their inbox channel holds it');
  const reviewed = (await owner.client.post(`/api/v1/projects/${project.id}/missions`, { title: 'A reviewed mission' })).body;
  t.equal((await owner.client.post(`/api/v1/missions/${reviewed.id}/move`, { list: 'review' })).status, 200);
  t.equal((await leaver.client.post(`/api/v1/missions/${reviewed.id}/review`, { decision: 'reject', feedback: 'needs a test' })).status, 200, 'they reviewed a mission');
  await owner.client.put(`/api/v1/projects/${project.id}/fallback/config`, { backlogThreshold: 4 });
  const P = `/api/v1/projects/${project.id}`;
  const template = (await owner.client.post(`${P}/fallback/templates`, {
    name: 'Sweep', estimatedEffortMinutes: 10,
    flowId: (await owner.client.post(`${P}/flows`, { name: 'default', stages: ['execute'] })).body.id,
    actorId: (await owner.client.post(`${P}/actors`, { name: 'Engineer' })).body.id,
    repositoryId: (await owner.client.post(`${P}/repositories`, { url: `file:///tmp/repo-${project.id}` })).body.id,
  })).body;
  const proposal = (await owner.client.post(`/api/v1/projects/${project.id}/fallback/runs`, {})).body.items.find((i: any) => i.templateId === template.id);
  t.equal((await leaver.client.post(`/api/v1/fallback/items/${proposal.id}/discard`, { feedback: 'not this week' })).status, 200, 'they discarded a proposal');
  const logBefore = JSON.stringify(rowsOf(await app.db.db.execute(sql`SELECT * FROM audit_events ORDER BY id`)));

  t.equal((await api.delete(`/api/v1/users/${leaver.id}`)).status, 204);

  const [event] = (await owner.client.get(`/api/v1/audit-events?organizationId=${org.id}&actorId=${leaver.id}&action=fallback_config.updated`)).body.items;
  t.match(event, { action: 'fallback_config.updated', actor: { type: 'user', id: /^user-[0-9a-f]{12}$/, name: 'deleted user', deleted: true } });
  t.notOk(JSON.stringify(event).includes(leaver.id), 'neither the id');
  t.notOk(JSON.stringify(event).toLowerCase().includes('leaver'), 'nor the name');
  const logAfter = JSON.stringify(rowsOf(await app.db.db.execute(sql`SELECT * FROM audit_events WHERE action <> 'user.deleted' ORDER BY id`)));
  t.equal(logAfter, logBefore, 'the write-once log itself was not rewritten');
  const [row] = rowsOf(await app.db.db.execute(sql`SELECT name, email, pseudonym, deleted_at FROM users WHERE id = ${leaver.id}`));
  t.match(row, { name: null, email: /^user-[0-9a-f]{12}@deleted\.invalid$/, pseudonym: event.actor.id });
  t.notOk(JSON.stringify(row).toLowerCase().includes('leaver'), 'no personal data left on the row');

  t.equal((await leaver.client.get('/api/v1/users/me')).status, 401, 'their keys stop working at once');
  t.notOk((await owner.client.get(`/api/v1/organizations/${org.id}/members`)).body.items.some((m: any) => m.userId === leaver.id), 'memberships gone');
  t.same((await owner.client.get(`/api/v1/projects/${project.id}/members`)).body.items.filter((m: any) => m.userId === leaver.id), [], 'project roles gone');
  t.match((await owner.client.get(`/api/v1/audit-events?organizationId=${org.id}&action=user.deleted`)).body.items, [{ targetId: leaver.id, actor: { id: (await api.get('/api/v1/users/me')).body.id } }], "the organization's admins see it happen");
  t.equal(Number(rowsOf(await app.db.db.execute(inboxChannel))[0]!.n), 0, 'their inbox channel is gone too');
  const review = JSON.stringify([(await owner.client.get(`/api/v1/missions/${reviewed.id}`)).body, (await owner.client.get(`/api/v1/missions/${reviewed.id}/events?limit=500`)).body]);
  t.match(review, /needs a test/, 'their review stays');
  t.notOk(review.toLowerCase().includes('leaver'), 'without their name or e-mail');
  const [rejected] = (await owner.client.get(`/api/v1/audit-events?organizationId=${org.id}&action=mission.rejected&targetId=${reviewed.id}`)).body.items;
  t.match(rejected, { actor: { name: 'deleted user', deleted: true } }, 'the review in the audit log reads "deleted user"');
  const [stored] = rowsOf(await app.db.db.execute(sql`SELECT reviewed_by, review_feedback FROM missions WHERE id = ${reviewed.id}`));
  t.same(stored, { reviewed_by: row!.pseudonym, review_feedback: 'needs a test' }, 'the mission names its reviewer by the pseudonym, not the id');
  const [decided] = rowsOf(await app.db.db.execute(sql`SELECT decided_by, feedback FROM mission_fallback_items WHERE id = ${proposal.id}`));
  t.same(decided, { decided_by: row!.pseudonym, feedback: 'not this week' }, 'the discarded proposal keeps its feedback, by the pseudonym');
  t.equal(Number(rowsOf(await app.db.db.execute(sql`SELECT count(*)::int AS n FROM missions WHERE reviewed_by = ${leaver.id}`))[0]!.n), 0);
  t.equal((await api.delete(`/api/v1/users/${leaver.id}`)).status, 404, 'deleting again: gone already');
  t.equal((await api.post('/api/v1/users', { email: 'leaver.person@deletion.example.com' })).status, 201, 'the e-mail is free again');
});

t.test('refusals: not the instance admin, the last owner, yourself, unknown', async (t) => {
  const someone = await createUser(app, 'someone@deletion.example.com');
  const byOwner = await owner.client.delete(`/api/v1/users/${someone.id}`);
  t.equal(byOwner.status, 403);
  t.equal(byOwner.body.error.code, 'SU_ERR_FORBIDDEN');
  const last = await api.delete(`/api/v1/users/${owner.id}`);
  t.equal(last.status, 409);
  t.equal(last.body.error.code, 'SU_ERR_LAST_OWNER');
  t.equal((await owner.client.get('/api/v1/users/me')).status, 200, 'nothing changed');
  const me = (await api.get('/api/v1/users/me')).body.id;
  t.equal((await api.delete(`/api/v1/users/${me}`)).body.error.code, 'SU_ERR_CONFLICT');
  t.equal((await api.delete('/api/v1/users/01JAAAAAAAAAAAAAAAAAAAAAAA')).status, 404);
  t.equal((await api.delete('/api/v1/users/not-an-id')).status, 400);
});
