import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { queryRows } from '../helpers/sql.ts';
import { attemptFrames, servedProject } from '../dispatch/fixtures.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';

// Adversarial review of #15's "reject with guidance from any list": the reject racing what else
// moves a mission (the daemon's finish, a merge claim, another review, a dispatch claim). Asserted
// each time: no 5xx, never two live attempts of one mission, the mission ends in a state that
// agrees with its timeline, and an agent whose mission left Doing is told to stop.

const clock = manualClock(new Date());
const app = await startTestApp(t, { clock, dispatch: { offlineGraceMs: 60_000, tickMs: 3_600_000, maxAttempts: 3 } });
const api = app.admin;
const mission = async (id: string) => (await api.get(`/api/v1/missions/${id}`)).body;
const reject = (id: string, feedback = 'Use the date helper') => api.post(`/api/v1/missions/${id}/review`, { decision: 'reject', feedback });
const assignOf = (client: any, missionId: string, not: string[] = []) =>
  client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === missionId && !not.includes(f.payload.attemptId), `assign of ${missionId}`);
const liveAttempts = (missionId: string) =>
  queryRows<{ id: string; status: string; stage: string | null }>(app.db, `SELECT id, status, stage FROM code_agent_sessions WHERE mission_id = '${missionId}' AND status IN ('assigned', 'running')`);
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));
const ackOf = (client: any, attemptId: string) =>
  client.waitFor((x: any) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === attemptId), `ack of ${attemptId}`);
