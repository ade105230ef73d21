import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { attemptFrames, servedProject } from './fixtures.ts';

const app = await startTestApp(t, { dispatch: { offlineGraceMs: 60_000, tickMs: 60_000, maxAttempts: 2 } });
const api = app.admin;
const mission = async (id: string) => (await api.get(`/api/v1/missions/${id}`)).body;
const kinds = async (id: string) => (await api.get(`/api/v1/missions/${id}/events?limit=500`)).body.items.map((e: any) => e.kind);
const assignOf = (client: any, missionId: string) => client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === missionId, `assign of ${missionId}`);

t.test('a ready Todo mission goes to the online workstation serving its project, moves to Doing and runs to Done', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission({ title: 'Add a login page' });
  const assign = await assignOf(client, m.id);
  t.match(assign.payload, { leaseVersion: 1, agentType: 'custom', mission: { title: 'Add a login page', targetBranch: 'main' }, repository: { id: p.repo.id } });
  t.match(assign.payload.mission.branch, /^su\/add-a-login-page-[0-9a-z]{26}$/, 'stable, readable, collision-free branch');
  t.match(await mission(m.id), { list: 'doing', agentSessionStatus: 'active', prBranchName: assign.payload.mission.branch });

  const f = attemptFrames(assign);
  client.send(f.accepted());
  client.send(f.event('stage.changed', { stage: 'execute' }));
  client.send(f.docs('solution.md', '# Plan\nUse sessions.'));
  client.send(f.event('git.pushing', {}));
  client.send(f.finished('succeeded', { branch: assign.payload.mission.branch, headCommit: 'a'.repeat(40) }));
  await client.waitFor((x) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.seq === 4), 'ack of the finish (seq 4)');
  const done = await mission(m.id);
  t.match(done, { list: 'done', agentSessionStatus: 'inactive', stage: 'execute', solutionPath: `missions/${m.id}/solution.md` });
  t.same((await api.get(`/api/v1/missions/${m.id}/docs`)).body.items, [{ path: 'solution.md', content: '# Plan\nUse sessions.' }]);
  const k = await kinds(m.id);
  for (const kind of ['mission.created', 'mission.assigned', 'attempt.started', 'stage.changed', 'docs.changed', 'git.pushing', 'attempt.finished', 'mission.moved']) t.ok(k.includes(kind), kind);
  await client.close();
});

t.test('requiresReview ends in Review; a rejection sends it back with the feedback and the docs to the next attempt', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission({ requiresReview: true });
  const first = await assignOf(client, m.id);
  const f = attemptFrames(first);
  client.send(f.accepted());
  client.send(f.docs('tasks/1.md', '- [x] step one'));
  client.send(f.finished('succeeded'));
  await client.waitFor((x) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === first.payload.attemptId && a.seq === 2));
  t.match(await mission(m.id), { list: 'review', reviewStatus: 'pending', tasksPath: `missions/${m.id}/tasks` });
  await api.post(`/api/v1/missions/${m.id}/review`, { decision: 'reject', feedback: 'Handle the empty state too' });
  const second = await client.waitFor((x) => x.type === 'mission.assign' && x.payload.mission.id === m.id && x.payload.attemptId !== first.payload.attemptId);
  t.equal(second.payload.mission.reviewFeedback, 'Handle the empty state too');
  t.same(second.payload.docs.map((d: any) => [d.path, d.content]), [['tasks/1.md', '- [x] step one']], 'docs restored for the next attempt');
  t.equal(second.payload.mission.branch, first.payload.mission.branch, 'the same branch');
  await client.close();
});

t.test('transient failures are retried up to the limit, then the mission waits in Todo, not ready, saying why', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission();
  const first = await assignOf(client, m.id);
  const f1 = attemptFrames(first);
  client.send(f1.accepted());
  client.send(f1.finished('failed', { reason: 'agent exited with code 1' }));
  const second = await client.waitFor((x) => x.type === 'mission.assign' && x.payload.mission.id === m.id && x.payload.attemptId !== first.payload.attemptId);
  const f2 = attemptFrames(second);
  client.send(f2.accepted());
  client.send(f2.finished('timed_out', { reason: 'no output for 600 s' }));
  await client.waitFor((x) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === second.payload.attemptId && a.seq === 1));
  t.match(await mission(m.id), { list: 'todo', ready: false, agentSessionStatus: 'inactive' });
  const events = (await api.get(`/api/v1/missions/${m.id}/events?limit=500`)).body.items;
  t.match(events.find((e: any) => e.kind === 'mission.retrying'), { data: { reason: 'agent exited with code 1', attempt: 1, maxAttempts: 2 } });
  t.match(events.at(-1), { kind: 'mission.failed', data: { reason: 'no output for 600 s', attempts: 2 } });
  await app.app.dispatcher.dispatchFor(p.workstationId);
  t.equal(client.frames.filter((x) => x.type === 'mission.assign' && x.payload.mission.id === m.id).length, 2, 'never an endless retry loop');
  await client.close();
});

