import { sql } from 'drizzle-orm';
import t from 'tap';
import { rowsOf } from '../../src/db/rows.ts';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { attemptFrames, servedProject } from './fixtures.ts';

// #18 (workstation part): pause / resume with a reason — no new dispatch while paused, running
// missions finish — and unmapping a workstation from a project (#15's `workstation unmap`).

const clock = manualClock(new Date());
// A long tick: dispatch here happens only on the events the test causes (board changes, resume).
const app = await startTestApp(t, { clock, dispatch: { offlineGraceMs: 60_000, tickMs: 3_600_000, maxAttempts: 2 } });
const api = app.admin;
const mission = async (id: string) => (await api.get(`/api/v1/missions/${id}`)).body;
const assignOf = (client: any, missionId: string) =>
  client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === missionId, `assign of ${missionId}`);
const audits = async (targetId: string) =>
  rowsOf(await app.db.db.execute(sql`SELECT action, data FROM audit_events WHERE target_id = ${targetId} ORDER BY created_at, id`));
const settle = () => new Promise((r) => setTimeout(r, 300));

t.test('pause needs a reason; the workstation API shows it; pausing again updates it; resume clears it; both audited', async (t) => {
  const p = await servedProject(app);
  const W = `/api/v1/workstations/${p.workstationId}`;
  const noReason = await api.post(`${W}/pause`, {});
  t.equal(noReason.status, 400);
  t.equal(noReason.body.error.code, 'SU_ERR_VALIDATION');
  t.match((await api.get(W)).body, { paused: false, pausedAt: null, pausedReason: null });

  const paused = await api.post(`${W}/pause`, { reason: 'OS upgrade tonight' });
  t.equal(paused.status, 200);
  t.match(paused.body, { id: p.workstationId, paused: true, pausedReason: 'OS upgrade tonight' });
  t.type(paused.body.pausedAt, 'string');
  const again = await api.post(`${W}/pause`, { reason: 'OS upgrade, then disk check' });
  t.match(again.body, { paused: true, pausedReason: 'OS upgrade, then disk check', pausedAt: paused.body.pausedAt }, 'the first pause time stays');
  t.match((await api.get(`/api/v1/workstations?organizationId=${p.org.id}`)).body.items, [{ id: p.workstationId, paused: true }]);

  const resumed = await api.post(`${W}/resume`);
  t.equal(resumed.status, 200, 'resume takes no body');
  t.match(resumed.body, { paused: false, pausedAt: null, pausedReason: null });
  t.equal((await api.post(`${W}/resume`, {})).status, 200, 'resuming one that is not paused changes nothing');

  t.match(await audits(p.workstationId), [
    { action: 'workstation.registered' },
    { action: 'project_workstation.mapped' },
    { action: 'workstation.paused', data: { reason: 'OS upgrade tonight', wasPaused: false } },
    { action: 'workstation.paused', data: { reason: 'OS upgrade, then disk check', wasPaused: true } },
    { action: 'workstation.resumed', data: { reason: 'OS upgrade, then disk check' } },
  ]);
  t.equal((await audits(p.workstationId)).length, 5, 'the no-op resume records nothing');

  const log = (await api.get(`/api/v1/audit-events?organizationId=${p.org.id}&targetId=${p.workstationId}`)).body.items.map((e: any) => e.action);
  t.same(log.filter((a: string) => a.startsWith('workstation.p') || a === 'workstation.resumed').sort(), ['workstation.paused', 'workstation.paused', 'workstation.resumed'], 'in the audit log API');

  await api.post(`${W}/revoke`, {});
  const revoked = await api.post(`${W}/pause`, { reason: 'too late' });
  t.equal(revoked.status, 409);
  t.equal(revoked.body.error.code, 'SU_ERR_WORKSTATION_REVOKED');
  t.equal((await api.post('/api/v1/workstations/01JAAAAAAAAAAAAAAAAAAAAAAA/pause', { reason: 'x' })).status, 404);
});

t.test('paused: nothing new is dispatched and the mission says why; a running mission finishes; resume dispatches at once', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const running = await p.mission({ title: 'already running' });
  const first = await assignOf(client, running.id);
  client.send(attemptFrames(first).accepted());

  await api.post(`/api/v1/workstations/${p.workstationId}/pause`, { reason: 'OS upgrade tonight' });
  const waiting = await p.mission({ title: 'waits for the resume' });
  await app.app.dispatcher.dispatchFor(p.workstationId);
  await settle();
  t.equal(client.frames.filter((x: any) => x.type === 'mission.assign').length, 1, 'no new assignment while paused');
  const held = await mission(waiting.id);
  t.match(held, { list: 'todo', ready: true, dispatch: { state: 'blocked' } });
  t.match(held.dispatch.reasons, [{ code: 'workstation_paused', message: /^workstation paused: OS upgrade tonight/, fix: /resume/ }]);

  // The running mission is not cancelled: it finishes and moves on.
  const f = attemptFrames(first);
  client.send(f.finished('succeeded', { branch: first.payload.mission.branch }));
  await client.waitFor((x) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === first.payload.attemptId), 'ack of the finish');
  t.match(await mission(running.id), { list: 'done' }, 'a running mission finishes on a paused workstation');
  t.notOk(client.frames.some((x: any) => x.type === 'mission.cancel'), 'nothing was cancelled');
  await settle();
  t.equal(client.frames.filter((x: any) => x.type === 'mission.assign').length, 1, 'a freed slot takes nothing new either');

  const resumed = await api.post(`/api/v1/workstations/${p.workstationId}/resume`);
  t.equal(resumed.status, 200);
  const second = await assignOf(client, waiting.id);
  t.ok(second, 'dispatched right after the resume (no tick needed)');
  await client.close();
});

t.test('unmap: the project no longer dispatches there, the mission says no workstation is mapped; unmapping twice is a 404', async (t) => {
  const p = await servedProject(app);
  const path = `/api/v1/projects/${p.project.id}/workstations/${p.workstationId}`;
  const res = await api.delete(path);
  t.equal(res.status, 204);
  t.same((await api.get(`/api/v1/projects/${p.project.id}/workstations`)).body.items, []);
  const again = await api.delete(path);
  t.equal(again.status, 404);
  t.equal(again.body.error.code, 'SU_ERR_NOT_FOUND');

  const client = await p.connect();
  const m = await p.mission({ title: 'nowhere to run' });
  await app.app.dispatcher.dispatchFor(p.workstationId);
  await settle();
  t.notOk(client.frames.some((x: any) => x.type === 'mission.assign'), 'not dispatched to the unmapped workstation');
  t.match((await mission(m.id)).dispatch.reasons, [{ code: 'no_workstation_mapped' }]);
  t.match(await audits(p.workstationId), [{ action: 'workstation.registered' }, { action: 'project_workstation.mapped' }, { action: 'project_workstation.unmapped', data: { projectId: p.project.id } }]);

  const timeline = (await api.get(`/api/v1/projects/${p.project.id}/timeline`)).body.items.map((e: any) => e.action);
  t.ok(timeline.includes('project_workstation.unmapped'), "on the project's timeline");

  t.equal((await api.post(`/api/v1/projects/${p.project.id}/workstations`, { workstationId: p.workstationId })).status, 201, 'mapped again');
  void app.app.dispatcher.dispatchFor(p.workstationId); // a mapping wakes no dispatcher: the tick would
  t.ok(await assignOf(client, m.id), 'and it runs there');
  await client.close();
});
