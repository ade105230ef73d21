import { isStorableText, makeFrame } from '@solo-unicorn/shared';
import t from 'tap';
import { startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { attemptRow, createAttempt, storedSeqs } from './helpers/attempts.ts';
import { connectRaw, hello } from './helpers/ws-client.ts';

// Hostile text from an agent (issue: one NUL in agent output stopped the control plane, and the
// daemon's resend made it a crash loop). The app runs in this process: if a store failure
// reached unhandledRejection, tap would fail the file.
const app = await startTestApp(t);
const org = await createOrg(app.admin);
const project = await createProject(app.admin, org.id);

async function setup(name: string) {
  const { body } = await app.admin.post('/api/v1/workstations', { organizationId: org.id, name });
  const ws = { id: body.workstation.id as string, token: body.token as string };
  const mission = await createMission(app.admin, project.id);
  const attempt = await createAttempt(app.db.db, { missionId: mission.id, projectId: project.id, workstationId: ws.id });
  const client = await connectRaw(app.baseUrl, ws.token);
  client.send(hello(ws.id));
  await client.waitFor((f) => f.type === 'session.welcome');
  return { ws, mission, attempt, client };
}
const ackedTo = (attemptId: string, seq: number) => (f: any) => f.type === 'event.ack' && f.payload.acks.some((a: any) => a.attemptId === attemptId && a.seq >= seq);
const at = () => new Date().toISOString();
/** A mission.event as raw JSON text, so the escapes reach the server exactly as written. */
const rawEvent = (a: { missionId: string; attemptId: string }, seq: number, dataJson: string, kind = 'agent.output') =>
  `{"v":1,"type":"mission.event","id":"${makeFrame('x', {}).id}","payload":{"missionId":"${a.missionId}","attemptId":"${a.attemptId}","leaseVersion":1,"seq":${seq},"kind":"${kind}","at":"${at()}","data":${dataJson}}}`;

async function events(missionId: string) {
  return (await app.admin.get(`/api/v1/missions/${missionId}/events?limit=500`)).body.items.filter((e: any) => e.origin === 'agent');
}

t.test('agent output with NUL, lone surrogates and split emoji is stored with U+FFFD and flagged', async (t) => {
  const { attempt, mission, client } = await setup('nul');
  client.sendRaw(rawEvent(attempt, 1, '{"text":"a\\u0000b"}'));
  client.sendRaw(rawEvent(attempt, 2, '{"text":"half \\ud83d emoji","nested":{"list":["\\udc00x"],"k\\u0000ey":1}}'));
  client.sendRaw(rawEvent(attempt, 3, '{"text":"whole 🦄 emoji"}'));
  await client.waitFor(ackedTo(attempt.attemptId, 3), 'ack of 3');
  const [e1, e2, e3] = await events(mission.id);
  t.equal(e1.data.text, 'a\uFFFDb');
  t.equal(e1.data.sanitized, true);
  t.equal(e2.data.text, 'half \uFFFD emoji');
  t.same(e2.data.nested, { list: ['\uFFFDx'], 'k\uFFFDey': 1 });
  t.equal(e2.data.sanitized, true);
  t.equal(e3.data.text, 'whole 🦄 emoji', 'well-formed text is untouched');
  t.notOk('sanitized' in e3.data, 'only changed events are flagged');
  t.notOk(client.frames.some((f) => f.type === 'error'), 'no error frame for text that could be kept');
  // The control plane still serves.
  t.equal((await app.admin.get('/healthz')).status, 200);
  await client.close();
});

t.test('a finish report and a doc with NUL are stored sanitized; the attempt ends', async (t) => {
  const { attempt, mission, client } = await setup('finish');
  client.send(makeFrame('mission.docs', { ...attempt, seq: 1, at: at(), path: 'solution.md', content: '# plan\u0000\nstep \ud800', contentHash: `sha256:${'a'.repeat(64)}` }));
  client.send(makeFrame('mission.finished', { ...attempt, seq: 2, at: at(), status: 'failed', reason: 'exit 1: \u0000\udfff', branch: 'su/x' }));
  await client.waitFor(ackedTo(attempt.attemptId, 2), 'ack of 2');
  const row = await attemptRow(app.db.db, attempt.attemptId);
  t.equal(row.status, 'failed');
  t.ok(isStorableText(row.reason ?? ''), 'reason is storable');
  const docs = (await app.admin.get(`/api/v1/missions/${mission.id}/docs`)).body;
  t.match(JSON.stringify(docs), /step \\uFFFD|step \uFFFD/, 'doc kept with the bad unit replaced');
  const evs = await events(mission.id);
  t.match(evs.find((e: any) => e.kind === 'docs.changed').data, { sanitized: true });
  t.match(evs.find((e: any) => e.kind === 'attempt.finished').data, { sanitized: true, reason: 'exit 1: \uFFFD\uFFFD' });
  await client.close();
});

t.test('a frame the database refuses for good is quarantined on the timeline, acked, and later frames flow', async (t) => {
  // A real refusal by the database (a CHECK-like trigger raising a data exception), not a mock of our code.
  await app.db.exec(`
    CREATE OR REPLACE FUNCTION test_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.data ? 'poison' THEN RAISE EXCEPTION 'poison value' USING ERRCODE = '22023'; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_refuse_poison BEFORE INSERT ON mission_events FOR EACH ROW EXECUTE FUNCTION test_refuse_poison();`);
  t.teardown(() => app.db.exec('DROP TRIGGER IF EXISTS test_refuse_poison ON mission_events; DROP FUNCTION IF EXISTS test_refuse_poison();'));
  const { attempt, mission, client } = await setup('poison');
  const poison = makeFrame('mission.event', { ...attempt, seq: 2, kind: 'agent.output', at: at(), data: { poison: 'secret-user-data' } });
  client.sendRaw(rawEvent(attempt, 1, '{"text":"before"}'));
  client.send(poison);
  client.sendRaw(rawEvent(attempt, 3, '{"text":"after"}'));
  await client.waitFor(ackedTo(attempt.attemptId, 3), 'ack of 3 (the poison seq included)');
  const error = await client.waitFor((f) => f.type === 'error' && f.payload.code === 'SU_ERR_FRAME_QUARANTINED');
  t.match(error.payload, { retryable: false, refId: poison.id, message: /SQLSTATE 22023/ });
  t.notMatch(error.payload.message, /secret-user-data/, 'the error frame does not echo the data');
  t.same(await storedSeqs(app.db.db, attempt.attemptId), [1, 2, 3], 'the seq stays gap-free');
  const evs = await events(mission.id);
  t.match(evs[1], { kind: 'frame.quarantined', data: { frameType: 'mission.event', eventKind: 'agent.output', frameId: poison.id } });
  t.equal(evs[2].data.text, 'after');

  // The daemon resends the poison after a reconnect (it had not seen the ack): a duplicate, skipped.
  client.frames.length = 0;
  client.send(poison);
  await client.waitFor(ackedTo(attempt.attemptId, 3));
  t.notOk(client.frames.some((f) => f.type === 'error'), 'a resent quarantined frame is only a duplicate');
  await client.close();
});

t.test('a finish report the database refuses still ends the attempt, as failed', async (t) => {
  await app.db.exec(`
    CREATE OR REPLACE FUNCTION test_refuse_finish() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.kind = 'attempt.finished' AND NEW.data->>'branch' = 'poison' THEN RAISE EXCEPTION 'poison' USING ERRCODE = '22023'; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_refuse_finish BEFORE INSERT ON mission_events FOR EACH ROW EXECUTE FUNCTION test_refuse_finish();`);
  t.teardown(() => app.db.exec('DROP TRIGGER IF EXISTS test_refuse_finish ON mission_events; DROP FUNCTION IF EXISTS test_refuse_finish();'));
  const { attempt, mission, client } = await setup('finish-poison');
  client.send(makeFrame('mission.finished', { ...attempt, seq: 1, at: at(), status: 'succeeded', branch: 'poison' }));
  await client.waitFor(ackedTo(attempt.attemptId, 1));
  const row = await attemptRow(app.db.db, attempt.attemptId);
  t.equal(row.status, 'failed');
  t.match(row.reason, /finish report could not be stored/);
  await client.close();
});

t.test('a frame that fails the schema is refused as not retryable, and the session goes on', async (t) => {
  const { attempt, client } = await setup('schema');
  const bad = makeFrame('mission.event', { ...attempt, seq: 1, kind: 'Not A Kind!', at: at(), data: {} });
  client.send(bad);
  const error = await client.waitFor((f) => f.type === 'error' && f.payload.refId === bad.id);
  t.match(error.payload, { code: 'SU_ERR_PROTOCOL_FRAME', retryable: false });
  client.sendRaw(rawEvent(attempt, 1, '{"ok":true}'));
  await client.waitFor(ackedTo(attempt.attemptId, 1));
  await client.close();
});

t.test('control frames past the rate limit are refused with SU_ERR_RATE_LIMITED; the session stays', async (t) => {
  const { client, attempt } = await setup('flood');
  for (let i = 0; i < 400; i++) client.send(makeFrame('session.heartbeat', { at: at(), runningAttempts: 0, outboxDepth: 0, draining: false }));
  const limited = await client.waitFor((f) => f.type === 'error' && f.payload.code === 'SU_ERR_RATE_LIMITED', 'rate limit');
  t.match(limited.payload, { retryable: true });
  // Work frames are never refused for volume.
  client.sendRaw(rawEvent(attempt, 1, '{"ok":true}'));
  await client.waitFor(ackedTo(attempt.attemptId, 1));
  await client.close();
});

t.test('frames stored before a later frame of the same batch is fenced are still recorded as stored', async (t) => {
  // Found by the frame fuzzer: the fence of a late frame hid the stored high-water mark, so the
  // stored events sat above last_acked_seq and their resend collided with them.
  const { attempt, client } = await setup('fenced-batch');
  client.sendRaw(rawEvent(attempt, 1, '{"n":1}'));
  client.send(makeFrame('mission.finished', { ...attempt, seq: 2, at: at(), status: 'succeeded', branch: 'su/y' }));
  client.sendRaw(rawEvent(attempt, 3, '{"n":3}'));
  await client.waitFor((f) => f.type === 'error' && f.payload.code === 'SU_ERR_ATTEMPT_FENCED');
  await client.close();
  const row = await attemptRow(app.db.db, attempt.attemptId);
  t.same(await storedSeqs(app.db.db, attempt.attemptId), [1, 2]);
  t.equal(row.lastAckedSeq, 2, 'the high-water mark covers every stored frame');
});
