import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { createUser } from '../helpers/fixtures.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';
import { attemptFrames, servedProject } from '../dispatch/fixtures.ts';

// #18 Missions: hand a mission to another workstation; retry with a reason; both on the timeline.
// A running attempt is never raced: it is cancelled, and nothing new starts until it has ended.

const clock = manualClock(new Date());
const app = await startTestApp(t, { clock, dispatch: { offlineGraceMs: 60_000, tickMs: 60_000, maxAttempts: 3 } });
const api = app.admin;
const mission = async (id: string) => (await api.get(`/api/v1/missions/${id}`)).body;
const events = async (id: string, kind: string) => (await api.get(`/api/v1/missions/${id}/events?limit=500`)).body.items.filter((e: any) => e.kind === kind);
const assignOf = (client: any, missionId: string, not?: string) =>
  client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === missionId && f.payload.attemptId !== not, `assign of ${missionId}`);

/** A second workstation of the same organization, serving the same project. */
async function secondWorkstation(p: Awaited<ReturnType<typeof servedProject>>, name = 'laptop-b') {
  const reg = await api.post('/api/v1/workstations', { organizationId: p.org.id, name: `${name}-${p.project.id}` });
  const workstationId = reg.body.workstation.id as string;
  await api.post(`/api/v1/projects/${p.project.id}/workstations`, { workstationId });
  return {
    workstationId,
    async connect() {
      const client = await connectRaw(app.baseUrl, reg.body.token);
      client.send(hello(workstationId));
      await client.waitFor((f) => f.type === 'session.welcome', 'welcome');
      return client;
    },
  };
}

t.test('hand a running mission to another workstation: the run is cancelled, and only the new workstation takes it after the old attempt ended', async (t) => {
  const p = await servedProject(app);
  const a = await p.connect();
  const m = await p.mission({ title: 'Move me' });
  const first = await assignOf(a, m.id);
  const f = attemptFrames(first);
  a.send(f.accepted());
  t.match(await mission(m.id), { list: 'doing', workstationId: null });

  const ws = await secondWorkstation(p);
  const b = await ws.connect();
  const res = await api.post(`/api/v1/missions/${m.id}/handoff`, { workstationId: ws.workstationId, reason: 'laptop-a is low on disk' });
  t.equal(res.status, 200);
  t.match(res.body, { list: 'todo', ready: true, workstationId: ws.workstationId });
  const cancel = await a.waitFor((x) => x.type === 'mission.cancel', 'cancel');
  t.equal(cancel.payload.attemptId, first.payload.attemptId, 'the running attempt on the old workstation is cancelled');
  t.match((await events(m.id, 'mission.handed_off'))[0], {
    origin: 'user', data: { from: null, to: ws.workstationId, reason: 'laptop-a is low on disk', cancelledAttemptId: first.payload.attemptId },
  }, 'on the timeline, with the reason');
  t.match(await mission(m.id), { list: 'todo' }, 'no second attempt while the first is live');

  a.send(f.finished('cancelled', { reason: 'cancelled by the control plane' }));
  const second = await assignOf(b, m.id);
  t.equal(second.payload.mission.branch, first.payload.mission.branch, 'the new workstation continues the same branch');
  t.not(second.payload.attemptId, first.payload.attemptId);
  const late = attemptFrames(first);
  a.send(late.finished('succeeded', { branch: first.payload.mission.branch }));
  await new Promise((r) => setTimeout(r, 200));
  t.match(await mission(m.id), { list: 'doing' }, "the old attempt's late report is fenced off: the new run stays");
  t.ok(!a.frames.some((x: any) => x.type === 'mission.assign' && x.payload.mission.id === m.id && x.payload.attemptId !== first.payload.attemptId), 'the old workstation never got it again');
  await a.close();
  await b.close();
});

t.test('a mission handed to a workstation waits for it (dispatch says why); null hands it back to any', async (t) => {
  const p = await servedProject(app);
  const ws = await secondWorkstation(p, 'offline');
  const m = await p.mission({ title: 'Only on b', ready: false });
  t.equal((await api.post(`/api/v1/missions/${m.id}/handoff`, { workstationId: ws.workstationId })).status, 200);
  await api.patch(`/api/v1/missions/${m.id}`, { ready: true });
  const a = await p.connect();
  await new Promise((r) => setTimeout(r, 300));
  t.notOk(a.frames.some((x: any) => x.type === 'mission.assign' && x.payload.mission.id === m.id), 'the other workstation does not take it');
  const shown = await mission(m.id);
  t.match(shown.dispatch.reasons, [{ code: 'no_workstation_online' }], 'dispatch explains: its workstation is not connected');
  t.match(shown.dispatch.reasons[0].message, /offline/, 'naming it');

  const handedBack = Date.now();
  t.match((await api.post(`/api/v1/missions/${m.id}/handoff`, { workstationId: null, reason: 'b is gone' })).body, { workstationId: null });
  t.ok(await assignOf(a, m.id), 'any serving workstation may take it again');
  t.ok(Date.now() - handedBack < 10_000, `at once (${Date.now() - handedBack} ms), not at the dispatcher's next tick (60 s here)`);
  await a.close();
});

t.test('a ready mission that gets its repository is offered at once, not at the next tick', async (t) => {
  const p = await servedProject(app);
  const a = await p.connect();
  const created = await api.post(`/api/v1/projects/${p.project.id}/missions`, { title: 'No repository yet', ready: true });
  t.equal(created.status, 201);
  const m = created.body;
  t.match(await mission(m.id), { ready: true, dispatch: { reasons: [{ code: 'no_repository' }] } });
  const set = Date.now();
  t.equal((await api.patch(`/api/v1/missions/${m.id}`, { repositoryId: p.repo.id })).status, 200);
  t.ok(await assignOf(a, m.id), 'assigned');
  t.ok(Date.now() - set < 10_000, `within ${Date.now() - set} ms (the tick is 60 s here)`);
  await a.close();
});

