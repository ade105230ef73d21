import { newId } from '@solo-unicorn/shared';
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { queryRows } from '../helpers/sql.ts';

const app = await startTestApp(t, {});
const alice = await createUser(app, 'alice@roles.test'); // owner of Acme
const bob = await createUser(app, 'bob@roles.test'); // member of Acme
const carol = await createUser(app, 'carol@roles.test'); // admin of Acme
const dave = await createUser(app, 'dave@roles.test'); // owner of Globex, a stranger to Acme
const acme = await createOrg(alice.client, 'Acme');
const globex = await createOrg(dave.client, 'Globex');
await alice.client.post(`/api/v1/organizations/${acme.id}/members`, { userId: bob.id, role: 'member' });
await alice.client.post(`/api/v1/organizations/${acme.id}/members`, { userId: carol.id, role: 'admin' });

async function projectRoleCount(userId: string) {
  return (await queryRows(app.db, `SELECT 1 FROM project_members WHERE user_id = '${userId}'`)).length;
}

t.test('removing a member from the organization removes their project roles: they can no longer read or write its projects', async (t) => {
  const project = await createProject(alice.client, acme.id);
  const other = await createProject(alice.client, acme.id);
  const mission = await createMission(alice.client, project.id);
  const eve = await createUser(app, `eve-${newId()}@roles.test`);
  await alice.client.post(`/api/v1/organizations/${acme.id}/members`, { userId: eve.id, role: 'viewer' });
  t.equal((await alice.client.post(`/api/v1/projects/${project.id}/members`, { userId: eve.id, role: 'admin' })).status, 201);
  t.equal((await alice.client.post(`/api/v1/projects/${other.id}/members`, { userId: eve.id, role: 'member' })).status, 201);
  t.equal((await eve.client.patch(`/api/v1/projects/${project.id}`, { description: 'eve was here' })).status, 200, 'the project role works while she is a member');

  t.equal((await alice.client.delete(`/api/v1/organizations/${acme.id}/members/${eve.id}`)).status, 204);
  t.equal(await projectRoleCount(eve.id), 0, 'no project role outlives the membership');
  t.equal((await eve.client.get(`/api/v1/projects/${project.id}`)).status, 404);
  t.equal((await eve.client.get(`/api/v1/missions/${mission.id}`)).status, 404);
  t.equal((await eve.client.post(`/api/v1/projects/${project.id}/missions`, { title: 'after offboarding' })).status, 404);
  t.equal((await eve.client.patch(`/api/v1/projects/${project.id}`, { description: 'still?' })).status, 404);
  t.same((await eve.client.get('/api/v1/projects')).body.items, [], 'no project listed');

  // Coming back as a viewer starts from the organization role, not from the old project admin row.
  await alice.client.post(`/api/v1/organizations/${acme.id}/members`, { userId: eve.id, role: 'viewer' });
  t.equal((await eve.client.get(`/api/v1/projects/${project.id}`)).status, 200);
  t.equal((await eve.client.patch(`/api/v1/projects/${project.id}`, { description: 'admin again?' })).status, 403);
});

t.test('a project role left from before offboarding cleaned up grants nothing (a stale row is not access)', async (t) => {
  const project = await createProject(alice.client, acme.id);
  // A row as an older version left it: dave is not in Acme.
  await app.db.exec(`INSERT INTO project_members (id, project_id, user_id, role) VALUES ('${newId()}', '${project.id}', '${dave.id}', 'admin')`);
  t.equal((await dave.client.get(`/api/v1/projects/${project.id}`)).status, 404);
  t.equal((await dave.client.post(`/api/v1/projects/${project.id}/missions`, { title: 'sneaky' })).status, 404);
  const listed = (await dave.client.get('/api/v1/projects')).body.items.map((p: { id: string }) => p.id);
  t.notOk(listed.includes(project.id), 'not listed either');
});

t.test('project roles exist only for organization members; a stranger and a user who does not exist get the same answer', async (t) => {
  const project = await createProject(alice.client, acme.id);
  const stranger = await alice.client.post(`/api/v1/projects/${project.id}/members`, { userId: dave.id, role: 'member' });
  const nobody = await alice.client.post(`/api/v1/projects/${project.id}/members`, { userId: newId(), role: 'member' });
  t.equal(stranger.status, 409);
  t.equal(stranger.body.error.code, 'SU_ERR_PROJECT_ROLE_NOT_MEMBER');
  t.same(nobody.body, stranger.body, 'identical answer: whether the user exists elsewhere is not revealed');
  t.equal(nobody.status, stranger.status);
  t.equal((await dave.client.get(`/api/v1/projects/${project.id}`)).status, 404, 'the stranger got nothing');
});

