import { makeFrame } from '@solo-unicorn/shared';
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { manualClock } from '../helpers/clock.ts';
import { queryRows } from '../helpers/sql.ts';
import { connectRaw, hello } from '../workstations/helpers/ws-client.ts';
import { attemptFrames, servedProject } from './fixtures.ts';

const clock = manualClock(new Date());
const app = await startTestApp(t, { clock, dispatch: { offlineGraceMs: 600_000, tickMs: 600_000, maxAttempts: 2 } });
const api = app.admin;
const mission = async (id: string) => (await api.get(`/api/v1/missions/${id}`)).body;
const events = async (id: string) => (await api.get(`/api/v1/missions/${id}/events?limit=500`)).body.items as { kind: string; data: any }[];
const assignsOf = (client: any, missionId: string) => client.frames.filter((f: any) => f.type === 'mission.assign' && f.payload.mission.id === missionId);
const nextAssign = (client: any, missionId: string, seen: number) =>
  client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === missionId && assignsOf(client, missionId).indexOf(f) >= seen, `assign #${seen + 1} of ${missionId}`);
const ackOf = (client: any, attemptId: string, seq: number) =>
  client.waitFor((x: any) => x.type === 'event.ack' && x.payload.acks.some((a: any) => a.attemptId === attemptId && a.seq >= seq), `ack of seq ${seq}`);
const HOUR = 3_600_000;

/** A daemon's session with the agents it reports in its hello. */
async function connectWith(token: string, workstationId: string, agents: object[]) {
  const client = await connectRaw(app.baseUrl, token);
  const h = hello(workstationId) as any;
  h.payload.agents = agents;
  client.send(h);
  await client.waitFor((f) => f.type === 'session.welcome', 'welcome');
  return client;
}

/** Another workstation of the project's organization, serving the project. */
async function secondWorkstation(p: Awaited<ReturnType<typeof servedProject>>) {
  const reg = await api.post('/api/v1/workstations', { organizationId: p.org.id, name: `ws2-${p.project.id}` });
  await api.post(`/api/v1/projects/${p.project.id}/workstations`, { workstationId: reg.body.workstation.id });
  return { workstationId: reg.body.workstation.id as string, token: reg.body.token as string };
}

/** Runs an assignment to its end: accepted, then a `limited` finish (with its reset time, when given). */
async function endLimited(client: any, assign: any, limitedUntil?: string) {
  const f = attemptFrames(assign);
  client.send(f.accepted());
  client.send(f.event('agent.limited', { message: 'usage limit reached' }));
  client.send(f.finished('limited' as any, { reason: 'usage limit reached', ...(limitedUntil ? { limitedUntil } : {}) }));
  await ackOf(client, assign.payload.attemptId, 2);
}

t.test('a usage limit is not a failure: the mission waits in Todo still ready, the agent is parked on that workstation until the reset', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission();
  const first = await nextAssign(client, m.id, 0);
  const until = new Date(clock.now().getTime() + 2 * HOUR).toISOString();
  await endLimited(client, first, until);

  t.match(await mission(m.id), { list: 'todo', ready: true, agentSessionStatus: 'inactive' });
  t.match((await events(m.id)).at(-1), {
    kind: 'mission.waiting_for_quota', data: { attemptId: first.payload.attemptId, agentType: 'custom', workstationId: p.workstationId, until },
  });
  const [attempt] = await queryRows<{ status: string; limited_until: Date }>(app.db, `SELECT status, limited_until FROM code_agent_sessions WHERE id = '${first.payload.attemptId}'`);
  t.equal(attempt!.status, 'limited');
  t.equal(new Date(attempt!.limited_until).toISOString(), until);
  const ws = (await api.get(`/api/v1/workstations/${p.workstationId}`)).body;
  t.same(ws.agents.map((a: any) => [a.type, a.limitedUntil]), [['custom', until]], 'the workstation shows the agent waiting for its quota');

  // The only agent there is limited: dispatch passes the mission by.
  await app.app.dispatcher.dispatchFor(p.workstationId);
  t.match(await mission(m.id), { list: 'todo', ready: true });
  t.equal(assignsOf(client, m.id).length, 1);

  // After the reset the same workstation takes it again, and the limited attempt was not spent.
  clock.advance(2 * HOUR + 1000);
  t.same((await api.get(`/api/v1/workstations/${p.workstationId}`)).body.agents[0].limitedUntil, null, 'no longer limited');
  await app.app.dispatcher.dispatchFor(p.workstationId);
  const second = await nextAssign(client, m.id, 1);
  t.match((await events(m.id)).find((e) => e.kind === 'mission.assigned' && e.data.attemptId === second.payload.attemptId), { data: { attempt: 1 } });
  await client.close();
});

t.test('another workstation serving the project takes the mission while the first waits for its quota', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission();
  const first = await nextAssign(client, m.id, 0);
  await endLimited(client, first);
  const other = await secondWorkstation(p);
  const client2 = await connectWith(other.token, other.workstationId, [{ type: 'custom', version: null }]);
  const taken = await nextAssign(client2, m.id, 0);
  t.equal(taken.payload.agentType, 'custom');
  t.match(await mission(m.id), { list: 'doing' });
  await client2.close();
  await client.close();
});

