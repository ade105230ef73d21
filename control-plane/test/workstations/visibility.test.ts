import { newId } from '@solo-unicorn/shared';
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createOrg, createProject, createUser } from '../helpers/fixtures.ts';

// Workstation visibility (#18): what a plain member, an organization admin and the workstation's
// registering user see of it at each level, in the list and by id.

const app = await startTestApp(t);
const uniq = () => `${Date.now()}-${Math.random()}`;

/** An organization whose workstation was registered by `registrant` (an admin then, a plain member now). */
async function setup() {
  const owner = await createUser(app, `org-owner-${uniq()}@example.com`);
  const org = await createOrg(owner.client, 'Visible');
  const [registrant, member, admin] = await Promise.all(['registrant', 'member', 'admin'].map((n) => createUser(app, `${n}-${uniq()}@example.com`)));
  await owner.client.post(`/api/v1/organizations/${org.id}/members`, { userId: registrant!.id, role: 'admin' });
  await owner.client.post(`/api/v1/organizations/${org.id}/members`, { userId: member!.id, role: 'member' });
  await owner.client.post(`/api/v1/organizations/${org.id}/members`, { userId: admin!.id, role: 'admin' });
  const { body } = await registrant!.client.post('/api/v1/workstations', { organizationId: org.id, name: 'my-laptop' });
  // The registering user stays its manager even without admin rights.
  await app.db.db.execute(`UPDATE organization_memberships SET role = 'member' WHERE user_id = '${registrant!.id}'` as any);
  const project = await createProject(owner.client, org.id);
  t.equal((await owner.client.post(`/api/v1/projects/${project.id}/workstations`, { workstationId: body.workstation.id })).status, 201);
  return { org, owner, registrant: registrant!, member: member!, admin: admin!, project, workstationId: body.workstation.id as string };
}

const fullKeys = ['agents', 'currentMissions', 'daemonVersion', 'diskBytes', 'tokenPrefix'];

t.test('each level, for a plain member, an organization admin and the registering user', async (t) => {
  const s = await setup();
  const W = `/api/v1/workstations/${s.workstationId}`;
  for (const level of ['full', 'status', 'hidden'] as const) {
    const set = await s.admin.client.patch(W, { visibility: level });
    t.equal(set.status, 200, `an admin sets ${level}`);
    t.equal(set.body.visibility, level);

    for (const [who, user] of [['admin', s.admin], ['registering user', s.registrant], ['org owner', s.owner]] as const) {
      const one = await user.client.get(W);
      t.equal(one.status, 200, `${level}: the ${who} reads it by id`);
      for (const k of fullKeys) t.ok(k in one.body, `${level}: the ${who} sees ${k}`);
      const listed = (await user.client.get(`/api/v1/workstations?organizationId=${s.org.id}`)).body.items;
      t.same(listed.map((w: any) => w.id), [s.workstationId], `${level}: the ${who} lists it`);
      t.ok('agents' in listed[0], `${level}: the ${who} sees all of it in the list`);
      t.equal((await user.client.get(`${W}/worktrees`)).status, 200, `${level}: the ${who} reads its worktrees`);
    }

    const one = await s.member.client.get(W);
    const listed = (await s.member.client.get('/api/v1/workstations')).body.items;
    const mapped = (await s.member.client.get(`/api/v1/projects/${s.project.id}/workstations`)).body.items;
    const worktrees = await s.member.client.get(`${W}/worktrees`);
    if (level === 'full') {
      t.equal(one.status, 200);
      t.ok('agents' in one.body && 'currentMissions' in one.body, 'full: the member sees everything');
      t.same(listed.map((w: any) => w.id), [s.workstationId]);
      t.equal(worktrees.status, 200);
    } else if (level === 'status') {
      t.equal(one.status, 200, 'status: the member reads it by id');
      t.same(one.body, { id: s.workstationId, organizationId: s.org.id, name: 'my-laptop', online: false, paused: false, visibility: 'status' }, 'status: presence only');
      t.same(listed, [one.body], 'status: the list shows the same presence only');
      t.equal(worktrees.status, 403, 'status: its worktrees stay closed');
      t.equal(worktrees.body.error.code, 'SU_ERR_FORBIDDEN');
      t.same(mapped.map((m: any) => m.workstationId), [s.workstationId], 'status: still named in the project');
    } else {
      t.equal(one.status, 404, 'hidden: 404 by id');
      t.equal(one.body.error.code, 'SU_ERR_NOT_FOUND');
      t.same(listed, [], 'hidden: absent from the list');
      t.equal(worktrees.status, 404, 'hidden: its worktrees are 404');
      t.same(mapped, [], 'hidden: absent from the project\'s workstations');
      t.notMatch(JSON.stringify([one.body, worktrees.body]), 'my-laptop', 'hidden: its name shows nowhere');
    }
  }
});

