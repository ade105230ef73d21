import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { createMission, createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { queryRows } from '../helpers/sql.ts';

// Real time: the audit table's WORM trigger judges age by the database's clock.
const clock = manualClock(new Date());
const app = await startTestApp(t, { clock });
const alice = await createUser(app, 'alice@access.test'); // owner of Acme
const bob = await createUser(app, 'bob@access.test'); // viewer of Acme
const carol = await createUser(app, 'carol@access.test'); // viewer of Acme
const dave = await createUser(app, 'dave@access.test'); // outside Acme
const acme = await createOrg(alice.client, 'Acme');
for (const u of [bob, carol]) await alice.client.post(`/api/v1/organizations/${acme.id}/members`, { userId: u.id, role: 'viewer' });

const inbox = async (client: typeof alice.client, kind: string) =>
  ((await client.get('/api/v1/notifications?limit=200')).body.items as { kind: string; data: Record<string, unknown>; body: string | null }[]).filter((n) => n.kind === kind);

t.test('a viewer asks for member with a message; the admin is told, approves, and the viewer can now write', async (t) => {
  const project = await createProject(alice.client, acme.id);
  t.equal((await bob.client.post(`/api/v1/projects/${project.id}/missions`, { title: 'before' })).status, 403, 'a viewer cannot write yet');

  const asked = await bob.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'member', message: 'I fix the flaky tests' });
  t.equal(asked.status, 201);
  t.match(asked.body, { projectId: project.id, userId: bob.id, userEmail: 'bob@access.test', role: 'member', status: 'pending', message: 'I fix the flaky tests', decidedBy: null });
  const told = (await inbox(alice.client, 'access_request.created')).find((n) => n.data.accessRequestId === asked.body.id);
  t.ok(told, "the project's admin has it in the inbox");
  t.equal(told?.body, 'I fix the flaky tests', 'with the message');

  const again = await bob.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'admin' });
  t.equal(again.status, 409);
  t.equal(again.body.error.code, 'SU_ERR_ACCESS_REQUEST_PENDING');
  t.equal(again.body.error.details.accessRequestId, asked.body.id, 'points at the open request');

  t.equal((await bob.client.get(`/api/v1/projects/${project.id}/access-requests`)).status, 403, 'a viewer does not read the requests of others');
  t.equal((await bob.client.post(`/api/v1/access-requests/${asked.body.id}/approve`, {})).status, 403, 'nor approves their own');
  t.same((await bob.client.get('/api/v1/access-requests')).body.items.map((r: { id: string }) => r.id), [asked.body.id], 'their own list has it');
  const pending = await alice.client.get(`/api/v1/projects/${project.id}/access-requests?status=pending`);
  t.same(pending.body.items.map((r: { id: string }) => r.id), [asked.body.id], 'the admin lists the pending request');

  const approved = await alice.client.post(`/api/v1/access-requests/${asked.body.id}/approve`, {});
  t.equal(approved.status, 200);
  t.match(approved.body, { status: 'approved', role: 'member', decidedBy: alice.id });
  t.equal((await bob.client.post(`/api/v1/projects/${project.id}/missions`, { title: 'after' })).status, 201, 'the role works at once');
  t.equal((await inbox(bob.client, 'access_request.approved')).filter((n) => n.data.accessRequestId === asked.body.id).length, 1, 'the requester is told');

  const twice = await alice.client.post(`/api/v1/access-requests/${asked.body.id}/decline`, {});
  t.equal(twice.status, 409);
  t.equal(twice.body.error.code, 'SU_ERR_ACCESS_REQUEST_DECIDED', 'a decision is final');
  const audit = await queryRows<{ action: string }>(app.db, `SELECT action FROM audit_events WHERE data->>'accessRequestId' = '${asked.body.id}' ORDER BY created_at`);
  t.same(audit.map((a) => a.action), ['access_request.created', 'access_request.approved'], 'both on the audit log');
  t.equal((await queryRows(app.db, `SELECT 1 FROM audit_events WHERE data::text LIKE '%flaky%'`)).length, 0, 'never the message text');
});