t.test('priority first, per-workstation capacity, dependencies hold a mission back until its blocker is Done', async (t) => {
  const p = await servedProject(app, { maxConcurrentMissions: 2 });
  const low = await p.mission({ title: 'low', priority: 5 });
  const blocker = await p.mission({ title: 'blocker', priority: 2 });
  await p.mission({ title: 'blocked', priority: 1, dependsOn: [blocker.id] });
  await p.mission({ title: 'high', priority: 1 });
  const client = await p.connect();
  await client.waitFor((x) => x.type === 'mission.assign' && x.payload.mission.title === 'blocker');
  await client.waitFor((x) => x.type === 'mission.assign' && x.payload.mission.title === 'high');
  await app.app.dispatcher.dispatchFor(p.workstationId);
  t.same(client.frames.filter((x) => x.type === 'mission.assign').map((x) => x.payload.mission.title).sort(), ['blocker', 'high'], 'two at once, best first; the blocked one waits');
  const b = client.frames.find((x) => x.type === 'mission.assign' && x.payload.mission.title === 'blocker');
  const fb = attemptFrames(b);
  client.send(fb.accepted());
  client.send(fb.finished('succeeded'));
  const next = await client.waitFor((x) => x.type === 'mission.assign' && x.payload.mission.title === 'blocked');
  t.ok(next, 'the blocked mission runs once its blocker is Done');
  t.equal((await mission(low.id)).list, 'todo', 'capacity still full for the lowest priority');
  await client.close();
});

t.test('the per-project limit holds, and an unmapped project or a mission without repository is not dispatched', async (t) => {
  const p = await servedProject(app, { maxConcurrentMissions: 3, projectMax: 1 });
  const a = await p.mission({ title: 'a' });
  await p.mission({ title: 'b' });
  const noRepo = await p.mission({ title: 'no repo', repositoryId: undefined });
  const client = await p.connect();
  await assignOf(client, a.id);
  await app.app.dispatcher.dispatchFor(p.workstationId);
  t.equal(client.frames.filter((x) => x.type === 'mission.assign').length, 1, 'project limit of 1');
  t.equal((await mission(noRepo.id)).list, 'todo');
  await client.close();
});


t.test('a decline puts the mission back in Todo and keeps it off that workstation for a while', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission();
  const assign = await assignOf(client, m.id);
  client.send({ v: 1, type: 'mission.declined', id: '01JAAAAAAAAAAAAAAAAAAAAAAA', payload: { attemptId: assign.payload.attemptId, leaseVersion: 1, reason: 'agent_not_installed' } });
  let requeued;
  for (let i = 0; i < 200 && !requeued; i++) {
    requeued = (await api.get(`/api/v1/missions/${m.id}/events?limit=500`)).body.items.find((e: any) => e.kind === 'mission.requeued');
    if (!requeued) await new Promise((r) => setTimeout(r, 10));
  }
  t.match(requeued, { data: { reason: /declined by the workstation: agent_not_installed/ } });
  t.match(await mission(m.id), { list: 'todo', ready: true });
  await app.app.dispatcher.dispatchFor(p.workstationId);
  t.equal(client.frames.filter((x) => x.type === 'mission.assign').length, 1, 'not offered again right away');
  await client.close();
});

t.test('moving a running mission out of Doing cancels its agent', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission();
  const assign = await assignOf(client, m.id);
  client.send(attemptFrames(assign).accepted());
  await api.post(`/api/v1/missions/${m.id}/move`, { list: 'todo' });
  const cancel = await client.waitFor((x) => x.type === 'mission.cancel', 'cancel');
  t.match(cancel.payload, { attemptId: assign.payload.attemptId, reason: /moved to todo/ });
  await client.close();
});

t.test('a workstation that stays offline past the grace period has its missions returned to Todo with the reason', async (t) => {
  // An app of its own with a short grace, waited out for real: when a workstation was last seen is
  // the database's clock (shared by every instance), which a manual clock does not move.
  const short = await startTestApp(t, { dispatch: { offlineGraceMs: 2_000, tickMs: 600_000, maxAttempts: 2 } });
  const missionOf = async (id: string) => (await short.admin.get(`/api/v1/missions/${id}`)).body;
  const p = await servedProject(short);
  const client = await p.connect();
  const m = await p.mission();
  const assign = await assignOf(client, m.id);
  client.send(attemptFrames(assign).accepted());
  await client.close();
  await short.app.dispatcher.sweep();
  t.equal((await missionOf(m.id)).list, 'doing', 'within the grace period nothing moves');
  await new Promise((r) => setTimeout(r, 2_500));
  await short.app.dispatcher.sweep();
  const back = await missionOf(m.id);
  t.match(back, { list: 'todo', ready: true, agentSessionStatus: 'inactive' });
  const events = (await short.admin.get(`/api/v1/missions/${m.id}/events?limit=500`)).body.items;
  t.match(events.at(-1), { kind: 'mission.requeued', data: { reason: /offline for more than 2 s/ } });
});
