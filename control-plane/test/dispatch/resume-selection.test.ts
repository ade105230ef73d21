import { sql } from 'drizzle-orm';
import t from 'tap';
import { createDispatchRepository } from '../../src/dispatch/dispatch.repository.ts';
import { createMissionEventsRepository } from '../../src/modules/missions/mission-events.repository.ts';
import { startTestApp } from '../helpers/app.ts';
import { queryRows } from '../helpers/sql.ts';
import { attemptFrames, servedProject } from './fixtures.ts';

// Which earlier agent session a new attempt resumes, as the daemon receives it in mission.assign.
const app = await startTestApp(t, { dispatch: { offlineGraceMs: 60_000, tickMs: 60_000, maxAttempts: 3 } });
const api = app.admin;
const assignOf = (client: any, missionId: string, not?: string) =>
  client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === missionId && f.payload.attemptId !== not, `assign of ${missionId}`);
const ackOf = (client: any, attemptId: string, seq: number) =>
  client.waitFor((x: any) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === attemptId && a.seq >= seq), `ack of seq ${seq}`);
const resumedFrom = async (attemptId: string) =>
  (await queryRows<{ r: string | null }>(app.db, `SELECT resumed_from_attempt_id AS r FROM code_agent_sessions WHERE id = '${attemptId}'`))[0]!.r;

/** Runs an assigned attempt the way a daemon does: accepted, its agent's session id, then the finish. */
async function runAttempt(client: any, assign: any, status: 'succeeded' | 'failed', sessionId?: string, usage?: Record<string, number>) {
  const f = attemptFrames(assign);
  client.send(f.accepted());
  let seq = 0;
  if (sessionId) {
    client.send(f.event('agent.session', { agentSessionId: sessionId, agent: 'custom' }));
    seq++;
  }
  if (usage) {
    client.send(f.event('agent.usage', usage));
    seq++;
  }
  client.send(f.finished(status, status === 'succeeded' ? { branch: assign.payload.mission.branch } : { reason: 'tests failed' }));
  await ackOf(client, assign.payload.attemptId, seq + 1);
}

/** An attempt that ran before, written as the dispatcher and ingest leave it. */
async function earlierAttempt(p: { project: { id: string } }, missionId: string, values: Record<string, unknown>) {
  const at = new Date(Date.now() - 3_600_000);
  return createDispatchRepository(app.db.db).insertAttempt({
    missionId, projectId: p.project.id, status: 'failed', agentType: 'custom', createdAt: at, updatedAt: at, startedAt: at, finishedAt: at, ...values,
  });
}

t.test('a first attempt starts fresh and says so', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission();
  const assign = await assignOf(client, m.id);
  t.equal(assign.payload.resume, null);
  t.equal(assign.payload.resumeNote, 'first attempt');
  await client.close();
});

t.test('a retry on the same workstation with the same agent resumes the session the failed attempt recorded', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission();
  const first = await assignOf(client, m.id);
  await runAttempt(client, first, 'failed', 'sess-retry-1', { inputTokens: 1200, outputTokens: 300, cacheReadTokens: 50, cacheWriteTokens: 7, costUsd: 0.25 });
  const second = await assignOf(client, m.id, first.payload.attemptId);
  // CLIs report a resumed session's running totals: the daemon is told what the session used so far.
  t.same(second.payload.resume.usageSoFar, { inputTokens: 1200, outputTokens: 300, cacheReadTokens: 50, cacheWriteTokens: 7, costUsd: 0.25 }, 'the session’s usage so far comes with the resume');
  t.match(second.payload.resume, { agentSessionId: 'sess-retry-1', fromAttemptId: first.payload.attemptId, reason: 'retry after failed', earlierOutcome: 'failed' });
  t.equal(second.payload.resumeNote, null);
  t.equal(await resumedFrom(second.payload.attemptId), first.payload.attemptId, 'the new attempt records which attempt it resumed');
  t.equal(await resumedFrom(first.payload.attemptId), null, 'the first one resumed nothing');
  await client.close();
});

t.test('a rejection in Review sends the mission back into the same session, saying it is review feedback', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission({ requiresReview: true, prMode: 'disabled' });
  const first = await assignOf(client, m.id);
  await runAttempt(client, first, 'succeeded', 'sess-review-1');
  const reviewed = await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'reject', feedback: 'Name the function after what it does.' });
  t.equal(reviewed.status, 200, 'rejected in Review');
  const second = await assignOf(client, m.id, first.payload.attemptId);
  t.match(second.payload.resume, { agentSessionId: 'sess-review-1', fromAttemptId: first.payload.attemptId, reason: 'review feedback' });
  t.notOk('earlierOutcome' in second.payload.resume!, 'after a success, no word of lost work');
  t.equal(second.payload.mission.reviewFeedback, 'Name the function after what it does.');
  await client.close();
});

t.test("the merge of an approved branch resumes nothing, and a merge attempt is never taken for an agent's session", async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission({ requiresReview: true, prMode: 'disabled' });
  const run = await assignOf(client, m.id);
  await runAttempt(client, run, 'succeeded', 'sess-before-merge');
  t.equal((await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'approve' })).status, 200);
  const merge = await assignOf(client, m.id, run.payload.attemptId);
  t.equal(merge.payload.purpose, 'merge');
  t.equal(merge.payload.resume, null);
  t.equal(merge.payload.resumeNote, null);
  t.equal(await resumedFrom(merge.payload.attemptId), null);

  // A mission whose only earlier attempt is a merge (even one with a session id) is on its first agent attempt.
  const other = await p.mission({ ready: false });
  await earlierAttempt(p, other.id, { workstationId: p.workstationId, agentType: 'git', stage: 'merge', status: 'succeeded', agentSessionId: 'not-an-agent' });
  await api.patch(`/api/v1/missions/${other.id}`, { ready: true });
  const assign = await assignOf(client, other.id);
  t.equal(assign.payload.resume, null);
  t.equal(assign.payload.resumeNote, 'first attempt');
  await client.close();
});

