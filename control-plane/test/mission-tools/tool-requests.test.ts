// The control plane's side of the agent tools (#14), through the real gateway socket: tool.request
// answered with mission_get's content and mission_create's capped, idempotent follow-ups; fenced
// like any attempt frame (old lease, another workstation, finished attempt); bad input answered,
// never a closed session. And the human side: GET question, POST answer.
import { makeFrame, missionCreateCapPerAttempt } from '@solo-unicorn/shared';
import { eq } from 'drizzle-orm';
import t from 'tap';
import { githubPrComments, githubPullRequests, missionEvents, missions } from '../../src/db/schema/index.ts';
import { newId } from '@solo-unicorn/shared';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { createAttempt } from '../workstations/helpers/attempts.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';

const app = await startTestApp(t);
const org = await createOrg(app.admin);
const project = await createProject(app.admin, org.id);

async function workstation(name: string) {
  const { body } = await app.admin.post('/api/v1/workstations', { organizationId: org.id, name });
  const ws = { id: body.workstation.id as string, token: body.token as string };
  const client = await connectRaw(app.baseUrl, ws.token);
  client.send(hello(ws.id, []));
  await client.waitFor((f) => f.type === 'session.welcome');
  t.teardown(() => client.close());
  return { ...ws, client };
}
type A = { attemptId: string; missionId: string; leaseVersion: number };
async function ask(client: Awaited<ReturnType<typeof workstation>>['client'], a: A, tool: 'mission_get' | 'mission_create', input: Record<string, unknown>) {
  const frame = makeFrame('tool.request', { ...a, tool, input });
  client.send(frame);
  return (await client.waitFor((f) => f.type === 'tool.response' && f.payload.refId === frame.id)).payload;
}

t.test('mission_get returns the mission with its flow and dependencies', async (t) => {
  const ws = await workstation('get');
  const dep = await createMission(app.admin, project.id, { title: 'Blocker' });
  const m = await createMission(app.admin, project.id, { title: 'Read me', description: 'What to do', clarification: 'Criteria', dependsOn: [dep.id] });
  const a = await createAttempt(app.db.db, { missionId: m.id, projectId: project.id, workstationId: ws.id });
  const r = await ask(ws.client, a, 'mission_get', {});
  t.match(r, { ok: true, result: { id: m.id, title: 'Read me', description: 'What to do', clarification: 'Criteria', flow: { stages: Array }, dependencies: [{ id: dep.id, title: 'Blocker', list: 'todo' }], pullRequest: null } });
});

t.test("mission_get carries the mission's pull request with what reviewers said", async (t) => {
  const ws = await workstation('get-pr');
  const repo = (await app.admin.post(`/api/v1/projects/${project.id}/repositories`, { url: `file:///tmp/pr-${newId()}.git` })).body;
  const m = await createMission(app.admin, project.id, { title: 'With a PR', repositoryId: repo.id });
  const prId = newId();
  await app.db.db.insert(githubPullRequests).values({
    id: prId, missionId: m.id, projectId: project.id, repositoryId: repo.id, number: 42, url: 'https://github.com/acme/app/pull/42',
    state: 'open', headBranch: 'su/with-a-pr', baseBranch: 'main', reviewState: 'CHANGES_REQUESTED',
  });
  // Alice's review came before the branch was last pushed (answered by that work); Bob's after it.
  const at = (s: number) => new Date(Date.now() - 60_000 + s * 1000);
  await app.db.db.insert(githubPrComments).values([
    { id: newId(), pullRequestId: prId, githubCommentId: 1, kind: 'review', authorLogin: 'alice', body: 'Please add a test', requestsChanges: true, createdAt: at(0) },
    { id: newId(), pullRequestId: prId, githubCommentId: 2, kind: 'review_comment', authorLogin: 'bob', path: 'src/a.ts', body: 'x'.repeat(5000), createdAt: at(20) },
  ]);
  await app.db.db.insert(missionEvents).values({ id: newId(), missionId: m.id, projectId: project.id, seq: 9_999, origin: 'agent', kind: 'git.pushed', data: { branch: 'su/with-a-pr' }, createdAt: at(10) });
  const a = await createAttempt(app.db.db, { missionId: m.id, projectId: project.id, workstationId: ws.id });
  const r = await ask(ws.client, a, 'mission_get', {});
  t.match(r.result.pullRequest, {
    number: 42, url: 'https://github.com/acme/app/pull/42', state: 'open', reviewState: 'CHANGES_REQUESTED',
    comments: [
      { kind: 'review', author: 'alice', path: null, body: 'Please add a test', requestsChanges: true, at: String, open: false },
      { kind: 'review_comment', author: 'bob', path: 'src/a.ts', requestsChanges: false, open: true },
    ],
  });
  t.ok(r.result.pullRequest.comments[1].body.length <= 2000, 'a long comment is clipped');
});

