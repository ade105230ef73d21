import { makeFrame } from '@solo-unicorn/shared';
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { attemptRow, createAttempt, openSessions, storedSeqs } from './helpers/attempts.ts';
import { connectRaw, eventFrame, hello } from './helpers/ws-client.ts';

const app = await startTestApp(t);
const org = await createOrg(app.admin);
const project = await createProject(app.admin, org.id);

async function workstation(name: string) {
  const { body } = await app.admin.post('/api/v1/workstations', { organizationId: org.id, name });
  return { id: body.workstation.id as string, token: body.token as string };
}
async function session(ws: { id: string; token: string }, attempts: unknown[] = []) {
  const client = await connectRaw(app.baseUrl, ws.token);
  client.send(hello(ws.id, attempts));
  const welcome = await client.waitFor((f) => f.type === 'session.welcome');
  return { client, welcome };
}
const ackedTo = (attemptId: string, seq: number) => (f: any) => f.type === 'event.ack' && f.payload.acks.some((a: any) => a.attemptId === attemptId && a.seq >= seq);

t.test('stores events once per (attempt, seq), acks after commit, and tells the stored seq on welcome', async (t) => {
  const ws = await workstation('events');
  const mission = await createMission(app.admin, project.id);
  const attempt = await createAttempt(app.db.db, { missionId: mission.id, projectId: project.id, workstationId: ws.id });
  const { client, welcome } = await session(ws);
  t.same(welcome.payload.attempts, [{ attemptId: attempt.attemptId, lastStoredSeq: 0, fenced: false }]);
  for (let seq = 1; seq <= 50; seq++) client.send(eventFrame(attempt, seq));
  for (let seq = 1; seq <= 50; seq++) client.send(eventFrame(attempt, seq)); // every one resent
  await client.waitFor(ackedTo(attempt.attemptId, 50), 'ack of 50');
  t.same(await storedSeqs(app.db.db, attempt.attemptId), Array.from({ length: 50 }, (_, i) => i + 1));
  await client.close();

  const again = await session(ws, [{ attemptId: attempt.attemptId, missionId: mission.id, leaseVersion: 1, lastSeq: 50, state: 'running' }]);
  t.same(again.welcome.payload.attempts, [{ attemptId: attempt.attemptId, lastStoredSeq: 50, fenced: false }]);
  const events = (await app.admin.get(`/api/v1/missions/${mission.id}/events?after=1&limit=500`)).body.items;
  t.equal(events.length, 50);
  t.match(events[0], { origin: 'agent', kind: 'agent.output', data: { n: 1 } });
  await again.client.close();
});

t.test('mission.finished closes the attempt; later frames and stale leases are fenced', async (t) => {
  const ws = await workstation('fencing');
  const other = await workstation('other');
  const mission = await createMission(app.admin, project.id);
  const attempt = await createAttempt(app.db.db, { missionId: mission.id, projectId: project.id, workstationId: ws.id, leaseVersion: 2 });
  const { client } = await session(ws);
  client.send(eventFrame({ ...attempt, leaseVersion: 1 }, 1));
  const stale = await client.waitFor((f) => f.type === 'error' && f.payload.code === 'SU_ERR_ATTEMPT_FENCED');
  t.match(stale.payload, { attemptId: attempt.attemptId, retryable: false, message: /lease version 1 is stale/ });
  client.send(eventFrame(attempt, 1));
  client.send(makeFrame('mission.finished', { missionId: mission.id, attemptId: attempt.attemptId, leaseVersion: 2, seq: 2, at: new Date().toISOString(), status: 'succeeded', branch: 'su/x' }));
  await client.waitFor(ackedTo(attempt.attemptId, 2));
  t.match(await attemptRow(app.db.db, attempt.attemptId), { status: 'succeeded', branch: 'su/x', lastAckedSeq: 2 });
  client.frames.length = 0;
  client.send(eventFrame(attempt, 3));
  t.match((await client.waitFor((f) => f.type === 'error')).payload, { code: 'SU_ERR_ATTEMPT_FENCED', message: /already succeeded/ });
  t.same(await storedSeqs(app.db.db, attempt.attemptId), [1, 2]);
  await client.close();

  const intruder = await session(other, [{ attemptId: attempt.attemptId, missionId: mission.id, leaseVersion: 2, lastSeq: 5, state: 'running' }]);
  t.same(intruder.welcome.payload.attempts, [{ attemptId: attempt.attemptId, lastStoredSeq: 0, fenced: true }], "another workstation's attempt is fenced");
  intruder.client.send(eventFrame(attempt, 3));
  t.match((await intruder.client.waitFor((f) => f.type === 'error')).payload, { code: 'SU_ERR_ATTEMPT_FENCED' });
  await intruder.client.close();
});

t.test('answers garbage and wrong-version frames with an error frame and keeps the session', async (t) => {
  const ws = await workstation('garbage');
  const mission = await createMission(app.admin, project.id);
  const attempt = await createAttempt(app.db.db, { missionId: mission.id, projectId: project.id, workstationId: ws.id });
  const { client } = await session(ws);
  client.sendRaw('{{{ not json');
  t.match((await client.waitFor((f) => f.type === 'error')).payload, { code: 'SU_ERR_PROTOCOL_FRAME', retryable: false });
  client.frames.length = 0;
  client.send({ ...eventFrame(attempt, 1), v: 2 });
  t.match((await client.waitFor((f) => f.type === 'error')).payload, { code: 'SU_ERR_PROTOCOL_VERSION', retryable: false });
  client.send(eventFrame(attempt, 1));
  await client.waitFor(ackedTo(attempt.attemptId, 1));
  t.same(await storedSeqs(app.db.db, attempt.attemptId), [1], 'the session still works');
  t.equal((await app.admin.get(`/api/v1/workstations/${ws.id}`)).body.online, true);
  await client.close();
});

t.test('refuses frames before hello', async (t) => {
  const ws = await workstation('early');
  const client = await connectRaw(app.baseUrl, ws.token);
  client.send(makeFrame('session.heartbeat', { at: new Date().toISOString(), runningAttempts: 0, outboxDepth: 0, draining: false }));
  t.match((await client.waitFor((f) => f.type === 'error')).payload, { code: 'SU_ERR_PROTOCOL_STATE' });
  await client.close();
});

t.test('a second connection with the same identity closes the older one: never two live sessions', async (t) => {
  const ws = await workstation('twins');
  const first = await session(ws);
  const second = await session(ws);
  t.match((await first.client.waitFor((f) => f.type === 'error')).payload, { code: 'SU_ERR_SESSION_REPLACED', retryable: false });
  t.equal((await first.client.closed).code, 4000);
  t.equal(second.client.socket.readyState, second.client.socket.OPEN);
  // The old session's row is closed by its close handler; wait on that rather than on time.
  for (let i = 0; (await openSessions(app.db.db, ws.id)).length !== 1; i++) await new Promise((r) => setImmediate(r));
  const open = await openSessions(app.db.db, ws.id);
  t.equal(open[0]!.id, second.welcome.payload.sessionId);
  t.equal((await app.admin.get(`/api/v1/workstations/${ws.id}`)).body.online, true);
  await second.client.close();
});