/** The first frame matching `match`, or undefined once `ms` have passed without one. */
const frameWithin = (client: any, match: (x: any) => boolean, ms: number, what: string): Promise<any> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([client.waitFor(match, what), new Promise((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
};

t.test('reject from Doing racing the daemon\'s success report: one outcome, no 5xx, no lost guidance', async (t) => {
  const p = await servedProject(app, { maxConcurrentMissions: 8 });
  const client = await p.connect();
  const outcomes: string[] = [];
  for (let i = 0; i < 6; i++) {
    const m = await p.mission({ title: `race ${i}`, requiresReview: true });
    const run = await assignOf(client, m.id);
    const f = attemptFrames(run);
    client.send(f.accepted());
    await settle(50);
    // Both at once: the finish frame and the reject request.
    client.send(f.finished('succeeded', { branch: run.payload.mission.branch }));
    const res = await reject(m.id, `guidance ${i}`);
    t.equal(res.status, 200, `reject ${i} answered 200 (got ${res.status} ${JSON.stringify(res.body).slice(0, 200)})`);
    await ackOf(client, run.payload.attemptId);
    const after = await mission(m.id);
    // Back in Todo with the guidance whichever came first (or already in Doing again: the rerun is quick).
    t.match(after, { list: /^(todo|doing)$/, reviewStatus: 'rejected', reviewFeedback: `guidance ${i}` }, `mission ${i} keeps the guidance, whichever came first`);
    outcomes.push(res.body.list);
    const next = await assignOf(client, m.id, [run.payload.attemptId]);
    t.equal(next.payload.mission.reviewFeedback, `guidance ${i}`, 'the next attempt carries the guidance');
    t.equal((await liveAttempts(m.id)).length, 1, 'exactly one live attempt');
    client.send(attemptFrames(next).accepted());
    client.send(attemptFrames(next).finished('cancelled', { reason: 'test over' }));
    await ackOf(client, next.payload.attemptId);
  }
  t.same(outcomes.filter((o) => o !== 'todo'), []);
  await client.close();
});

t.test('two rejects at once, and reject + approve at once, on a mission in Review', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission({ requiresReview: true, prMode: 'disabled' });
  const run = await assignOf(client, m.id);
  client.send(attemptFrames(run).accepted());
  client.send(attemptFrames(run).finished('succeeded', { branch: run.payload.mission.branch }));
  await ackOf(client, run.payload.attemptId);
  t.match(await mission(m.id), { list: 'review' });
  await client.close(); // no workstation: nothing is dispatched between the two decisions

  const [a, b] = await Promise.all([reject(m.id, 'first'), reject(m.id, 'second')]);
  t.same([a.status, b.status], [200, 200], 'both rejects answer (the second rejects from Todo)');
  const after = await mission(m.id);
  t.match(after, { list: 'todo', reviewStatus: 'rejected' });
  const reviewed = (await api.get(`/api/v1/missions/${m.id}/events?limit=500`)).body.items.filter((e: any) => e.kind === 'mission.reviewed');
  t.equal(reviewed.length, 2, 'both on the timeline');
  t.equal(after.reviewFeedback, reviewed.at(-1).data.feedback, 'the mission holds the guidance its timeline ends with');

  const m2 = await p.mission({ requiresReview: true, prMode: 'disabled' });
  // Put m2 in Review by hand (no daemon connected): a person may move Todo → Review.
  t.equal((await api.post(`/api/v1/missions/${m2.id}/move`, { list: 'review' })).status, 200);
  const [ap, rj] = await Promise.all([api.post(`/api/v1/missions/${m2.id}/review`, { decision: 'approve' }), reject(m2.id, 'not like this')]);
  t.ok(ap.status < 500 && rj.status < 500, `no 5xx (approve ${ap.status}, reject ${rj.status})`);
  const final = await mission(m2.id);
  if (rj.status === 200) {
    t.equal(ap.body.error?.code, 'SU_ERR_MISSION_NOT_IN_REVIEW', 'the reject came first: the approval is refused');
    t.match(final, { list: 'todo', reviewStatus: 'rejected', reviewFeedback: 'not like this' });
  } else {
    t.equal(ap.status, 200, 'the approval came first');
    t.equal(rj.body.error?.code, 'SU_ERR_MISSION_ALREADY_DONE', 'then the reject is refused: Done');
    t.match(final, { list: 'done', reviewStatus: 'approved' });
  }
});

t.test('reject of an approved mission whose merge is being claimed: merge refused or the merge never starts', async (t) => {
  const p = await servedProject(app, { maxConcurrentMissions: 4 });
  let client = await p.connect();
  for (let i = 0; i < 5; i++) {
    const m = await p.mission({ title: `merge race ${i}`, requiresReview: true, prMode: 'disabled' });
    const run = await assignOf(client, m.id);
    client.send(attemptFrames(run).accepted());
    client.send(attemptFrames(run).finished('succeeded', { branch: run.payload.mission.branch }));
    await ackOf(client, run.payload.attemptId);
    // Approve with the daemon away, so the merge is claimed only when we race it.
    await client.close();
    t.equal((await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'approve' })).status, 200);
    client = await p.connect();
    const [rj] = await Promise.all([reject(m.id, 'stop the merge'), app.app.dispatcher.dispatchFor(p.workstationId)]);
    const isMerge = (x: any) => x.type === 'mission.assign' && x.payload.purpose === 'merge' && x.payload.mission.id === m.id;
    if (rj.status === 409) {
      t.equal(rj.body.error.code, 'SU_ERR_MISSION_MERGING', 'refused: the merge was claimed first');
      const merge = await frameWithin(client, isMerge, 10_000, `merge of ${m.id}`);
      t.ok(merge, 'and the merge was sent');
      client.send(attemptFrames(merge).accepted());
      client.send(attemptFrames(merge).finished('succeeded', { headCommit: 'a'.repeat(40) }));
      await ackOf(client, merge.payload.attemptId);
      t.match(await mission(m.id), { list: 'done' });
    } else {
      t.equal(rj.status, 200, `reject ${i}: 200 or 409 (got ${rj.status})`);
      const live = await liveAttempts(m.id);
      t.notOk(live.some((a) => a.stage === 'merge'), 'no merge attempt is live');
      // It runs again with the guidance instead: finish that run so the next round starts clean.
      const again = await assignOf(client, m.id, [run.payload.attemptId]);
      t.equal(again.payload.purpose, 'run');
      // Frames arrive in order, so a merge sent before that run would be here by now.
      t.notOk(client.frames.find(isMerge), 'a rejected mission is not merged');
      client.send(attemptFrames(again).accepted());
      client.send(attemptFrames(again).finished('cancelled', { reason: 'test over' }));
      await ackOf(client, again.payload.attemptId);
    }
  }
  await client.close();
});

