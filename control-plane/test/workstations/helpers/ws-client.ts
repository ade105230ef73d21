import { makeFrame, newId } from '@solo-unicorn/shared';
import { once } from 'node:events';
import WebSocket from 'ws';

export interface RawClient {
  socket: WebSocket;
  frames: any[];
  closed: Promise<{ code: number; reason: string }>;
  send(frame: unknown): void;
  sendRaw(text: string): void;
  /** Resolves with the first frame (past or future) matching `match`. */
  waitFor(match: (frame: any) => boolean, what?: string): Promise<any>;
  close(): Promise<void>;
}

/** A lightweight protocol client over a real socket: what the daemon does, minus the daemon. */
export async function connectRaw(baseUrl: string, token: string): Promise<RawClient> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/v1/workstations/connect`, { headers: { authorization: `Bearer ${token}` } });
  const frames: any[] = [];
  const waiters: { match: (f: any) => boolean; resolve: (f: any) => void }[] = [];
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    frames.push(frame);
    for (const w of [...waiters]) if (w.match(frame)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(frame);
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await Promise.race([once(socket, 'open'), once(socket, 'unexpected-response').then(([req, res]) => {
    req.destroy();
    throw new Error(`upgrade refused: ${res.statusCode}`);
  })]);
  return {
    socket, frames, closed,
    send: (frame) => socket.send(JSON.stringify(frame)),
    sendRaw: (text) => socket.send(text),
    waitFor(match, what = 'frame') {
      const seen = frames.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        void closed.then(() => setImmediate(() => reject(new Error(`socket closed before ${what}`))));
      });
    },
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return;
      socket.close();
      await closed;
    },
  };
}

export function hello(workstationId: string, attempts: unknown[] = []) {
  return makeFrame('session.hello', { workstationId, daemonVersion: '0.0.0-test', agents: [{ type: 'custom', version: null }], maxConcurrentMissions: 2, attempts, draining: false });
}

export function eventFrame(a: { missionId: string; attemptId: string; leaseVersion?: number }, seq: number, kind = 'agent.output') {
  return makeFrame('mission.event', { missionId: a.missionId, attemptId: a.attemptId, leaseVersion: a.leaseVersion ?? 1, seq, kind, at: new Date().toISOString(), data: { n: seq } });
}

export const someId = () => newId();