t.test('mission_create: fields, the cap per attempt, an idempotent retry', async (t) => {
  const ws = await workstation('create');
  const m = await createMission(app.admin, project.id, { title: 'Parent' });
  const a = await createAttempt(app.db.db, { missionId: m.id, projectId: project.id, workstationId: ws.id });
  const first = await ask(ws.client, a, 'mission_create', { title: 'Child 1', description: 'why', requestKey: 'k1' });
  t.match(first, { ok: true, result: { title: 'Child 1', list: 'todo', ready: false, parentMissionId: m.id } });
  const again = await ask(ws.client, a, 'mission_create', { title: 'Child 1', description: 'why', requestKey: 'k1' });
  t.equal(again.result.id, first.result.id, 'the same key: the same mission');
  const child = (await app.admin.get(`/api/v1/missions/${first.result.id}`)).body;
  t.match(child, { projectId: project.id, title: 'Child 1', description: 'why', list: 'todo', ready: false, origin: 'agent' }, 'a follow-up an agent proposed says so');
  for (let i = 2; i <= missionCreateCapPerAttempt; i++) t.ok((await ask(ws.client, a, 'mission_create', { title: `Child ${i}`, requestKey: `k${i}` })).ok);
  const over = await ask(ws.client, a, 'mission_create', { title: 'One too many', requestKey: 'k9' });
  t.match(over, { ok: false, error: { code: 'SU_ERR_MISSION_CREATE_CAP' } });
  const bad = await ask(ws.client, a, 'mission_create', { title: '', requestKey: 'k10' });
  t.match(bad, { ok: false, error: { code: 'SU_ERR_VALIDATION' } }, 'bad input is an answer, not a closed session');
  const smuggled = await ask(ws.client, a, 'mission_create', { title: 'x', requestKey: 'k11', projectId: project.id });
  t.match(smuggled, { ok: false, error: { code: 'SU_ERR_VALIDATION' } });
  const events = (await app.admin.get(`/api/v1/missions/${m.id}/events?limit=100`)).body.items.filter((e: any) => e.kind === 'mission.followup_proposed');
  t.equal(events.length, missionCreateCapPerAttempt, 'one followup event per created mission');
});

t.test('fenced: an old lease, another workstation, a finished attempt', async (t) => {
  const ws = await workstation('fenced');
  const other = await workstation('fenced-other');
  const m = await createMission(app.admin, project.id);
  const a = await createAttempt(app.db.db, { missionId: m.id, projectId: project.id, workstationId: ws.id, leaseVersion: 2 });
  t.match(await ask(ws.client, { ...a, leaseVersion: 1 }, 'mission_get', {}), { ok: false, error: { code: 'SU_ERR_ATTEMPT_FENCED', message: /stale/ } });
  t.match(await ask(other.client, a, 'mission_get', {}), { ok: false, error: { code: 'SU_ERR_ATTEMPT_FENCED', message: /not assigned/ } });
  t.match(await ask(ws.client, { ...a, missionId: (await createMission(app.admin, project.id)).id }, 'mission_get', {}), { ok: false, error: { code: 'SU_ERR_ATTEMPT_FENCED' } }, 'another mission with this attempt');
  const done = await createAttempt(app.db.db, { missionId: m.id, projectId: project.id, workstationId: ws.id });
  ws.client.send(makeFrame('mission.finished', { missionId: m.id, attemptId: done.attemptId, leaseVersion: 1, seq: 1, at: new Date().toISOString(), status: 'failed', reason: 'x' }));
  await ws.client.waitFor((f) => f.type === 'event.ack' && f.payload.acks.some((x: any) => x.attemptId === done.attemptId));
  t.match(await ask(ws.client, done, 'mission_create', { title: 'late', requestKey: 'z' }), { ok: false, error: { code: 'SU_ERR_ATTEMPT_FENCED', message: /already failed/ } });
});