t.test('reject racing the dispatch claim: the agent of an attempt whose mission left Doing is always told to stop', async (t) => {
  const p = await servedProject(app, { maxConcurrentMissions: 8 });
  const client = await p.connect();
  const orphans: string[] = [];
  for (let i = 0; i < 8; i++) {
    // A mission not ready (nothing claims it), then ready + reject + dispatch at once.
    const m = await p.mission({ title: `claim race ${i}`, ready: false });
    await api.patch(`/api/v1/missions/${m.id}`, { ready: true });
    const [rj] = await Promise.all([reject(m.id, `claim guidance ${i}`), app.app.dispatcher.dispatchFor(p.workstationId)]);
    t.equal(rj.status, 200, `reject ${i} answered (${rj.status})`);
    const run = await assignOf(client, m.id);
    client.send(attemptFrames(run).accepted());
    const state = await mission(m.id);
    // The cancel follows the board change a moment later: wait for it (bounded) when it is due.
    const cancelled = state.list === 'doing'
      || Boolean(await frameWithin(client, (x: any) => x.type === 'mission.cancel' && x.payload.attemptId === run.payload.attemptId, 10_000, `cancel of ${run.payload.attemptId}`));
    if (!cancelled) orphans.push(`${i}: mission in ${state.list}, attempt ${run.payload.attemptId} running, no cancel`);
    await api.patch(`/api/v1/missions/${m.id}`, { ready: false }); // no rerun once this attempt ends
    client.send(attemptFrames(run).finished('cancelled', { reason: 'test over' }));
    await ackOf(client, run.payload.attemptId);
    await settle(50);
  }
  t.same(orphans, [], 'no agent keeps running for a mission that left Doing');
  await client.close();
});

// Found by an adversarial review: the cancel is sent once, on the board change, to whichever
// process holds the session at that instant. A daemon away at that moment never heard it, so the
// session that opens next sends it again (sessions/stray-attempts.ts).
t.test('reject from Doing while the daemon is disconnected: the agent is cancelled when the daemon comes back', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission({ title: 'cancel across a reconnect' });
  const run = await assignOf(client, m.id);
  const f = attemptFrames(run);
  client.send(f.accepted());
  client.send(f.event('agent.output', { text: 'working' }));
  await ackOf(client, run.payload.attemptId);
  await client.close(); // a network blip, or the control plane it was on restarting

  const res = await reject(m.id, 'Stop: wrong approach');
  t.equal(res.status, 200);
  t.match(res.body, { list: 'todo', reviewFeedback: 'Stop: wrong approach' });

  // The daemon reconnects still running the agent, and says so in its hello.
  const back = await connectRaw(app.baseUrl, p.token);
  const h = hello(p.workstationId, [{ attemptId: run.payload.attemptId, missionId: m.id, leaseVersion: run.payload.leaseVersion, lastSeq: 1, state: 'running' }]);
  back.send(h);
  await back.waitFor((x) => x.type === 'session.welcome', 'welcome');
  const cancel = await Promise.race([
    back.waitFor((x) => x.type === 'mission.cancel' && x.payload.attemptId === run.payload.attemptId, 'cancel'),
    settle(3000).then(() => undefined),
  ]);
  t.ok(cancel, 'the agent the person rejected is told to stop once its daemon is back');
  t.match(await mission(m.id), { list: 'todo' }, 'the mission stays in Todo with the guidance');
  back.send(f.finished('cancelled', { reason: 'cancelled' }));
  await ackOf(back, run.payload.attemptId);
  await back.close();
});
