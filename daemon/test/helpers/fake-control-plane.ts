// A control plane played over a real WebSocket on port 0: it welcomes a daemon, stores sequenced
// frames in seq order per attempt and acks them, and answers the frames a test picks with an
// `error` frame, the way the real one refuses a frame it can never take.
import { type ErrorPayload, makeFrame, newId } from '@solo-unicorn/shared';
import type { Test } from 'tap';
import { type WebSocket, WebSocketServer } from 'ws';

export type Frame = { v: number; type: string; id: string; payload: Record<string, any> };

export interface FakeControlPlaneOptions {
  /**
   * Per sequenced frame: undefined to store it, or how to refuse it. `ack: true` plays a frame
   * quarantined at ingest (its slot is stored and acked, then the error is sent).
   */
  refuse?(frame: Frame): (Omit<ErrorPayload, 'refId' | 'retryable'> & { ack?: boolean }) | undefined;
}

export async function startFakeControlPlane(t: Test, opts: FakeControlPlaneOptions = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as { port: number }).port;
  /** Every frame the daemon sent, in arrival order. */
  const received: Frame[] = [];
  /** attemptId → frames stored, index = seq - 1. */
  const stored = new Map<string, Frame[]>();
  const sockets = new Set<WebSocket>();
  const waiters: { test: () => boolean; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) if (w.test()) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };

  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    const send = (type: string, payload: unknown) => ws.send(JSON.stringify(makeFrame(type, payload)));
    ws.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as Frame;
      received.push(frame);
      const p = frame.payload;
      if (frame.type === 'session.hello') {
        send('session.welcome', {
          sessionId: newId(), workstationId: p.workstationId, heartbeatIntervalMs: 60_000,
          attempts: p.attempts.map((a: { attemptId: string }) => ({ attemptId: a.attemptId, lastStoredSeq: stored.get(a.attemptId)?.length ?? 0, fenced: false })),
        });
      } else if (frame.type === 'mission.event' || frame.type === 'mission.docs' || frame.type === 'mission.finished') {
        const list = stored.get(p.attemptId) ?? [];
        stored.set(p.attemptId, list);
        const refusal = p.seq === list.length + 1 ? opts.refuse?.(frame) : undefined;
        if (refusal) {
          const { ack, ...error } = refusal;
          if (ack) {
            list.push({ ...frame, type: 'mission.event', payload: { ...p, kind: 'frame.quarantined', data: { frameId: frame.id } } });
            send('event.ack', { acks: [{ attemptId: p.attemptId, seq: list.length }] });
          }
          send('error', { ...error, retryable: false, refId: frame.id });
        } else {
          // In order: stored and acked; a duplicate is acked again; past a gap, ignored (resent later).
          if (p.seq === list.length + 1) list.push(frame);
          if (p.seq <= list.length) send('event.ack', { acks: [{ attemptId: p.attemptId, seq: list.length }] });
        }
      }
      check();
    });
  });
  t.teardown(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.terminate();
    wss.close(() => resolve());
  }));

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    stored: (attemptId: string) => stored.get(attemptId) ?? [],
    hellos: () => received.filter((f) => f.type === 'session.hello').length,
    /** Resolves once `test` holds, checked after each frame received. */
    until(test: () => boolean) {
      if (test()) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ test, resolve }));
    },
    /** Cuts every daemon connection (the daemon redials). */
    cutAll() {
      for (const s of sockets) s.terminate();
    },
  };
}
