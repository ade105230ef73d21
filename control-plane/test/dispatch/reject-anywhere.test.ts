import t from 'tap';
import { comebackReason } from '../../src/dispatch/resume-selection.ts';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { attemptFrames, servedProject } from './fixtures.ts';

// #15: "A human can always reject with guidance, from any list" — Todo, Doing and Review; Done is
// refused (merged work cannot be un-merged). Approval stays Review-only.

const clock = manualClock(new Date());
const app = await startTestApp(t, { clock, dispatch: { offlineGraceMs: 60_000, tickMs: 60_000, maxAttempts: 3 } });
const api = app.admin;
const mission = async (id: string) => (await api.get(`/api/v1/missions/${id}`)).body;
const reject = (id: string, feedback = 'Use the existing date helper') => api.post(`/api/v1/missions/${id}/review`, { decision: 'reject', feedback });
const assignOf = (client: any, missionId: string, not?: string) =>
  client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === missionId && f.payload.attemptId !== not, `assign of ${missionId}`);

t.test('API: reject with guidance from Todo and Review; Done refused; approve only from Review', async (t) => {
  const org = await createOrg(api);
  const project = await createProject(api, org.id);

  const todo = await createMission(api, project.id, { title: 'in todo' });
  const fromTodo = await reject(todo.id, 'Start from the failing test');
  t.equal(fromTodo.status, 200, 'a mission in Todo (e.g. after a merge conflict) can be rejected with guidance');
  t.match(fromTodo.body, { list: 'todo', ready: true, reviewStatus: 'rejected', reviewFeedback: 'Start from the failing test' });

  const review = await createMission(api, project.id, { title: 'in review' });
  await api.post(`/api/v1/missions/${review.id}/move`, { list: 'review' });
  t.match((await reject(review.id)).body, { list: 'todo', ready: true, reviewStatus: 'rejected', reviewFeedback: 'Use the existing date helper' });

  const done = await createMission(api, project.id, { title: 'in done' });
  await api.post(`/api/v1/missions/${done.id}/move`, { list: 'done' });
  const fromDone = await reject(done.id);
  t.equal(fromDone.status, 409);
  t.equal(fromDone.body.error.code, 'SU_ERR_MISSION_ALREADY_DONE');
  t.match(fromDone.body.error.message, /cannot be un-merged/);
  t.match(await mission(done.id), { list: 'done', reviewStatus: null }, 'nothing changed');

  // Reviews are audited (#18): who, which mission, from where — never the feedback text; a refused one not at all.
  const audit = (await api.get(`/api/v1/audit-events?organizationId=${org.id}&action=mission.rejected&limit=50`)).body.items as { targetId: string; data: Record<string, unknown> }[];
  t.same(audit.map((e) => e.targetId).sort(), [todo.id, review.id].sort(), 'two rejections audited; the refused one (Done) is not');
  t.match(audit.find((e) => e.targetId === todo.id)!.data, { projectId: project.id, from: 'todo' });
  t.notOk(JSON.stringify(audit).includes('failing test'), 'no feedback text in the audit log');

  const approveTodo = await api.post(`/api/v1/missions/${todo.id}/review`, { decision: 'approve' });
  t.equal(approveTodo.status, 409);
  t.equal(approveTodo.body.error.code, 'SU_ERR_MISSION_NOT_IN_REVIEW', 'approval stays Review-only');

  const noFeedback = await api.post(`/api/v1/missions/${todo.id}/review`, { decision: 'reject' });
  t.equal(noFeedback.status, 400, 'guidance is required');

  const events = (await api.get(`/api/v1/missions/${todo.id}/events`)).body.items.filter((e: any) => e.kind === 'mission.reviewed');
  t.match(events, [{ origin: 'user', data: { decision: 'reject', feedback: 'Start from the failing test', from: 'todo', to: 'todo' } }], 'on the timeline');
});

t.test('reject from Doing cancels the running agent; the next assignment carries the guidance', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission({ title: 'Going wrong' });
  const first = await assignOf(client, m.id);
  const f = attemptFrames(first);
  client.send(f.accepted());
  t.match(await mission(m.id), { list: 'doing' });

  const res = await reject(m.id, 'Stop rewriting the router; change only the date parser');
  t.equal(res.status, 200);
  t.match(res.body, { list: 'todo', ready: true, reviewStatus: 'rejected', reviewFeedback: 'Stop rewriting the router; change only the date parser' });
  const cancel = await client.waitFor((x) => x.type === 'mission.cancel', 'cancel');
  t.match(cancel.payload, { attemptId: first.payload.attemptId }, 'the running attempt is cancelled');

  // No second attempt while the first is still live on the same branch.
  const reviewed = (await api.get(`/api/v1/missions/${m.id}/events?limit=500`)).body.items.find((e: any) => e.kind === 'mission.reviewed');
  t.match(reviewed.data, { decision: 'reject', from: 'doing', cancelledAttemptId: first.payload.attemptId });
  t.match(await mission(m.id), { list: 'todo' }, 'not re-dispatched while the old attempt runs');

  // The daemon reports the cancel: the attempt ends, and the mission is dispatched again.
  client.send(f.finished('cancelled', { reason: 'cancelled by the control plane' }));
  const second = await assignOf(client, m.id, first.payload.attemptId);
  t.equal(second.payload.mission.reviewFeedback, 'Stop rewriting the router; change only the date parser', "the guidance reaches the agent's next prompt");
  t.equal(second.payload.mission.branch, first.payload.mission.branch, 'on the same branch');
  await client.close();
});

t.test('an approved mission whose merge is running cannot be rejected until the merge ends', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission({ requiresReview: true, prMode: 'disabled' });
  const run = await assignOf(client, m.id);
  const f = attemptFrames(run);
  client.send(f.accepted());
  client.send(f.finished('succeeded', { branch: run.payload.mission.branch }));
  await client.waitFor((x) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === run.payload.attemptId), 'ack');
  t.match(await mission(m.id), { list: 'review' });
  t.equal((await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'approve' })).status, 200);
  const merge = await client.waitFor((x) => x.type === 'mission.assign' && x.payload.purpose === 'merge' && x.payload.mission.id === m.id, 'merge assignment');
  const refused = await reject(m.id);
  t.equal(refused.status, 409);
  t.equal(refused.body.error.code, 'SU_ERR_MISSION_MERGING');
  t.ok(merge);
  await client.close();
});

t.test('a resumed session is told it came back for review feedback, not for a failure', async (t) => {
  const cancelled = { id: 'a', workstationId: 'w', agentType: 'custom', agentSessionId: 's', status: 'cancelled', stage: 'execute' };
  t.equal(comebackReason(cancelled, { stage: 'execute', reviewStatus: 'rejected' }, 'mission.reviewed'), 'review feedback (the run was cancelled for it)');
  t.equal(comebackReason(cancelled, { stage: 'execute', reviewStatus: null }, undefined), 'retry after cancelled', 'a cancel without a rejection stays a retry');
  t.equal(comebackReason({ ...cancelled, status: 'failed' }, { stage: 'execute', reviewStatus: 'rejected' }, 'mission.reviewed'), 'retry after failed');
});
