import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { attemptFrames, pushMissionBranch, servedProject } from '../dispatch/fixtures.ts';

// "Why isn't it running?": every mission carries dispatch {state, reasons[]}, computed from the real
// board, workstations and limits. Each test walks one reason through the HTTP API.
const app = await startTestApp(t, { dispatch: { offlineGraceMs: 600_000, tickMs: 600_000, maxAttempts: 3 } });
const api = app.admin;
const dispatchOf = async (id: string) => (await api.get(`/api/v1/missions/${id}`)).body.dispatch;
const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code);
const assignOf = (client: any, missionId: string) => client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === missionId, `assign of ${missionId}`);

t.test('a mission without a repository says so, with the fix, even when ticked ready (dead end 1)', async (t) => {
  const org = await createOrg(api);
  const project = await createProject(api, org.id);
  const m = await createMission(api, project.id, { title: 'no repo', ready: true });
  t.equal(m.dispatch.state, 'blocked', 'in the create answer too');
  const d = await dispatchOf(m.id);
  t.equal(d.reasons[0].code, 'no_repository');
  t.match(d.reasons[0], { message: /no repository/, fix: /Link a repository to the project/ });
  t.same(codes(d), ['no_repository', 'no_workstation_mapped']);
  // A repository exists now: the fix is to choose it.
  await api.post(`/api/v1/projects/${project.id}/repositories`, { url: `file:///tmp/dispatch-${project.id}.git` });
  t.match((await dispatchOf(m.id)).reasons[0], { code: 'no_repository', fix: /Choose a repository/ });
});

t.test('not ready, blocked by dependencies, and a workstation that is not mapped', async (t) => {
  const org = await createOrg(api);
  const project = await createProject(api, org.id);
  const repo = (await api.post(`/api/v1/projects/${project.id}/repositories`, { url: `file:///tmp/dispatch-${project.id}.git` })).body;
  const blocker = await createMission(api, project.id, { repositoryId: repo.id });
  t.same(blocker.dispatch, {
    state: 'not_ready',
    reasons: [
      { code: 'not_ready', message: 'The mission is not marked ready for an agent.', fix: 'Tick “Ready for an agent” in its Edit form (PATCH ready: true).' },
      { code: 'no_workstation_mapped', message: 'No workstation serves this project.', fix: 'Map a workstation to the project (POST /api/v1/projects/:id/workstations {workstationId}).' },
    ],
  });
  const blocked = await createMission(api, project.id, { repositoryId: repo.id, ready: true, dependsOn: [blocker.id] });
  t.equal(blocked.dispatch.state, 'blocked');
  t.same(codes(blocked.dispatch), ['blocked_by_dependencies', 'no_workstation_mapped']);
  t.match(blocked.dispatch.reasons[0].message, /1 unfinished dependency/);
});

t.test('mapped but offline, then online: queued missions run; a full workstation leaves the next one queued with no_free_slot', async (t) => {
  const p = await servedProject(app, { maxConcurrentMissions: 1 });
  const a = await p.mission({ title: 'first' });
  t.equal((await dispatchOf(a.id)).state, 'blocked');
  t.match((await dispatchOf(a.id)).reasons, [{ code: 'no_workstation_online', message: /None of the 1 workstation serving this project is connected/, fix: /solo-unicorn daemon/ }]);

  const client = await p.connect();
  await assignOf(client, a.id);
  t.same(await dispatchOf(a.id), { state: 'running', reasons: [] }, 'assigned: running');
  const b = await p.mission({ title: 'second' });
  const queued = await dispatchOf(b.id);
  t.equal(queued.state, 'queued', 'a full house is a queue, not a block');
  t.match(queued.reasons, [{ code: 'no_free_slot', message: /1 of 1 slots in use/ }]);

  // The list carries the same object for every mission.
  const list = (await api.get(`/api/v1/projects/${p.project.id}/missions`)).body.items;
  t.same(list.map((m: any) => [m.title, m.dispatch.state]), [['second', 'queued'], ['first', 'running']]);
  await client.close();
});

t.test("the project's own limit holds a mission back with no_free_slot", async (t) => {
  const p = await servedProject(app, { maxConcurrentMissions: 4, projectMax: 1 });
  const client = await p.connect();
  const a = await p.mission();
  await assignOf(client, a.id);
  const b = await p.mission();
  t.match(await dispatchOf(b.id), { state: 'queued', reasons: [{ code: 'no_free_slot', message: /already runs 1 missions, its limit of 1/ }] });
  await client.close();
});

