import { isStorableText } from '@solo-unicorn/shared';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { backoffDelay } from '../../src/session/connection.ts';
import { maxFrameBytes } from '../../src/session/frame-guard.ts';
import { openOutbox } from '../../src/session/outbox.ts';
import { tempDir } from '../helpers/processes.ts';
import { runOnceAcrossEngines } from '../helpers/lanes.ts';

runOnceAcrossEngines(t, 'a file that touches no database');

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

t.test('frames are made storable before they are written: NUL and lone surrogates become U+FFFD and the event is flagged', async (t) => {
  const path = join(tempDir('su-outbox-'), 'outbox.jsonl');
  const a = openOutbox(path);
  const bad = await a.append(ref, { type: 'mission.event', payload: { kind: 'agent.output', at: new Date().toISOString(), data: { text: 'a\u0000b', half: '\ud83d', nested: [{ 'k\u0000': 1 }] } } });
  t.same(bad.payload, { ...bad.payload, data: { text: 'a\uFFFDb', half: '\uFFFD', nested: [{ 'k\uFFFD': 1 }], sanitized: true } });
  const clean = await a.append(ref, event(2));
  t.notOk('sanitized' in (clean.payload as { data: object }).data, 'clean data is not flagged');
  const fin = await a.append(ref, { type: 'mission.finished', payload: { at: new Date().toISOString(), status: 'failed', reason: 'tail \udc00' } });
  t.equal((fin.payload as { reason: string }).reason, 'tail \uFFFD');
  await a.close();
  const text = readFileSync(path, 'utf8');
  t.ok(isStorableText(text), 'the file holds no raw NUL');
  t.notMatch(text, /\\u0000|\\ud83d|\\udc00/i, 'nor an escaped one');
});

t.test('a frame too big for the control plane, or one its schema refuses, is replaced at once in the same slot', async (t) => {
  const path = join(tempDir('su-outbox-'), 'outbox.jsonl');
  const a = openOutbox(path);
  const huge = await a.append(ref, { type: 'mission.event', payload: { kind: 'agent.output', at: new Date().toISOString(), data: { text: 'x'.repeat(maxFrameBytes) } } });
  t.match(huge.payload, { seq: 1, kind: 'frame.rejected', data: { rejectedType: 'mission.event', code: 'frame_too_large' } });
  t.ok(JSON.stringify(huge).length < 2000, 'the substitute carries none of the content');
  const odd = await a.append(ref, { type: 'mission.finished', payload: { at: new Date().toISOString(), status: 'succeeded', branch: 'b'.repeat(300) } });
  t.match(odd.payload, { seq: 2, status: 'failed', reason: /finish report was refused \(invalid_frame\)/ }, 'a finish that cannot be sent still ends the attempt');
  await a.close();
  t.same(openOutbox(path).pending().map((f) => f.payload.seq), [1, 2], 'both reload (a frame the schema refuses would stop the replay)');
});

t.test('a refused frame is replaced durably; a refused substitute drops the attempt for good', async (t) => {
  const path = join(tempDir('su-outbox-'), 'outbox.jsonl');
  const a = openOutbox(path);
  const frames = await Promise.all([1, 2, 3].map((n) => a.append(ref, event(n))));
  const r = a.reject(frames[1]!.id, { code: 'SU_ERR_PROTOCOL_FRAME', message: 'bad \u0000 frame' });
  t.equal(r?.outcome, 'replaced');
  const resend = r?.outcome === 'replaced' ? r.resend : [];
  t.same(resend.map((f) => [f.payload.seq, f.type === 'mission.event' && f.payload.kind]), [[2, 'frame.rejected'], [3, 'agent.output']], 'the substitute and what follows it');
  t.match(resend[0]!.payload, { data: { rejectedType: 'mission.event', code: 'SU_ERR_PROTOCOL_FRAME', message: 'bad \uFFFD frame' } });
  t.equal(a.reject(frames[1]!.id, { code: 'x', message: 'again' }), undefined, 'the refused frame is gone');
  await a.close();

  const b = openOutbox(path);
  const pending = b.pending();
  t.same(pending.map((f) => f.id), [frames[0]!.id, resend[0]!.id, frames[2]!.id], 'after a restart the substitute holds the slot');
  t.equal(b.reject(resend[0]!.id, { code: 'SU_ERR_PROTOCOL_FRAME', message: 'no' })?.outcome, 'dropped', 'a substitute is never replaced');
  t.same(b.held(), []);
  await t.rejects(b.append(ref, event(4)), /refused by the control plane/, 'no new frame restarts its seq at 1');
  await b.close();
  t.same(openOutbox(path).held(), [], 'dropped for good');
});
