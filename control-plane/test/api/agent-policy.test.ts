import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject, createUser } from '../helpers/fixtures.ts';
import { attemptFrames, servedProject } from '../dispatch/fixtures.ts';

// The agents' permission policy (per project, overridable per mission) and the monthly budget:
// what the API accepts, who may set them, and what a workstation is told to run with.
const app = await startTestApp(t, { dispatch: { offlineGraceMs: 60_000, tickMs: 60_000, maxAttempts: 2 } });
const api = app.admin;
const org = await createOrg(api, 'Policy Org');
const member = await createUser(app, 'member@policy.test');
const orgAdmin = await createUser(app, 'admin@policy.test');
await api.post(`/api/v1/organizations/${org.id}/members`, { userId: member.id, role: 'member' });
await api.post(`/api/v1/organizations/${org.id}/members`, { userId: orgAdmin.id, role: 'admin' });

t.test('a project runs its agents with edits and no budget unless told otherwise; both can be set and cleared', async (t) => {
  const plain = await createProject(api, org.id);
  t.match(plain, { agentPermissionPolicy: 'edits', monthlyBudgetUsd: null });

  const set = await createProject(api, org.id, { agentPermissionPolicy: 'readonly', monthlyBudgetUsd: 25.5 });
  t.match(set, { agentPermissionPolicy: 'readonly', monthlyBudgetUsd: 25.5 });
  t.match((await api.get(`/api/v1/projects/${set.id}`)).body, { agentPermissionPolicy: 'readonly', monthlyBudgetUsd: 25.5 }, 'stored, not only echoed');

  const patched = await orgAdmin.client.patch(`/api/v1/projects/${set.id}`, { agentPermissionPolicy: 'full', monthlyBudgetUsd: null });
  t.equal(patched.status, 200);
  t.match(patched.body, { agentPermissionPolicy: 'full', monthlyBudgetUsd: null });
  t.match((await api.get(`/api/v1/projects/${set.id}`)).body, { agentPermissionPolicy: 'full', monthlyBudgetUsd: null });
  t.equal((await api.patch(`/api/v1/projects/${set.id}`, { monthlyBudgetUsd: 0 })).body.monthlyBudgetUsd, 0, 'a zero budget is a budget, not none');
});

t.test('a policy or budget the project cannot have is a 400 naming the field, and changes nothing', async (t) => {
  const project = await createProject(api, org.id, { monthlyBudgetUsd: 10 });
  const bad = [
    { agentPermissionPolicy: 'yolo' }, { agentPermissionPolicy: null }, { agentPermissionPolicy: 'EDITS' },
    { monthlyBudgetUsd: -1 }, { monthlyBudgetUsd: 1.234 }, { monthlyBudgetUsd: '10' }, { monthlyBudgetUsd: 1e11 },
  ];
  for (const body of bad) {
    const field = Object.keys(body)[0]!;
    const patch = await api.patch(`/api/v1/projects/${project.id}`, body);
    t.equal(patch.status, 400, `PATCH ${JSON.stringify(body)}`);
    t.equal(patch.body.error.code, 'SU_ERR_VALIDATION');
    t.match(patch.body.error.message, field);
    const create = await api.post('/api/v1/projects', { organizationId: org.id, name: `bad ${Math.random()}`, ...body });
    t.equal(create.status, 400, `POST ${JSON.stringify(body)}`);
    t.equal(create.body.error.code, 'SU_ERR_VALIDATION');
  }
  t.match((await api.get(`/api/v1/projects/${project.id}`)).body, { agentPermissionPolicy: 'edits', monthlyBudgetUsd: 10 }, 'unchanged');
  const names = (await api.get(`/api/v1/projects?organizationId=${org.id}&limit=200`)).body.items.map((p: { name: string }) => p.name);
  t.notOk(names.some((n: string) => n.startsWith('bad ')), 'no project was created by a rejected request');
});

t.test("only who may change the project's settings may change its policy and budget; a mission's override is a mission edit", async (t) => {
  const project = await createProject(api, org.id);
  const denied = await member.client.patch(`/api/v1/projects/${project.id}`, { agentPermissionPolicy: 'full' });
  t.equal(denied.status, 403, 'an organization member cannot widen what agents may do project-wide');
  t.equal((await member.client.patch(`/api/v1/projects/${project.id}`, { monthlyBudgetUsd: 1000 })).status, 403);
  t.match((await api.get(`/api/v1/projects/${project.id}`)).body, { agentPermissionPolicy: 'edits', monthlyBudgetUsd: null });

  const mission = await createMission(member.client, project.id, { agentPermissionPolicy: 'readonly' });
  t.equal(mission.agentPermissionPolicy, 'readonly', 'a member sets the override on a mission they create');
  const cleared = await member.client.patch(`/api/v1/missions/${mission.id}`, { agentPermissionPolicy: null });
  t.equal(cleared.status, 200);
  t.equal(cleared.body.agentPermissionPolicy, null, "null hands the mission back to the project's policy");
  const events = (await api.get(`/api/v1/missions/${mission.id}/events`)).body.items as { kind: string; data: any }[];
  t.same(events.find((e) => e.kind === 'mission.updated')?.data.changes.agentPermissionPolicy, { from: 'readonly', to: null }, 'the timeline shows the change');

  const bad = await member.client.patch(`/api/v1/missions/${mission.id}`, { agentPermissionPolicy: 'root' });
  t.equal(bad.status, 400);
  t.equal(bad.body.error.code, 'SU_ERR_VALIDATION');
  t.equal((await member.client.post(`/api/v1/projects/${project.id}/missions`, { title: 'x', agentPermissionPolicy: 'bypass' })).status, 400);
});

t.test("the workstation is told the mission's policy, else the project's", async (t) => {
  const p = await servedProject(app);
  t.equal((await api.patch(`/api/v1/projects/${p.project.id}`, { agentPermissionPolicy: 'readonly' })).status, 200);
  const client = await p.connect();
  const policyOf = async (body: Record<string, unknown>) => {
    const m = await p.mission(body);
    const assign = await client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === m.id, `assign of ${m.id}`);
    // Finished, so the workstation has room for the next mission.
    const f = attemptFrames(assign);
    client.send(f.accepted());
    client.send(f.finished('succeeded', { branch: assign.payload.mission.branch }));
    await client.waitFor((x: any) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === assign.payload.attemptId), 'ack of the finish');
    return assign.payload.permissionPolicy;
  };
  t.equal(await policyOf({}), 'readonly', "the project's policy");
  t.equal(await policyOf({ agentPermissionPolicy: 'full' }), 'full', "the mission's override wins");
  t.equal(await policyOf({ agentPermissionPolicy: 'edits' }), 'edits', 'also when it is narrower or wider in either direction');
  await client.close();
});