t.test('a project admin cannot lower the organization owner or an organization admin on a project', async (t) => {
  const project = await createProject(alice.client, acme.id);
  t.equal((await alice.client.post(`/api/v1/projects/${project.id}/members`, { userId: bob.id, role: 'admin' })).status, 201);
  for (const target of [alice, carol]) {
    for (const role of ['viewer', 'member']) {
      const res = await bob.client.post(`/api/v1/projects/${project.id}/members`, { userId: target.id, role });
      t.equal(res.status, 409, `${role} refused`);
      t.equal(res.body.error.code, 'SU_ERR_PROJECT_ROLE_PROTECTED');
    }
    t.equal((await target.client.patch(`/api/v1/projects/${project.id}`, { description: 'still in charge' })).status, 200, 'keeps admin');
  }
  t.equal(await projectRoleCount(alice.id), 0, 'no row was written for the owner');
});

t.test("organization owners and admins keep admin on every project even when a project row says less", async (t) => {
  const project = await createProject(alice.client, acme.id);
  for (const user of [alice, carol]) {
    await app.db.exec(`INSERT INTO project_members (id, project_id, user_id, role) VALUES ('${newId()}', '${project.id}', '${user.id}', 'viewer')`);
    t.equal((await user.client.patch(`/api/v1/projects/${project.id}`, { description: 'not locked out' })).status, 200);
    t.equal((await user.client.post(`/api/v1/projects/${project.id}/missions`, { title: 'still writing' })).status, 201);
  }
});

t.test("mapping a workstation answers the same for one that does not exist and for another organization's", async (t) => {
  const project = await createProject(alice.client, acme.id);
  const theirs = await dave.client.post('/api/v1/workstations', { organizationId: globex.id, name: 'globex box' });
  t.equal(theirs.status, 201);
  const foreign = await alice.client.post(`/api/v1/projects/${project.id}/workstations`, { workstationId: theirs.body.workstation.id });
  const missing = await alice.client.post(`/api/v1/projects/${project.id}/workstations`, { workstationId: newId() });
  t.equal(foreign.status, 400);
  t.same(missing.body, foreign.body, 'identical answer');
  t.equal(missing.status, foreign.status);
  const ours = await alice.client.post('/api/v1/workstations', { organizationId: acme.id, name: 'acme box' });
  t.equal((await alice.client.post(`/api/v1/projects/${project.id}/workstations`, { workstationId: ours.body.workstation.id })).status, 201, 'our own maps');
});

t.test("a project says the caller's own access, so a client offers only what it may do; the same access decides a change", async (t) => {
  const project = await createProject(alice.client, acme.id);
  const viewer = await createUser(app, `vera-${newId()}@roles.test`);
  await alice.client.post(`/api/v1/organizations/${acme.id}/members`, { userId: viewer.id, role: 'viewer' });
  const seen = async (c: typeof alice.client) => (await c.get(`/api/v1/projects/${project.id}`)).body.viewerAccess;
  t.equal(await seen(alice.client), 'owner', 'the organization owner');
  t.equal(await seen(carol.client), 'admin', 'an organization admin');
  t.equal(await seen(bob.client), 'write', 'a member');
  t.equal(await seen(viewer.client), 'read', 'a viewer');
  t.equal((await viewer.client.patch(`/api/v1/projects/${project.id}`, { monthlyBudgetUsd: 5 })).status, 403, 'and a viewer may not change the settings');
  t.equal((await bob.client.patch(`/api/v1/projects/${project.id}`, { monthlyBudgetUsd: 5 })).status, 403, 'nor may a member');
  t.equal((await carol.client.patch(`/api/v1/projects/${project.id}`, { monthlyBudgetUsd: 5 })).status, 200, 'an admin may');
  t.equal((await carol.client.patch(`/api/v1/projects/${project.id}`, { monthlyBudgetUsd: 6 })).body.viewerAccess, undefined, 'only the GET says it');
});