t.test('an agent at its usage limit on every workstation: agent_limited with the reset time', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission();
  const assign = await assignOf(client, m.id);
  const f = attemptFrames(assign);
  const until = new Date(Date.now() + 2 * 3_600_000);
  client.send(f.accepted());
  client.send(f.finished('limited' as any, { reason: 'usage limit reached', limitedUntil: until.toISOString() }));
  await client.waitFor((x: any) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === assign.payload.attemptId), 'ack');
  const d = await dispatchOf(m.id);
  t.equal(d.state, 'blocked');
  t.match(d.reasons, [{ code: 'agent_limited', message: new RegExp(`resets at ${until.toISOString().slice(0, 16).replace('T', ' ')} UTC`), fix: /Wait for the reset/ }]);
  await client.close();
});

t.test('a workstation without the project agent: no_workstation_online naming the agent', async (t) => {
  const p = await servedProject(app);
  await api.patch(`/api/v1/projects/${p.project.id}`, { defaultAgent: 'codex' });
  const client = await p.connect(); // reports only the custom agent
  const m = await p.mission();
  t.match(await dispatchOf(m.id), { state: 'blocked', reasons: [{ code: 'no_workstation_online', message: /can run the codex agent/ }] });
  await client.close();
});

t.test('a monthly budget that is spent: budget_reached', async (t) => {
  const p = await servedProject(app);
  const set = await api.patch(`/api/v1/projects/${p.project.id}`, { monthlyBudgetUsd: 0 });
  t.equal(set.status, 200);
  const m = await p.mission();
  t.match(await dispatchOf(m.id), { state: 'blocked', reasons: [{ code: 'budget_reached', message: /\$0\.00 of the project's \$0\.00 monthly budget/ }, { code: 'no_workstation_online' }] });
});

t.test('Review waits for a person; Done is done', async (t) => {
  const org = await createOrg(api);
  const project = await createProject(api, org.id);
  const m = await createMission(api, project.id);
  const review = await api.post(`/api/v1/missions/${m.id}/move`, { list: 'review' });
  t.match(review.body.dispatch, { state: 'in_review', reasons: [{ code: 'waiting_for_review', fix: /Approve it/ }] });
  const approved = await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'approve' });
  t.same(approved.body.dispatch, { state: 'done', reasons: [] });
});

t.test('a running mission whose workstation dropped says so while the grace period runs', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission();
  await assignOf(client, m.id);
  await client.close();
  // The server closes the session when it sees the socket go: poll the API until it has.
  for (let i = 0; i < 100 && (await dispatchOf(m.id)).reasons.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.match(await dispatchOf(m.id), { state: 'running', reasons: [{ code: 'no_workstation_online', message: /lost its connection/ }] });
});

t.test('approved in direct mode, the merge waits for a workstation: in_review with the workstation reason', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission({ requiresReview: true, prMode: 'disabled' });
  await pushMissionBranch(client, m.id, 'b'.repeat(40));
  t.match(await dispatchOf(m.id), { state: 'in_review', reasons: [{ code: 'waiting_for_review' }] });
  await client.close();
  // The server closes the session when it sees the socket go: wait until the workstation is offline.
  for (let i = 0; i < 100 && (await api.get(`/api/v1/workstations/${p.workstationId}`)).body.online; i++) await new Promise((r) => setTimeout(r, 20));
  const approved = await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'approve' });
  t.match(approved.body, { list: 'review', reviewStatus: 'approved' });
  t.match(approved.body.dispatch, { state: 'in_review', reasons: [{ code: 'no_workstation_online' }] });
  const again = await api.post(`/api/v1/missions/${m.id}/move`, { list: 'done' });
  t.equal(again.body.error.code, 'SU_ERR_MISSION_REVIEW_REQUIRED');
  t.match(again.body.error.message, /approved and its merge is pending/);
});

// The approval decided a direct merge (the attempt ran without a PR); the mission's PR mode edited
// afterwards must not strand it in Review with nobody to merge it and no PR to open.
t.test('an approved direct-mode merge is still handed out after the mission’s PR mode is edited', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission({ requiresReview: true, prMode: 'disabled' });
  await pushMissionBranch(client, m.id, 'c'.repeat(40));
  await client.close();
  for (let i = 0; i < 100 && (await api.get(`/api/v1/workstations/${p.workstationId}`)).body.online; i++) await new Promise((r) => setTimeout(r, 20));
  t.match((await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'approve' })).body, { list: 'review', reviewStatus: 'approved' });
  t.equal((await api.patch(`/api/v1/missions/${m.id}`, { prMode: 'enabled' })).status, 200);
  const again = await p.connect();
  t.teardown(() => again.close());
  t.match((await assignOf(again, m.id)).payload, { purpose: 'merge', agentType: 'git' });
});