t.test('retry with a reason: after a failure it runs again; from Doing the run is cancelled first; Review and Done refuse', async (t) => {
  const p = await servedProject(app);
  const a = await p.connect();
  const m = await p.mission({ title: 'Flaky' });
  const first = await assignOf(a, m.id);
  const f1 = attemptFrames(first);
  a.send(f1.accepted());
  // A permanent failure: the mission waits in Todo, not ready, for a person.
  a.send(f1.finished('failed', { reason: 'repository unavailable: the registry mirror is down' }));
  await a.waitFor((x) => x.type === 'event.ack' && x.payload.acks.some((k: any) => k.attemptId === first.payload.attemptId), 'ack');

  t.match(await mission(m.id), { list: 'todo', ready: false });
  const retried = await api.post(`/api/v1/missions/${m.id}/retry`, { reason: 'the registry was down; it is back' });
  t.equal(retried.status, 200);
  t.match(retried.body, { list: 'todo', ready: true });
  const second = await assignOf(a, m.id, first.payload.attemptId);
  t.match((await events(m.id, 'mission.retried'))[0], { origin: 'user', data: { reason: 'the registry was down; it is back', from: 'todo' } }, 'on the timeline');

  const f2 = attemptFrames(second);
  a.send(f2.accepted());
  t.equal((await api.post(`/api/v1/missions/${m.id}/retry`, { reason: 'start over' })).status, 200);
  t.equal((await a.waitFor((x) => x.type === 'mission.cancel', 'cancel')).payload.attemptId, second.payload.attemptId, 'from Doing: cancelled first');
  const retriedAgain = (await events(m.id, 'mission.retried'))[1];
  t.match(retriedAgain.data, { reason: 'start over', from: 'doing', cancelledAttemptId: second.payload.attemptId });
  a.send(f2.finished('cancelled'));
  t.ok(await assignOf(a, m.id, second.payload.attemptId), 'then a fresh attempt');
  await a.close();

  const review = await p.mission({ title: 'in review', ready: false });
  await api.post(`/api/v1/missions/${review.id}/move`, { list: 'review' });
  const fromReview = await api.post(`/api/v1/missions/${review.id}/retry`, { reason: 'x' });
  t.equal(fromReview.status, 409);
  t.equal(fromReview.body.error.code, 'SU_ERR_MISSION_ILLEGAL_MOVE');
  await api.post(`/api/v1/missions/${review.id}/move`, { list: 'done' }).catch(() => undefined);
  const done = await p.mission({ title: 'done', ready: false });
  await api.post(`/api/v1/missions/${done.id}/move`, { list: 'done' });
  t.equal((await api.post(`/api/v1/missions/${done.id}/retry`, { reason: 'x' })).body.error.code, 'SU_ERR_MISSION_ALREADY_DONE');
  t.equal((await api.post(`/api/v1/missions/${done.id}/handoff`, { workstationId: null })).body.error.code, 'SU_ERR_MISSION_ALREADY_DONE');
  t.equal((await api.post(`/api/v1/missions/${m.id}/retry`, {})).status, 400, 'a retry needs a reason');
});

t.test('who may hand off: writers of the project only; only to a workstation serving it', async (t) => {
  const p = await servedProject(app);
  const m = await p.mission({ title: 'guarded', ready: false });
  const other = await servedProject(app);
  const foreign = await api.post(`/api/v1/missions/${m.id}/handoff`, { workstationId: other.workstationId });
  t.equal(foreign.status, 400, "another project's workstation is refused");
  t.equal(foreign.body.error.code, 'SU_ERR_VALIDATION');
  const viewer = await createUser(app, `viewer-${p.project.id}@handoff.test`);
  await api.post(`/api/v1/organizations/${p.org.id}/members`, { userId: viewer.id, role: 'viewer' });
  t.equal((await viewer.client.post(`/api/v1/missions/${m.id}/handoff`, { workstationId: null })).status, 403);
  t.equal((await viewer.client.post(`/api/v1/missions/${m.id}/retry`, { reason: 'x' })).status, 403);
  const stranger = await createUser(app, `stranger-${p.project.id}@handoff.test`);
  t.equal((await stranger.client.post(`/api/v1/missions/${m.id}/retry`, { reason: 'x' })).status, 404);
  t.equal((await events(m.id, 'mission.retried')).length, 0, 'nothing refused reached the timeline');
});

t.test('a member cannot hand a mission to a workstation hidden from them; its admin can', async (t) => {
  const p = await servedProject(app);
  const m = await p.mission({ title: 'to a hidden one', ready: false });
  const hidden = await secondWorkstation(p, 'hidden');
  t.equal((await api.patch(`/api/v1/workstations/${hidden.workstationId}`, { visibility: 'hidden' })).status, 200);
  const member = await createUser(app, `member-${p.project.id}@handoff.test`);
  await api.post(`/api/v1/organizations/${p.org.id}/members`, { userId: member.id, role: 'member' });
  const refused = await member.client.post(`/api/v1/missions/${m.id}/handoff`, { workstationId: hidden.workstationId });
  t.equal(refused.status, 400, 'refused as if it did not exist');
  t.equal(refused.body.error.code, 'SU_ERR_VALIDATION');
  t.equal((await events(m.id, 'mission.handed_off')).length, 0, 'nothing on the timeline');
  t.equal((await api.post(`/api/v1/missions/${m.id}/handoff`, { workstationId: hidden.workstationId })).status, 200, 'the organization admin sees it and may');
});