t.test('declined: the requester is told and gets nothing; an approver may grant less than asked', async (t) => {
  const project = await createProject(alice.client, acme.id);
  const mission = await createMission(alice.client, project.id);
  const asked = (await carol.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'admin', message: 'let me in' })).body;
  const declined = await alice.client.post(`/api/v1/access-requests/${asked.id}/decline`, {});
  t.match(declined.body, { status: 'rejected', decidedBy: alice.id });
  t.equal((await inbox(carol.client, 'access_request.declined')).filter((n) => n.data.accessRequestId === asked.id).length, 1);
  t.equal((await carol.client.patch(`/api/v1/missions/${mission.id}`, { title: 'x' })).status, 403, 'still a viewer');

  const second = (await carol.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'admin' })).body;
  t.equal(second.status, 'pending', 'she may ask again after a decision');
  const granted = await alice.client.post(`/api/v1/access-requests/${second.id}/approve`, { role: 'member' });
  t.match(granted.body, { status: 'approved', role: 'member' }, 'the granted role is recorded');
  t.equal((await carol.client.patch(`/api/v1/missions/${mission.id}`, { title: 'x' })).status, 200, 'member: she writes');
  t.equal((await carol.client.patch(`/api/v1/projects/${project.id}`, { description: 'x' })).status, 403, 'but does not administer');
});

t.test('access-request notifications follow the person\'s preferences: a kind turned off is not written', async (t) => {
  const project = await createProject(alice.client, acme.id);
  t.equal((await carol.client.patch('/api/v1/notification-preferences', { kinds: [{ organizationId: acme.id, kind: 'access_request.declined', enabled: false }] })).status, 200);
  t.teardown(() => carol.client.patch('/api/v1/notification-preferences', { kinds: [{ organizationId: acme.id, kind: 'access_request.declined', enabled: true }] }));
  const asked = (await carol.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'member' })).body;
  t.equal((await alice.client.post(`/api/v1/access-requests/${asked.id}/decline`, {})).status, 200);
  t.same((await inbox(carol.client, 'access_request.declined')).filter((n) => n.data.accessRequestId === asked.id), [], 'she turned that kind off');
  const kinds = (await carol.client.get('/api/v1/notification-preferences')).body.kinds.filter((k: { kind: string }) => k.kind.startsWith('access_request.'));
  t.same(kinds.map((k: { kind: string }) => k.kind).sort(), ['access_request.approved', 'access_request.created', 'access_request.declined'], 'the preferences form offers the access-request kinds');
});