t.test('answering: 409 without an open question; the question and its answer otherwise', async (t) => {
  const ws = await workstation('question');
  const m = await createMission(app.admin, project.id);
  const none = await app.admin.post(`/api/v1/missions/${m.id}/answer`, { text: 'hello' });
  t.equal(none.status, 409);
  t.equal((await app.admin.get(`/api/v1/missions/${m.id}/question`)).body.question, null);
  t.equal((await app.admin.post(`/api/v1/missions/${m.id}/answer`, { text: 'x', extra: 1 })).status, 400, 'unknown keys refused');
  // An agent asks and its attempt succeeds: the mission waits in Review with the question open.
  await app.db.db.update(missions).set({ list: 'doing' }).where(eq(missions.id, m.id)); // as dispatch does when it assigns
  const a = await createAttempt(app.db.db, { missionId: m.id, projectId: project.id, workstationId: ws.id });
  const at = new Date().toISOString();
  ws.client.send(makeFrame('mission.event', { missionId: m.id, attemptId: a.attemptId, leaseVersion: 1, seq: 1, at, kind: 'agent.question', data: { question: 'Blue or green?', options: ['blue', 'green'] } }));
  ws.client.send(makeFrame('mission.finished', { missionId: m.id, attemptId: a.attemptId, leaseVersion: 1, seq: 2, at, status: 'succeeded' }));
  await ws.client.waitFor((f) => f.type === 'event.ack' && f.payload.acks.some((x: any) => x.attemptId === a.attemptId && x.seq === 2));
  const waiting = (await app.admin.get(`/api/v1/missions/${m.id}`)).body;
  t.match(waiting, { list: 'review', reviewStatus: 'pending', question: { text: 'Blue or green?' } }, 'the mission carries its open question');
  t.match(waiting.dispatch.reasons, [{ code: 'question_open' }], 'and says why it waits');
  t.match((await app.admin.get(`/api/v1/missions/${m.id}/question`)).body.question, { text: 'Blue or green?' });
  const answered = await app.admin.post(`/api/v1/missions/${m.id}/answer`, { text: 'Blue' });
  t.equal(answered.status, 200);
  t.match((await app.admin.get(`/api/v1/missions/${m.id}`)).body, { list: 'todo', ready: true, reviewFeedback: /Blue or green\?[\s\S]*Blue/, question: null });
  t.equal((await app.admin.get(`/api/v1/missions/${m.id}/question`)).body.question, null);
});

t.test("mission_set_stage: the board shows the next stage at once; a stale or forged one moves nothing", async (t) => {
  const ws = await workstation('stages');
  const m = await createMission(app.admin, project.id);
  await app.db.db.update(missions).set({ list: 'doing', stage: 'plan' }).where(eq(missions.id, m.id));
  const a = await createAttempt(app.db.db, { missionId: m.id, projectId: project.id, workstationId: ws.id });
  let seq = 0;
  const say = async (data: Record<string, unknown>) => {
    const frame = makeFrame('mission.event', { missionId: m.id, attemptId: a.attemptId, leaseVersion: 1, seq: ++seq, at: new Date().toISOString(), kind: 'agent.stage_completed', data });
    ws.client.send(frame);
    await ws.client.waitFor((f) => f.type === 'event.ack' && f.payload.acks.some((x: any) => x.attemptId === a.attemptId && x.seq === seq));
    return (await app.admin.get(`/api/v1/missions/${m.id}`)).body.stage;
  };
  t.equal(await say({ stage: 'plan', next: 'done-already' }), 'plan', 'a stage not next in the flow: nothing');
  t.equal(await say({ stage: 'clarify', next: 'plan' }), 'plan', 'said from a stage the mission is not in: nothing');
  t.equal(await say({ stage: 'plan', next: 'execute' }), 'execute', 'plan is done: the mission is in execute (the default flow)');
  t.equal(await say({ stage: 'execute', next: 'nothing-after' }), 'execute', 'the last stage has no next');
  const kinds = (await app.admin.get(`/api/v1/missions/${m.id}/events?limit=50`)).body.items.map((e: any) => e.kind);
  t.equal(kinds.filter((k: string) => k === 'agent.stage_completed').length, 4, 'each is on the timeline as the agent said it');

  // A stage a person reviews: the agent saying it is done moves nothing, and the finish still ends in Review.
  const flow = (await app.admin.post(`/api/v1/projects/${project.id}/flows`, { name: 'reviewed plan', stages: ['plan:review', 'execute'].map((x) => ({ name: x.split(':')[0], requiresReview: x.endsWith(':review') })) })).body;
  const r = await createMission(app.admin, project.id, { flowId: flow.id });
  await app.db.db.update(missions).set({ list: 'doing', stage: 'plan' }).where(eq(missions.id, r.id));
  const b = await createAttempt(app.db.db, { missionId: r.id, projectId: project.id, workstationId: ws.id });
  const at = new Date().toISOString();
  ws.client.send(makeFrame('mission.event', { missionId: r.id, attemptId: b.attemptId, leaseVersion: 1, seq: 1, at, kind: 'agent.stage_completed', data: { stage: 'plan', next: 'execute' } }));
  ws.client.send(makeFrame('mission.finished', { missionId: r.id, attemptId: b.attemptId, leaseVersion: 1, seq: 2, at, status: 'succeeded', branch: `su/${r.id.toLowerCase()}`, headCommit: 'a'.repeat(40) }));
  await ws.client.waitFor((f) => f.type === 'event.ack' && f.payload.acks.some((x: any) => x.attemptId === b.attemptId && x.seq === 2));
  t.match((await app.admin.get(`/api/v1/missions/${r.id}`)).body, { stage: 'plan', list: 'review', reviewStatus: 'pending' }, 'in Review at the plan stage, as its flow says: not Done, not merged');
});
