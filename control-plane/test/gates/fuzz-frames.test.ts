import { daemonToServerFrame, makeFrame, newId } from '@solo-unicorn/shared';
import fc from 'fast-check';
import t from 'tap';
import { z } from 'zod';
import { defaultFrameRateLimits } from '../../src/sessions/frame-rate.ts';
import { startTestApp } from '../helpers/app.ts';
import { queryRows } from '../helpers/sql.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { createAttempt } from '../workstations/helpers/attempts.ts';
import { connectRaw, hello, type RawClient } from '../workstations/helpers/ws-client.ts';
import { arbitraryOf, hostileString, type JsonSchema } from './helpers/schema-arbitrary.ts';

// Standing gate: property-based fuzzing of every daemon → control-plane frame type over a real
// session. Frames are generated from the shared zod schemas (valid-shaped with hostile leaves,
// wrong types, unknown fields) plus raw garbage. Asserted: the session never fails with an
// internal error, every batch is answered, the process stays up, and each attempt's stored
// events stay gap-free and equal to what was acked (no partial write).
const CASES = Number(process.env.SU_FUZZ_FRAME_CASES ?? 2000);
const SEED = Number(process.env.SU_FUZZ_SEED ?? Date.now() % 2 ** 31);
const CHUNK = 40;

// The rate limit has its own test; here every frame should reach the handlers.
const app = await startTestApp(t, {
  sessions: { heartbeatIntervalMs: 15_000, helloTimeoutMs: 10_000, ingestBatchSize: 500, rateLimits: { ...defaultFrameRateLimits, controlFramesPerSecond: 1e6, controlBurst: 1e6 } },
});
const org = await createOrg(app.admin);
const project = await createProject(app.admin, org.id);
const { body: created } = await app.admin.post('/api/v1/workstations', { organizationId: org.id, name: 'fuzz' });
const ws = { id: created.workstation.id as string, token: created.token as string };
const fuzzMissions = [await createMission(app.admin, project.id), await createMission(app.admin, project.id)];
const fuzzAttempts = await Promise.all(fuzzMissions.map((m) => createAttempt(app.db.db, { missionId: m.id, projectId: project.id, workstationId: ws.id })));
const allAttempts = [...fuzzAttempts];

/** Live attempts the next chunk aims at; a finished one is replaced by a fresh attempt. */
async function liveTargets() {
  for (const [i, a] of fuzzAttempts.entries()) {
    const [row] = await queryRows<{ status: string }>(app.db, `SELECT status FROM code_agent_sessions WHERE id = '${a.attemptId}'`);
    if (row!.status === 'running' || row!.status === 'assigned') continue;
    const m = await createMission(app.admin, project.id);
    fuzzAttempts[i] = await createAttempt(app.db.db, { missionId: m.id, projectId: project.id, workstationId: ws.id });
    allAttempts.push(fuzzAttempts[i]!);
    pool.ids.push(m.id, fuzzAttempts[i]!.attemptId);
  }
  const next = new Map<string, number>();
  for (const a of fuzzAttempts) {
    const [row] = await queryRows<{ s: number }>(app.db, `SELECT last_acked_seq AS s FROM code_agent_sessions WHERE id = '${a.attemptId}'`);
    next.set(a.attemptId, Number(row!.s) + 1);
  }
  return next;
}

/**
 * Most sequenced frames are aimed at a live attempt with the next seq, so that valid-shaped
 * ones are stored (and their hostile leaves reach the database) rather than refused as gaps.
 */
function aim(text: string, i: number, next: Map<string, number>): string {
  if (i % 5 === 4) return text;
  let frame: any;
  try {
    frame = JSON.parse(text);
  } catch {
    return text;
  }
  if (!['mission.event', 'mission.docs', 'mission.finished'].includes(frame?.type) || !frame.payload || typeof frame.payload !== 'object') return text;
  const a = fuzzAttempts[i % fuzzAttempts.length]!;
  const seq = next.get(a.attemptId)!;
  const aimed = { ...frame, payload: { ...frame.payload, attemptId: a.attemptId, missionId: a.missionId, leaseVersion: a.leaseVersion, seq } };
  // Only a frame the server will parse takes the next seq; the others would only open a gap.
  if (!daemonToServerFrame.safeParse(aimed).success) return text;
  next.set(a.attemptId, seq + 1);
  return JSON.stringify(aimed);
}
// The sentinel attempt is never named by generated frames: its acks prove each batch was handled.
const sentinelMission = await createMission(app.admin, project.id);
const sentinel = await createAttempt(app.db.db, { missionId: sentinelMission.id, projectId: project.id, workstationId: ws.id });
// Frames have many required fields: fewer hostile nodes each, so a fair share parse and get stored.
const pool = { ids: [...fuzzMissions.map((m) => m.id), ...fuzzAttempts.map((a) => a.attemptId), ws.id, newId()], validWeight: 30 };

const frameTypes = daemonToServerFrame.options.map((o) => ({
  type: o.shape.type.value as string,
  schema: z.toJSONSchema(o, { unrepresentable: 'any', io: 'input' }) as JsonSchema,
}));