t.test('who may ask and who may decide: invisible projects are 404, needless asks 409; an outsider approved becomes an outside collaborator of that one project', async (t) => {
  const secret = await createProject(alice.client, acme.id);
  const open = await createProject(alice.client, acme.id, { visibility: 'public' });
  const hidden = await dave.client.post(`/api/v1/projects/${secret.id}/access-requests`, { role: 'viewer' });
  t.equal(hidden.status, 404, 'a private project of another organization does not exist for dave');

  const needless = await alice.client.post(`/api/v1/projects/${secret.id}/access-requests`, { role: 'admin' });
  t.equal(needless.status, 409);
  t.equal(needless.body.error.code, 'SU_ERR_ACCESS_REQUEST_UNNEEDED');

  const todo = await createMission(alice.client, open.id, { title: 'not done yet' });
  t.equal((await dave.client.get(`/api/v1/missions/${todo.id}`)).status, 404, 'a reader of a public project sees only Done missions');
  const outsider = await dave.client.post(`/api/v1/projects/${open.id}/access-requests`, { role: 'member', message: 'drive-by fix' });
  t.equal(outsider.status, 201, 'anyone who can read a public project may ask');
  t.equal((await dave.client.get(`/api/v1/access-requests/${outsider.body.id}`)).status, 200, 'the requester reads their request');
  t.equal((await bob.client.get(`/api/v1/access-requests/${outsider.body.id}`)).status, 403, 'another reader of the project may not');
  const approved = await alice.client.post(`/api/v1/access-requests/${outsider.body.id}/approve`, {});
  t.equal(approved.status, 200, 'an outsider is approved without joining the organization');
  t.match(approved.body, { status: 'approved', role: 'member' });
  t.equal((await inbox(dave.client, 'access_request.approved')).filter((n) => n.data.accessRequestId === outsider.body.id).length, 1, 'he is told');

  // What an outside collaborator gets: the role on this project, and nothing else of the organization.
  t.equal((await dave.client.post(`/api/v1/projects/${open.id}/missions`, { title: 'fix' })).status, 201, 'he writes on the project');
  t.equal((await dave.client.get(`/api/v1/missions/${todo.id}`)).status, 200, 'and reads its missions in every list');
  t.ok((await dave.client.get('/api/v1/projects')).body.items.some((p: { id: string }) => p.id === open.id), 'the project is in his list');
  t.equal((await dave.client.patch(`/api/v1/projects/${open.id}`, { description: 'mine now' })).status, 403, 'he does not administer it');
  t.equal((await dave.client.get(`/api/v1/projects/${secret.id}`)).status, 404, 'the organization\'s other projects stay invisible');
  t.equal((await dave.client.get(`/api/v1/organizations/${acme.id}`)).status, 404, 'and so does the organization');
  t.equal((await dave.client.get(`/api/v1/workstations?organizationId=${acme.id}`)).status, 404, 'and its workstations');
  const members = (await alice.client.get(`/api/v1/projects/${open.id}/members`)).body.items;
  t.match(members.find((m: { userId: string }) => m.userId === dave.id), { role: 'member', outside: true }, 'the admins see him as an outside collaborator');
  await alice.client.patch(`/api/v1/projects/${open.id}`, { visibility: 'private' });
  t.equal((await dave.client.get(`/api/v1/missions/${todo.id}`)).status, 200, 'a collaborator keeps the project when it turns private');
  await alice.client.patch(`/api/v1/projects/${open.id}`, { visibility: 'public' });

  // From outside, admin is not given: the admins may grant member instead.
  const forAdmin = (await dave.client.post(`/api/v1/projects/${open.id}/access-requests`, { role: 'admin' })).body.id;
  t.equal((await dave.client.post(`/api/v1/access-requests/${forAdmin}/approve`, {})).status, 403, 'a collaborator decides nothing');
  const refused = await alice.client.post(`/api/v1/access-requests/${forAdmin}/approve`, {});
  t.equal(refused.status, 409);
  t.equal(refused.body.error.code, 'SU_ERR_OUTSIDER_ROLE', 'an outsider is never made admin of a project');
  t.equal((await alice.client.get(`/api/v1/access-requests/${forAdmin}`)).body.status, 'pending', 'the request waits');
  t.equal((await alice.client.post(`/api/v1/access-requests/${forAdmin}/decline`, {})).status, 200);

  // Removed from the project, he is a reader of a public project again, at once.
  t.equal((await alice.client.delete(`/api/v1/projects/${open.id}/members/${dave.id}`)).status, 204);
  t.equal((await dave.client.get(`/api/v1/missions/${todo.id}`)).status, 404, 'back to Done missions only');
  t.equal((await dave.client.post(`/api/v1/projects/${open.id}/missions`, { title: 'after' })).status, 403, 'and no writing');

  const strangerId = (await dave.client.post(`/api/v1/projects/${open.id}/access-requests`, { role: 'admin' })).body.id;
  t.equal((await dave.client.post(`/api/v1/access-requests/${strangerId}/approve`, {})).status, 403, 'a reader of a public project decides nothing');
  await alice.client.patch(`/api/v1/projects/${open.id}`, { visibility: 'private' });
  t.equal((await dave.client.post(`/api/v1/access-requests/${strangerId}/decline`, {})).status, 404, 'nor sees it once the project is private');
});

t.test('an outside collaborator who joins the organization, then leaves it, keeps nothing of the project', async (t) => {
  const project = await createProject(alice.client, acme.id, { visibility: 'public' });
  const erin = await createUser(app, 'erin@access.test');
  const asked = (await erin.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'viewer' })).body.id;
  t.equal((await alice.client.post(`/api/v1/access-requests/${asked}/approve`, {})).status, 200);
  const todo = await createMission(alice.client, project.id, { title: 'in todo' });
  t.equal((await erin.client.get(`/api/v1/missions/${todo.id}`)).status, 200, 'a viewer from outside');
  await alice.client.post(`/api/v1/organizations/${acme.id}/members`, { userId: erin.id, role: 'member' });
  t.equal((await alice.client.post(`/api/v1/projects/${project.id}/members`, { userId: erin.id, role: 'member' })).status, 201, 'now an override like any member\'s');
  t.match((await alice.client.get(`/api/v1/projects/${project.id}/members`)).body.items.find((m: { userId: string }) => m.userId === erin.id), { outside: false });
  t.equal((await alice.client.delete(`/api/v1/organizations/${acme.id}/members/${erin.id}`)).status, 204);
  t.equal((await erin.client.get(`/api/v1/missions/${todo.id}`)).status, 404, 'offboarding removes the project role too');
  t.equal((await erin.client.post(`/api/v1/projects/${project.id}/missions`, { title: 'x' })).status, 403);
});

