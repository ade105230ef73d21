import { newId } from '@solo-unicorn/shared';
import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import type { DaemonConfig } from '../../src/config.ts';
import { createDaemon } from '../../src/daemon.ts';
import { createLogger } from '../../src/logger.ts';
import { type FakeControlPlaneOptions, type Frame, startFakeControlPlane } from '../helpers/fake-control-plane.ts';
import { tempDir } from '../helpers/processes.ts';

// What a poisoned frame carries; it must never reach a log line.
const secret = 'POISON-CONTENT-7f3a';

/** A real daemon (the production wiring) against a fake control plane; its log lines are kept. */
async function startDaemonAgainst(t: Test, opts: FakeControlPlaneOptions) {
  const cp = await startFakeControlPlane(t, opts);
  const logs: Record<string, any>[] = [];
  const logWaiters: { test: (l: Record<string, any>) => boolean; resolve: () => void }[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) {
        const entry = JSON.parse(line);
        logs.push(entry);
        for (const w of [...logWaiters]) if (w.test(entry)) {
          logWaiters.splice(logWaiters.indexOf(w), 1);
          w.resolve();
        }
      }
      done();
    },
  });
  /** Resolves once a log line with this message (and matching `test`) was written, past or future. */
  const logged = (msg: string, test: (l: Record<string, any>) => boolean = () => true) => {
    const match = (l: Record<string, any>) => l.msg === msg && test(l);
    return logs.some(match) ? Promise.resolve() : new Promise<void>((resolve) => logWaiters.push({ test: match, resolve }));
  };
  /** The daemon processed the ack of `seq` of the test's attempt, and its outbox was then empty. */
  const drained = (seq: number) => logged('ack received', (l) => l.depth === 0 && l.acks.some((a: { attemptId: string; seq: number }) => a.attemptId === ref.attemptId && a.seq >= seq));
  const config: DaemonConfig = {
    home: tempDir('su-refused-'), serverUrl: cp.url, workstationId: newId(), token: 'su_ws_test', maxConcurrentMissions: 0, allowFullAgentPermissions: false,
    agents: {}, path: '', logLevel: 'debug', reconnect: { baseMs: 10, maxMs: 50 },
    agentTimeouts: { stallMs: 60_000, wallMs: 60_000, killGraceMs: 100 }, worktrees: { perRepo: 1, diskCapBytes: 1024 ** 3 }, version: '0.1.0',
  };
  const daemon = await createDaemon(config, createLogger('debug', sink));
  t.teardown(() => daemon.stop());
  daemon.start();
  await cp.until(() => cp.hellos() === 1);
  const ref = { attemptId: newId(), missionId: newId(), leaseVersion: 1 };
  const emit = (data: Record<string, unknown>) => daemon.emit(ref, 'agent.output', data);
  const sent = (test: (f: Frame) => boolean) => cp.received.filter((f) => f.payload.attemptId === ref.attemptId && test(f));
  return { cp, daemon, ref, emit, logs, logged, drained, sent };
}

const isPoison = (f: Frame) => f.type === 'mission.event' && f.payload.data.text === secret;
const isSubstitute = (f: Frame) => f.type === 'mission.event' && f.payload.kind === 'frame.rejected';