t.test('no resume when the earlier session cannot be continued here, and the note says why', async (t) => {
  const p = await servedProject(app);
  const elsewhere = await servedProject(app);
  const client = await p.connect();
  const cases = [
    { note: 'no agent session was recorded', earlier: { workstationId: p.workstationId, agentSessionId: null } },
    { note: 'the earlier session ran on another workstation', earlier: { workstationId: elsewhere.workstationId, agentSessionId: 'sess-elsewhere' } },
    { note: 'the earlier session used codex', earlier: { workstationId: p.workstationId, agentType: 'codex', agentSessionId: 'thread-codex' } },
  ];
  for (const c of cases) {
    const m = await p.mission({ ready: false, title: c.note });
    await earlierAttempt(p, m.id, c.earlier);
    await api.patch(`/api/v1/missions/${m.id}`, { ready: true });
    const assign = await assignOf(client, m.id);
    t.equal(assign.payload.resume, null, c.note);
    t.equal(assign.payload.resumeNote, c.note);
    t.equal(await resumedFrom(assign.payload.attemptId), null, `${c.note}: nothing recorded as resumed`);
    await runAttempt(client, assign, 'succeeded'); // frees the workstation for the next case
  }
  await client.close();
});

t.test('the newest session recorded here by this agent is resumed, past newer ones elsewhere or without a session', async (t) => {
  const p = await servedProject(app);
  const elsewhere = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission({ ready: false });
  const hour = 3_600_000;
  const at = (ago: number) => ({ createdAt: new Date(Date.now() - ago), updatedAt: new Date(Date.now() - ago) });
  await earlierAttempt(p, m.id, { workstationId: p.workstationId, agentSessionId: 'sess-oldest', ...at(5 * hour) });
  const wanted = await earlierAttempt(p, m.id, { workstationId: p.workstationId, agentSessionId: 'sess-wanted', status: 'lost', ...at(4 * hour) });
  await earlierAttempt(p, m.id, { workstationId: p.workstationId, agentType: 'codex', agentSessionId: 'thread-x', ...at(3 * hour) });
  await earlierAttempt(p, m.id, { workstationId: elsewhere.workstationId, agentSessionId: 'sess-elsewhere', ...at(2 * hour) });
  await earlierAttempt(p, m.id, { workstationId: p.workstationId, agentSessionId: null, status: 'timed_out', ...at(1 * hour) });
  await api.patch(`/api/v1/missions/${m.id}`, { ready: true });
  const assign = await assignOf(client, m.id);
  t.match(assign.payload.resume, { agentSessionId: 'sess-wanted', fromAttemptId: wanted.id, reason: 'retry after timed_out', earlierOutcome: 'lost' }, 'the reason is why the mission came back last; the outcome is the resumed session’s');
  t.equal(await resumedFrom(assign.payload.attemptId), wanted.id);
  await client.close();
});

t.test('a session whose attempt failed after its push (a merge conflict) is resumed without word of lost work', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission({ ready: false });
  await earlierAttempt(p, m.id, { workstationId: p.workstationId, agentSessionId: 'sess-pushed', status: 'failed', headCommit: 'a'.repeat(40) });
  await api.patch(`/api/v1/missions/${m.id}`, { ready: true });
  const assign = await assignOf(client, m.id);
  t.match(assign.payload.resume, { agentSessionId: 'sess-pushed', reason: 'retry after failed' });
  t.notOk('earlierOutcome' in assign.payload.resume!, 'its work is on the branch: nothing to warn of');
  await client.close();
});

t.test('the reason names the next stage, or a pull request that asked for changes', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();

  const staged = await p.mission({ ready: false });
  const stage = (await api.get(`/api/v1/missions/${staged.id}`)).body.stage as string;
  const clarify = await earlierAttempt(p, staged.id, { workstationId: p.workstationId, agentSessionId: 'sess-stage', status: 'succeeded', stage: `before-${stage}` });
  await api.patch(`/api/v1/missions/${staged.id}`, { ready: true });
  const next = await assignOf(client, staged.id);
  t.match(next.payload.resume, { agentSessionId: 'sess-stage', fromAttemptId: clarify.id, reason: `next stage ${stage}` });
  await runAttempt(client, next, 'succeeded');

  // The PR feedback loop sends a mission back rejected, with a mission.changes_requested event.
  const pr = await p.mission({ ready: false });
  const prStage = (await api.get(`/api/v1/missions/${pr.id}`)).body.stage as string;
  const opened = await earlierAttempt(p, pr.id, { workstationId: p.workstationId, agentSessionId: 'sess-pr', status: 'succeeded', stage: prStage });
  await app.db.db.transaction(async (tx) => {
    await createMissionEventsRepository(tx).append({ missionId: pr.id, origin: 'system', kind: 'mission.changes_requested', data: { number: 7 } }, new Date());
    await tx.execute(sql`UPDATE missions SET review_status = 'rejected', review_feedback = 'PR #7: please add a test' WHERE id = ${pr.id}`);
  });
  await api.patch(`/api/v1/missions/${pr.id}`, { ready: true });
  const again = await assignOf(client, pr.id);
  t.match(again.payload.resume, { agentSessionId: 'sess-pr', fromAttemptId: opened.id, reason: 'pull request changes requested' });
  await client.close();
});