t.test('an outside collaborator: the admins move them between viewer and member (never admin); they may leave; a member may not drop their own override', async (t) => {
  const project = await createProject(alice.client, acme.id, { visibility: 'public' });
  const gus = await createUser(app, 'gus@access.test');
  const asked = (await gus.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'viewer' })).body.id;
  t.equal((await alice.client.post(`/api/v1/access-requests/${asked}/approve`, {})).status, 200);
  const member = await alice.client.post(`/api/v1/projects/${project.id}/members`, { userId: gus.id, role: 'member' });
  t.equal(member.status, 201);
  t.match(member.body, { role: 'member', outside: true }, 'viewer → member, still from outside');
  t.equal((await gus.client.post(`/api/v1/projects/${project.id}/missions`, { title: 'now I write' })).status, 201);
  const admin = await alice.client.post(`/api/v1/projects/${project.id}/members`, { userId: gus.id, role: 'admin' });
  t.equal(admin.status, 409);
  t.equal(admin.body.error.code, 'SU_ERR_OUTSIDER_ROLE');

  t.equal((await gus.client.delete(`/api/v1/projects/${project.id}/members/${gus.id}`)).status, 204, 'he leaves the project himself');
  t.equal((await gus.client.post(`/api/v1/projects/${project.id}/missions`, { title: 'gone' })).status, 403, 'a reader of a public project again');

  // bob (viewer of Acme) with a member override must not lift it by removing it himself.
  t.equal((await alice.client.post(`/api/v1/projects/${project.id}/members`, { userId: bob.id, role: 'member' })).status, 201);
  t.equal((await bob.client.delete(`/api/v1/projects/${project.id}/members/${bob.id}`)).status, 403, 'an override is the admins\' to drop');
});

t.test('leaving the organization declines the pending requests made as a member; a private project never takes an outsider', async (t) => {
  const secret = await createProject(alice.client, acme.id);
  const fred = await createUser(app, 'fred@access.test');
  await alice.client.post(`/api/v1/organizations/${acme.id}/members`, { userId: fred.id, role: 'viewer' });
  const asked = (await fred.client.post(`/api/v1/projects/${secret.id}/access-requests`, { role: 'member' })).body.id;
  t.equal((await alice.client.delete(`/api/v1/organizations/${acme.id}/members/${fred.id}`)).status, 204);
  t.match((await alice.client.get(`/api/v1/access-requests/${asked}`)).body, { status: 'rejected', decidedBy: null }, 'declined with the membership');
  const late = await alice.client.post(`/api/v1/access-requests/${asked}/approve`, {});
  t.equal(late.status, 409);
  t.equal(late.body.error.code, 'SU_ERR_ACCESS_REQUEST_DECIDED', 'no way back in through an old request');
  t.equal((await fred.client.get(`/api/v1/projects/${secret.id}`)).status, 404);

  // An outsider asked while the project was public; it turned private before the decision.
  const turning = await createProject(alice.client, acme.id, { visibility: 'public' });
  const hal = await createUser(app, 'hal@access.test');
  const hals = (await hal.client.post(`/api/v1/projects/${turning.id}/access-requests`, { role: 'viewer' })).body.id;
  await alice.client.patch(`/api/v1/projects/${turning.id}`, { visibility: 'private' });
  const refused = await alice.client.post(`/api/v1/access-requests/${hals}/approve`, {});
  t.equal(refused.status, 409);
  t.equal(refused.body.error.code, 'SU_ERR_PROJECT_ROLE_NOT_MEMBER', 'a private project is for the organization\'s people');
  t.equal((await hal.client.get(`/api/v1/projects/${turning.id}`)).status, 404);
});

