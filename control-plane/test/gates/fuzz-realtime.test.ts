import { realtimeClientFrameSchema } from '@solo-unicorn/shared';
import fc from 'fast-check';
import { Writable } from 'node:stream';
import t from 'tap';
import { z } from 'zod';
import { ADMIN_KEY, startTestApp } from '../helpers/app.ts';
import { createMission, createOrg, createProject } from '../helpers/fixtures.ts';
import { realtimeClient } from '../helpers/ws-client.ts';
import WebSocket from 'ws';
import { encodeLoose } from './helpers/encode.ts';
import { arbitraryOf, hostileString, type JsonSchema } from './helpers/schema-arbitrary.ts';

// Standing gate: the monitoring socket's client frames (subscribe, unsubscribe, ping), generated
// from the shared schema with real and forged channels and cursors (18-digit, past int4), plus
// raw garbage. Asserted: every batch is answered (a ping gets its pong), the socket is never
// closed for an internal error, and the process still serves.
const CASES = Number(process.env.SU_FUZZ_REALTIME_CASES ?? 1000);
const SEED = Number(process.env.SU_FUZZ_SEED ?? Date.now() % 2 ** 31);
const CHUNK = 25;

// The server's own log is watched too: a refused frame is fine, a failed query is a bug.
const problems: string[] = [];
const stream = new Writable({ write(chunk, _enc, done) {
  const line = chunk.toString();
  if (/"level":(50|60)/.test(line) || /QueryError|"type":"(TypeError|RangeError)"/.test(line)) problems.push(line.slice(0, 400));
  done();
} });
const app = await startTestApp(t, { logger: { level: 'warn', stream } });
const org = await createOrg(app.admin);
const project = await createProject(app.admin, org.id);
const mission = await createMission(app.admin, project.id);
const channels = [`project:${project.id}:missions`, `project:${project.id}:fallback`, `mission:${mission.id}:events`, `organization:${org.id}:workstations`];

const schema = z.toJSONSchema(realtimeClientFrameSchema, { unrepresentable: 'any', io: 'input' }) as JsonSchema;
const frame = fc.oneof(
  { weight: 6, arbitrary: arbitraryOf(schema, { ids: [org.id, project.id, mission.id], validWeight: 12 }) },
  // Real channels with cursors at and past the edges of what a channel's seq can be.
  { weight: 6, arbitrary: fc.record({
    type: fc.constantFrom('subscribe', 'unsubscribe'),
    channel: fc.constantFrom(...channels),
    cursor: fc.option(fc.oneof(fc.constantFrom('0', '1', '2147483647', '2147483648', '9223372036854775807', '999999999999999999'), fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }).map(String), hostileString), { nil: undefined }),
  }) },
  { weight: 1, arbitrary: hostileString },
).map((f) => (typeof f === 'string' ? f : JSON.stringify(f)));

t.test(`fuzzes the monitoring socket's client frames (${CASES} frames, seed ${SEED})`, async (t) => {
  let client = await realtimeClient(app.baseUrl, ADMIN_KEY);
  const failures: string[] = [];
  let cases = 0;
  const frames = fc.sample(frame, { numRuns: CASES, seed: SEED });
  for (let i = 0; i < frames.length; i += CHUNK) {
    const chunk = frames.slice(i, i + CHUNK);
    for (const text of chunk) client.send(text);
    cases += chunk.length;
    client.frames.length = 0;
    client.send({ type: 'ping' });
    const answered = await Promise.race([
      client.next((f) => f.type === 'pong').then(() => 'pong'),
      client.closed.then((c) => `closed ${c.code} ${c.reason}`),
    ]);
    if (answered !== 'pong') {
      failures.push(`batch ${i / CHUNK}: ${answered}; frames: ${chunk.map((f) => f.slice(0, 120)).join(' | ')}`);
      client = await realtimeClient(app.baseUrl, ADMIN_KEY);
    }
  }
  client.close();
  t.comment(`gate fuzz-realtime: ${cases} cases, ${failures.length + problems.length} failures, seed ${SEED}`);
  t.same(failures.slice(0, 10), [], `${failures.length} failing batches (SU_FUZZ_SEED=${SEED} replays them)`);
  t.same(problems.slice(0, 5), [], 'the server logged no failed query or internal error');
  t.equal((await app.admin.get('/healthz')).status, 200, 'the control plane still serves');
});

t.test('forged tickets on the socket upgrade are refused with a 4xx, never a 5xx or a socket', async (t) => {
  const tickets = fc.sample(fc.oneof(hostileString, fc.constantFrom('sut_' + 'A'.repeat(43), 'su_test_admin_key_0123456789abcdefghij')), { numRuns: Math.ceil(CASES / 10), seed: SEED + 7 });
  const statuses = new Map<string, number>();
  for (const ticket of tickets) {
    const ws = new WebSocket(`${app.baseUrl.replace('http', 'ws')}/api/v1/realtime?ticket=${encodeLoose(ticket)}`);
    const outcome = await new Promise<string>((resolve) => {
      ws.once('open', () => resolve('open'));
      ws.once('unexpected-response', (req, res) => { req.destroy(); resolve(String(res.statusCode)); });
      ws.once('error', (err) => resolve(`error ${err.message}`));
    });
    ws.terminate();
    statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
  }
  t.comment(`gate fuzz-realtime-tickets: ${tickets.length} cases, outcomes ${JSON.stringify(Object.fromEntries(statuses))}`);
  t.ok([...statuses.keys()].every((k) => /^4\d\d$/.test(k)), 'every forged ticket answered 4xx');
  t.same(problems.slice(0, 5), [], 'the server logged no failed query or internal error');
});