/** A frame of `type`: its envelope right most of the time, its payload from the schema. */
function frameArbitrary(type: string, schema: JsonSchema) {
  const payload = arbitraryOf(schema.properties?.payload ?? {}, pool);
  // Small seqs, near what is stored, so valid-shaped frames are stored rather than all gaps.
  const seq = fc.oneof(fc.integer({ min: 1, max: 30 }), fc.constantFrom(0, -1, 2 ** 31, 1.5));
  return fc.record({ payload, seq, v: fc.oneof({ weight: 9, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer() }) }).map(({ payload, seq, v }) => {
    const p = payload && typeof payload === 'object' && !Array.isArray(payload) ? { ...(payload as object), seq } : payload;
    return JSON.stringify({ v, type, id: newId(), payload: p });
  });
}
const garbage = fc.oneof(
  hostileString,
  fc.constantFrom('['.repeat(100_000), '{"v":1,"type":"mission.event","id":"x","payload":', `{"v":1e400,"type":"a","id":"${newId()}"}`, 'null', '[]', '""'),
);
const anyFrame = fc.oneof(
  { weight: 12, arbitrary: fc.oneof(...frameTypes.filter((f) => f.type !== 'session.hello').map((f) => frameArbitrary(f.type, f.schema))) },
  { weight: 1, arbitrary: garbage },
);

async function open(): Promise<RawClient> {
  const client = await connectRaw(app.baseUrl, ws.token);
  client.send(hello(ws.id));
  await client.waitFor((f) => f.type === 'session.welcome', 'welcome');
  return client;
}

t.test(`fuzzes every daemon frame type over a real session (${CASES} frames, seed ${SEED})`, async (t) => {
  const failures: string[] = [];
  let client = await open();
  let sentinelSeq = 0;
  let cases = 0;
  const errors = new Map<string, number>();
  const frames = fc.sample(anyFrame, { numRuns: CASES, seed: SEED });
  for (let i = 0; i < frames.length; i += CHUNK) {
    const next = await liveTargets();
    const chunk = frames.slice(i, i + CHUNK).map((text, j) => aim(text, i + j, next));
    for (const text of chunk) client.sendRaw(text);
    cases += chunk.length;
    sentinelSeq++;
    client.send(makeFrame('mission.event', { ...sentinel, seq: sentinelSeq, kind: 'agent.output', at: new Date().toISOString(), data: { chunk: i } }));
    const answered = await Promise.race([
      client.waitFor((f) => f.type === 'event.ack' && f.payload.acks.some((a: any) => a.attemptId === sentinel.attemptId && a.seq >= sentinelSeq), 'sentinel ack').then(() => 'acked'),
      client.closed.then((c) => `closed ${c.code} ${c.reason}`),
    ]).catch((err: Error) => err.message);
    if (answered !== 'acked') {
      failures.push(`batch ${i / CHUNK}: ${answered}; frames: ${chunk.map((f) => f.slice(0, 120)).join(' | ')}`);
      client = await open();
      sentinelSeq = Number((await queryRows<{ s: number }>(app.db, `SELECT last_acked_seq AS s FROM code_agent_sessions WHERE id = '${sentinel.attemptId}'`))[0]!.s);
    }
    for (const f of client.frames) if (f.type === 'error') errors.set(f.payload.code, (errors.get(f.payload.code) ?? 0) + 1);
    if (process.env.SU_FUZZ_DEBUG) for (const f of client.frames) if (f.type === "error") console.error(f.payload.message.slice(0, 160));
    client.frames.length = 0;
  }
  // Hellos on fresh connections: a bad one is refused, never an internal error.
  const hellos = fc.sample(frameArbitrary('session.hello', frameTypes.find((f) => f.type === 'session.hello')!.schema), { numRuns: Math.ceil(CASES / 20), seed: SEED + 1 });
  for (const text of hellos) {
    const c = await connectRaw(app.baseUrl, ws.token);
    c.sendRaw(text);
    const outcome = await Promise.race([c.waitFor((f) => f.type === 'session.welcome' || f.type === 'error').then((f) => f.type), c.closed.then((x) => `closed ${x.code}`)]).catch((e: Error) => e.message);
    if (/closed 1011|socket closed/.test(outcome)) failures.push(`hello: ${outcome}: ${text.slice(0, 200)}`);
    await c.close();
    cases++;
  }
  await client.close();

  // Every attempt's stored agent events are gap-free from 1 and end at what was acked.
  let stored = 0;
  for (const a of [...allAttempts, sentinel]) {
    const [row] = await queryRows<{ s: number }>(app.db, `SELECT last_acked_seq AS s FROM code_agent_sessions WHERE id = '${a.attemptId}'`);
    const seqs = (await queryRows<{ s: number }>(app.db, `SELECT attempt_seq AS s FROM mission_events WHERE attempt_id = '${a.attemptId}' ORDER BY attempt_seq`)).map((r) => Number(r.s));
    t.same(seqs, Array.from({ length: Number(row!.s) }, (_, i) => i + 1), `attempt ${a.attemptId}: stored seqs 1..${row!.s}`);
    if (a !== sentinel) stored += seqs.length;
  }
  t.comment(`gate fuzz-frames: ${cases} cases, ${failures.length} failures, seed ${SEED}; ${stored} fuzzed frames stored over ${allAttempts.length} attempts; errors ${JSON.stringify(Object.fromEntries(errors))}`);
  t.ok(stored > cases / 20, 'a fair share of generated frames reached the database');
  t.same(failures.slice(0, 10), [], `${failures.length} failing batches (SU_FUZZ_SEED=${SEED} replays them)`);
  t.equal((await app.admin.get('/healthz')).status, 200, 'the control plane still serves');
  const again = await open();
  t.pass('a daemon session still opens');
  await again.close();
});