t.test('auto-approve grants viewer and member to organization members at once; admin still waits', async (t) => {
  const project = await createProject(alice.client, acme.id, { autoApproveAccessRequests: true });
  t.equal((await alice.client.get(`/api/v1/projects/${project.id}`)).body.autoApproveAccessRequests, true);
  const eve = await createUser(app, 'eve@access.test');
  await alice.client.post(`/api/v1/organizations/${acme.id}/members`, { userId: eve.id, role: 'viewer' });
  const member = await eve.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'member' });
  t.match(member.body, { status: 'approved', role: 'member', decidedBy: null });
  t.equal((await eve.client.post(`/api/v1/projects/${project.id}/missions`, { title: 'auto' })).status, 201);
  t.equal((await inbox(eve.client, 'access_request.approved')).filter((n) => n.data.accessRequestId === member.body.id).length, 1, 'she is told');
  t.equal((await inbox(alice.client, 'access_request.created')).filter((n) => n.data.accessRequestId === member.body.id).length, 0, 'nothing for the admins to do');
  const admin = await eve.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'admin' });
  t.equal(admin.body.status, 'pending', 'admin is never handed out automatically');
});

t.test('two admins deciding at once: one decision wins, the other is told it was decided', async (t) => {
  const project = await createProject(alice.client, acme.id);
  const frank = await createUser(app, 'frank@access.test');
  await alice.client.post(`/api/v1/organizations/${acme.id}/members`, { userId: frank.id, role: 'admin' });
  const asked = (await bob.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'member' })).body;
  const [a, b] = await Promise.all([
    alice.client.post(`/api/v1/access-requests/${asked.id}/approve`, {}),
    frank.client.post(`/api/v1/access-requests/${asked.id}/decline`, {}),
  ]);
  t.same([a.status, b.status].sort(), [200, 409]);
  const final = (await bob.client.get(`/api/v1/access-requests/${asked.id}`)).body.status;
  t.equal((await inbox(bob.client, final === 'approved' ? 'access_request.approved' : 'access_request.declined')).filter((n) => n.data.accessRequestId === asked.id).length, 1, 'one notification, of the decision that won');
});

t.test('the message is anonymized 30 days after the decision by the retention job; pending ones keep theirs', async (t) => {
  const project = await createProject(alice.client, acme.id);
  const decided = (await bob.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'member', message: 'decided soon' })).body;
  await alice.client.post(`/api/v1/access-requests/${decided.id}/decline`, {});
  const open = (await bob.client.post(`/api/v1/projects/${project.id}/access-requests`, { role: 'member', message: 'still open' })).body;
  const realNow = clock.now();
  try {
    clock.set(new Date(realNow.getTime() + 29 * 86_400_000));
    await app.app.retention.run();
    t.equal((await alice.client.get(`/api/v1/access-requests/${decided.id}`)).body.message, 'decided soon', 'kept for 30 days');
    clock.set(new Date(realNow.getTime() + 31 * 86_400_000));
    await app.app.retention.run();
    t.equal((await alice.client.get(`/api/v1/access-requests/${decided.id}`)).body.message, null, 'gone after 30 days');
    t.equal((await alice.client.get(`/api/v1/access-requests/${open.id}`)).body.message, 'still open', 'an undecided request keeps its text');
  } finally {
    clock.set(realNow);
  }
});

t.test('bad input is a 400, never a 500', async (t) => {
  const project = await createProject(alice.client, acme.id);
  for (const body of [{ role: 'owner' }, { role: 'member', message: 'x'.repeat(2001) }, { role: 'member', extra: 1 }]) {
    const res = await bob.client.post(`/api/v1/projects/${project.id}/access-requests`, body);
    t.equal(res.status, 400, JSON.stringify(body).slice(0, 60));
    t.equal(res.body.error.code, 'SU_ERR_VALIDATION');
  }
  t.equal((await alice.client.post('/api/v1/access-requests/not-an-id/approve', {})).status, 400);
  t.equal((await alice.client.post('/api/v1/access-requests/01HZZZZZZZZZZZZZZZZZZZZZZZ/approve', {})).status, 404);
});