t.test('a frame the control plane refuses for good is replaced once, later frames flow, and it is never resent', async (t) => {
  const { cp, daemon, ref, emit, logs, drained, sent } = await startDaemonAgainst(t, {
    refuse: (f) => (isPoison(f) ? { code: 'SU_ERR_PROTOCOL_FRAME', message: 'invalid mission.event frame: data: too odd' } : undefined),
  });
  await emit({ text: 'before' });
  const poison = await emit({ text: secret });
  await emit({ text: 'after 1' });
  await emit({ text: 'after 2' });
  await cp.until(() => cp.stored(ref.attemptId).length === 4);

  const stored = cp.stored(ref.attemptId);
  t.same(stored.map((f) => f.payload.seq), [1, 2, 3, 4], 'the attempt seq stays gap-free');
  t.same(stored.map((f) => f.payload.data.text ?? f.payload.kind), ['before', 'frame.rejected', 'after 1', 'after 2']);
  t.match(stored[1]!.payload, {
    attemptId: ref.attemptId, missionId: ref.missionId, leaseVersion: 1, seq: 2,
    data: { rejectedType: 'mission.event', code: 'SU_ERR_PROTOCOL_FRAME', message: 'invalid mission.event frame: data: too odd' },
  }, 'the substitute says what was lost and why, in the same slot');
  await drained(4);
  t.equal(daemon.outbox.depth, 0, 'everything acked: nothing left to resend');

  // A reconnect resends what is not acked: the refused frame is not among it.
  cp.cutAll();
  await cp.until(() => cp.hellos() === 2);
  await emit({ text: 'after reconnect' });
  await cp.until(() => cp.stored(ref.attemptId).length === 5);
  t.equal(sent((f) => f.id === poison.id).length, 1, 'the refused frame was sent once, never again');
  t.equal(sent(isSubstitute).length, 1, 'the substitute was sent once');

  const warned = logs.filter((l) => l.msg === 'frame refused for good by the control plane; sending a substitute');
  t.match(warned, [{ level: 40, type: 'mission.event', seq: 2, attemptId: ref.attemptId, code: 'SU_ERR_PROTOCOL_FRAME' }], 'one warn line naming the frame type');
  t.notOk(logs.some((l) => JSON.stringify(l).includes(secret)), 'the frame content is in no log line');
});

t.test('a frame quarantined and acked by the control plane is trimmed without a resend or a reconnect', async (t) => {
  const { cp, daemon, ref, emit, logged, drained, sent } = await startDaemonAgainst(t, {
    refuse: (f) => (isPoison(f) ? { code: 'SU_ERR_FRAME_QUARANTINED', message: 'mission.event could not be stored', ack: true } : undefined),
  });
  const poison = await emit({ text: secret });
  await emit({ text: 'after' });
  await cp.until(() => cp.stored(ref.attemptId).length === 2);
  await logged('frame refused by the control plane');
  t.same(cp.stored(ref.attemptId).map((f) => f.payload.kind), ['frame.quarantined', 'agent.output']);
  await drained(2);
  t.equal(daemon.outbox.depth, 0);
  t.equal(cp.hellos(), 1, 'the session was not cut to resend');
  t.equal(sent(isSubstitute).length, 0, 'its slot is filled already: no substitute');
  cp.cutAll();
  await cp.until(() => cp.hellos() === 2);
  await emit({ text: 'later' });
  await cp.until(() => cp.stored(ref.attemptId).length === 3);
  t.equal(sent((f) => f.id === poison.id).length, 1, 'never resent');
});

t.test('when the substitute is refused too, the attempt is dropped: nothing loops, nothing more is sent for it', async (t) => {
  const { cp, daemon, ref, emit, logs, logged, sent } = await startDaemonAgainst(t, {
    refuse: (f) => (isPoison(f) || isSubstitute(f) ? { code: 'SU_ERR_PROTOCOL_FRAME', message: 'no' } : undefined),
  });
  // Appended together: all are in the outbox before the refusals come back.
  await Promise.all([emit({ text: 'before' }), emit({ text: secret }), emit({ text: 'after' })]);
  await cp.until(() => sent(isSubstitute).length === 1);
  const dropped = 'substitute frame refused too; dropping the attempt\'s unsent frames';
  await logged(dropped);
  t.same(daemon.outbox.held(), [], 'the attempt is done with in the outbox');
  await t.rejects(emit({ text: 'more' }), /refused by the control plane/, 'new frames for it are refused, not renumbered');

  const before = sent(() => true).length;
  cp.cutAll();
  await cp.until(() => cp.hellos() === 2);
  const hello = cp.received.filter((f) => f.type === 'session.hello')[1]!;
  t.same(hello.payload.attempts, [], 'the next hello holds nothing for it');
  // Another attempt's frame flows after the reconnect; none of the dropped one comes with it.
  const other = { attemptId: newId(), missionId: newId(), leaseVersion: 1 };
  await daemon.emit(other, 'agent.output', { text: 'other attempt' });
  await cp.until(() => cp.stored(other.attemptId).length === 1);
  t.equal(sent(() => true).length, before, 'nothing of the dropped attempt was sent after the reconnect');
  t.equal(cp.stored(ref.attemptId).length, 1, 'only what was stored before the refusal');
  t.equal(logs.filter((l) => l.msg === dropped).length, 1, 'one warn line');
  t.notOk(logs.some((l) => JSON.stringify(l).includes(secret)));
});