t.test('who may set it: organization admins; a plain member gets 403, an outsider 404; bad input is a 400', async (t) => {
  const s = await setup();
  const W = `/api/v1/workstations/${s.workstationId}`;
  const byMember = await s.member.client.patch(W, { visibility: 'hidden' });
  t.equal(byMember.status, 403);
  const outsider = await createUser(app, `outsider-${uniq()}@example.com`);
  t.equal((await outsider.client.patch(W, { visibility: 'hidden' })).status, 404);
  for (const body of [{ visibility: 'secret' }, {}, { visibility: 'full', name: 'x' }]) {
    const bad = await s.admin.client.patch(W, body);
    t.equal(bad.status, 400, `refused: ${JSON.stringify(body)}`);
    t.equal(bad.body.error.code, 'SU_ERR_VALIDATION');
  }
  t.equal((await s.member.client.get(W)).body.visibility, 'full', 'nothing changed');
});

t.test('each change is audited once; setting the same level again records nothing', async (t) => {
  const s = await setup();
  const W = `/api/v1/workstations/${s.workstationId}`;
  await s.admin.client.patch(W, { visibility: 'status' });
  await s.admin.client.patch(W, { visibility: 'status' });
  await s.admin.client.patch(W, { visibility: 'full' });
  const { rows } = await app.db.db.execute(
    `SELECT actor_id, data FROM audit_events WHERE action = 'workstation.visibility_changed' AND target_id = '${s.workstationId}' ORDER BY created_at` as any,
  ) as any;
  t.same(rows.map((r: any) => [r.actor_id, r.data]), [[s.admin.id, { from: 'full', to: 'status' }], [s.admin.id, { from: 'status', to: 'full' }]]);
});

t.test('dispatch reasons, which every project reader gets, never name a hidden workstation nor why it is paused', async (t) => {
  const s = await setup();
  const W = `/api/v1/workstations/${s.workstationId}`;
  await s.admin.client.post(`${W}/pause`, { reason: 'secret-upgrade' });
  const { body: m } = await s.owner.client.post(`/api/v1/projects/${s.project.id}/missions`, { title: 'waits', ready: true });
  const reasons = async () => JSON.stringify((await s.member.client.get(`/api/v1/missions/${m.id}`)).body.dispatch.reasons);

  t.match(await reasons(), /secret-upgrade.*my-laptop/, 'full: the reason names it and says why');
  await s.admin.client.patch(W, { visibility: 'hidden' });
  const hidden = await reasons();
  t.match(hidden, /workstation_paused/, 'hidden: the mission still says a paused workstation holds it');
  t.notMatch(hidden, /my-laptop|secret-upgrade/, 'hidden: neither its name nor the pause reason');
});

t.test('a project admin cannot map a workstation hidden from it: the same answer as one that does not exist', async (t) => {
  const s = await setup();
  const other = await createProject(s.owner.client, s.org.id);
  t.equal((await s.owner.client.post(`/api/v1/projects/${other.id}/members`, { userId: s.member.id, role: 'admin' })).status, 201);
  const map = () => s.member.client.post(`/api/v1/projects/${other.id}/workstations`, { workstationId: s.workstationId });
  const missing = await s.member.client.post(`/api/v1/projects/${other.id}/workstations`, { workstationId: newId() });
  await s.admin.client.patch(`/api/v1/workstations/${s.workstationId}`, { visibility: 'hidden' });
  const hidden = await map();
  t.equal(hidden.status, missing.status, 'hidden: refused as if it did not exist');
  t.same(hidden.body.error?.code, missing.body.error?.code);
  t.same((await s.owner.client.get(`/api/v1/projects/${other.id}/workstations`)).body.items, [], 'and nothing was mapped');
  await s.admin.client.patch(`/api/v1/workstations/${s.workstationId}`, { visibility: 'status' });
  t.equal((await map()).status, 201, 'status: the project admin may map it');
});

t.test('paging past a hidden workstation: the member walks every page and gets only what it may see', async (t) => {
  const s = await setup();
  const names = ['b-one', 'c-two', 'd-three'];
  const ids: string[] = [s.workstationId];
  for (const name of names) ids.push((await s.admin.client.post('/api/v1/workstations', { organizationId: s.org.id, name })).body.workstation.id);
  await s.admin.client.patch(`/api/v1/workstations/${ids[0]}`, { visibility: 'hidden' });
  await s.admin.client.patch(`/api/v1/workstations/${ids[2]}`, { visibility: 'hidden' });
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const res = await s.member.client.get(`/api/v1/workstations?organizationId=${s.org.id}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    t.equal(res.status, 200);
    seen.push(...res.body.items.map((w: any) => w.id));
    cursor = res.body.nextCursor ?? undefined;
    if (!cursor) break;
  }
  t.same(seen.sort(), [ids[1], ids[3]].sort(), 'the two visible ones, each once');
});