t.test('no reset time from the agent: a 15-minute back-off; an absurd one is held to 7 days', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m1 = await p.mission();
  const now = clock.now().getTime();
  await endLimited(client, await nextAssign(client, m1.id, 0));
  t.equal((await events(m1.id)).at(-1)!.data.until, new Date(now + 15 * 60_000).toISOString());

  clock.advance(15 * 60_000 + 1000);
  await app.app.dispatcher.dispatchFor(p.workstationId);
  const later = clock.now().getTime();
  await endLimited(client, await nextAssign(client, m1.id, 1), '2999-01-01T00:00:00Z');
  t.equal((await events(m1.id)).at(-1)!.data.until, new Date(later + 7 * 24 * HOUR).toISOString());
  t.equal((await api.get(`/api/v1/workstations/${p.workstationId}`)).body.agents[0].limitedUntil, new Date(later + 7 * 24 * HOUR).toISOString());
  clock.advance(7 * 24 * HOUR + 1000);
  await client.close();
});

t.test('limited attempts never use up maxAttempts: after three limits a failure is still retried', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const m = await p.mission();
  for (let i = 0; i < 3; i++) {
    if (i > 0) {
      clock.advance(15 * 60_000 + 1000);
      await app.app.dispatcher.dispatchFor(p.workstationId);
    }
    await endLimited(client, await nextAssign(client, m.id, i));
  }
  clock.advance(15 * 60_000 + 1000);
  await app.app.dispatcher.dispatchFor(p.workstationId);
  const run = await nextAssign(client, m.id, 3);
  const f = attemptFrames(run);
  client.send(f.accepted());
  client.send(f.finished('failed', { reason: 'agent exited with code 1' }));
  await ackOf(client, run.payload.attemptId, 1);
  t.match((await events(m.id)).find((e) => e.kind === 'mission.retrying'), { data: { attempt: 1, maxAttempts: 2 } }, 'the first spent attempt');
  await nextAssign(client, m.id, 4);
  t.match(await mission(m.id), { list: 'doing' });
  await client.close();
});

t.test('a limited agent leaves the others on its workstation free to work', async (t) => {
  const p = await servedProject(app);
  const client = await connectWith(p.token, p.workstationId, [{ type: 'custom', version: null }, { type: 'codex', version: '0.171.0', status: 'ok' }]);
  const m = await p.mission();
  const first = await nextAssign(client, m.id, 0);
  t.equal(first.payload.agentType, 'custom', 'the first agent the workstation reported');
  await endLimited(client, first);
  const second = await nextAssign(client, m.id, 1);
  t.equal(second.payload.agentType, 'codex', 'the mission goes to the agent that still has quota');
  await client.close();
});

t.test('the merge of an approved branch still runs while every agent of the workstation waits for its quota', async (t) => {
  const p = await servedProject(app);
  const client = await p.connect();
  const reviewed = await p.mission({ requiresReview: true });
  const run = await nextAssign(client, reviewed.id, 0);
  const f = attemptFrames(run);
  client.send(f.accepted());
  client.send(f.finished('succeeded', { branch: run.payload.mission.branch }));
  await ackOf(client, run.payload.attemptId, 1);
  const m = await p.mission();
  await endLimited(client, await nextAssign(client, m.id, 0), new Date(clock.now().getTime() + HOUR).toISOString());

  t.equal((await api.post(`/api/v1/missions/${reviewed.id}/review`, { decision: 'approve' })).status, 200);
  const merge = await nextAssign(client, reviewed.id, 1);
  t.match(merge.payload, { purpose: 'merge', agentType: 'git' });
  t.match(await mission(m.id), { list: 'todo', ready: true }, 'the limited agent still gets no run');
  clock.advance(HOUR + 1000);
  await client.close();
});

t.test('an agent the workstation reports unsupported is never given work', async (t) => {
  const p = await servedProject(app);
  const client = await connectWith(p.token, p.workstationId, [{ type: 'custom', version: '0.1.0', status: 'unsupported', detail: 'version 0.1.0 < 2.0.0' }]);
  const m = await p.mission();
  await app.app.dispatcher.dispatchFor(p.workstationId);
  t.match(await mission(m.id), { list: 'todo', ready: true });
  t.equal(assignsOf(client, m.id).length, 0);
  await client.close();

  // Upgraded: the next hello says ok, and the mission is assigned.
  const upgraded = await connectWith(p.token, p.workstationId, [{ type: 'custom', version: '2.1.0', status: 'ok' }]);
  await nextAssign(upgraded, m.id, 0);
  await upgraded.close();
});

t.test('the workstation is woken when a usage limit resets (no board change, no tick needed)', async (t) => {
  // A real clock here: the wake-up is a timer at the reset time.
  const live = await startTestApp(t, { dispatch: { offlineGraceMs: 600_000, tickMs: 600_000, maxAttempts: 2 } });
  const p = await servedProject(live);
  const client = await p.connect();
  const m = await p.mission();
  const first = await client.waitFor((f: any) => f.type === 'mission.assign' && f.payload.mission.id === m.id);
  const f = attemptFrames(first);
  client.send(f.accepted());
  client.send(makeFrame('mission.finished', { ...f.finished('failed').payload, status: 'limited', limitedUntil: new Date(Date.now() + 1500).toISOString() }));
  const again = await client.waitFor((x: any) => x.type === 'mission.assign' && x.payload.mission.id === m.id && x.payload.attemptId !== first.payload.attemptId, 'assignment after the reset');
  const items = (await live.admin.get(`/api/v1/missions/${m.id}/events?limit=500`)).body.items as { kind: string; createdAt: string; data: any }[];
  const until = items.find((e) => e.kind === 'mission.waiting_for_quota')!.data.until;
  const reassigned = items.find((e) => e.kind === 'mission.assigned' && e.data.attemptId === again.payload.attemptId)!;
  t.ok(Date.parse(reassigned.createdAt) >= Date.parse(until), `not before the reset (${reassigned.createdAt} vs ${until})`);
  await client.close();
});
