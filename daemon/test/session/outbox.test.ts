import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { backoffDelay } from '../../src/session/connection.ts';
import { openOutbox } from '../../src/session/outbox.ts';
import { tempDir } from '../helpers/processes.ts';

const ref = { attemptId: '01JATTEMPT0000000000000000', missionId: '01JM1SS10N0000000000000000', leaseVersion: 1 };
const event = (n: number) => ({ type: 'mission.event' as const, payload: { kind: 'agent.output', at: new Date().toISOString(), data: { n } } });

t.test('frames survive a reopen with their seq; acks trim; a torn last line is cut off', async (t) => {
  const path = join(tempDir('su-outbox-'), 'outbox.jsonl');
  const a = openOutbox(path);
  const frames = await Promise.all([1, 2, 3, 4].map((n) => a.append(ref, event(n))));
  t.same(frames.map((f) => f.payload.seq), [1, 2, 3, 4]);
  a.ack(ref.attemptId, 2);
  await a.close();
  appendFileSync(path, '{"t":"f","f":{"v":1,"ty'); // kill -9 mid-write

  const b = openOutbox(path);
  t.same(b.pending().map((f) => f.payload.seq), [3, 4]);
  t.same(b.held(), [{ ...ref, lastSeq: 4, state: 'running' }]);
  t.equal((await b.append(ref, event(5))).payload.seq, 5, 'seq continues after a restart');
  t.ok(readFileSync(path, 'utf8').endsWith('\n'), 'the torn line is gone');
  b.resume(ref.attemptId, 4);
  t.equal(b.depth, 1);
  await b.append(ref, { type: 'mission.finished', payload: { at: new Date().toISOString(), status: 'succeeded' } });
  b.ack(ref.attemptId, 6);
  t.same(b.held(), [], 'a finished and fully acked attempt is forgotten');
  await b.close();
  t.same(openOutbox(path).held(), []);
});

t.test('backoff is full jitter between 0 and min(cap, base·2^n)', async (t) => {
  const b = { baseMs: 1000, maxMs: 30_000 };
  t.equal(backoffDelay(0, b, () => 0.999), 999);
  t.equal(backoffDelay(3, b, () => 0.5), 4000);
  t.equal(backoffDelay(20, b, () => 0.999), 29_970);
  t.equal(backoffDelay(20, b, () => 0), 0);
});
