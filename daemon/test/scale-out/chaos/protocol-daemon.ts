// A lightweight daemon over the real protocol, for tests with many workstations: it accepts each
// assignment, produces its attempt's frames over time (events, then `mission.finished`), keeps
// every frame until acked, and after any lost session reconnects (through the balancer) with
// the attempts it holds in its hello and resends what the welcome says is not stored — the
// daemon's outbox rules, without the daemon.
import { makeFrame } from '@solo-unicorn/shared';
import WebSocket from 'ws';
import { attemptFrames } from '../../../../control-plane/test/dispatch/fixtures.ts';

interface Held {
  assign: any;
  frames: any[];
  /** Highest seq known stored (acked, or named in a welcome). */
  acked: number;
  timer?: NodeJS.Timeout;
}

export interface ProtocolDaemonOptions {
  url: string;
  token: string;
  workstationId: string;
  /** Events per attempt before its `mission.finished`. */
  events: number;
  stepMs: number;
  maxConcurrentMissions: number;
}

export function startProtocolDaemon(o: ProtocolDaemonOptions) {
  const held = new Map<string, Held>();
  /** Frames each attempt produced in all (events + finished), by attempt id. */
  const produced = new Map<string, number>();
  const stats = { sessions: 0, lostSessions: 0, resent: 0, finishedAcked: 0, fenced: [] as string[], unknownInWelcome: [] as string[], errors: [] as any[] };
  let socket: WebSocket | undefined;
  let welcomed = false;
  let stopped = false;
  let watchdog: NodeJS.Timeout | undefined;

  const sendNow = (frame: unknown) => {
    if (welcomed && socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  };
  const total = () => o.events + 1;

  function connect() {
    if (stopped) return;
    const ws = new WebSocket(`${o.url.replace(/^http/, 'ws')}/api/v1/workstations/connect`, { headers: { authorization: `Bearer ${o.token}` } });
    socket = ws;
    welcomed = false;
    ws.on('open', () => ws.send(JSON.stringify(hello())));
    ws.on('message', (data) => onFrame(JSON.parse(String(data))));
    ws.on('error', () => {}); // 'close' follows (a refused upgrade too)
    // No welcome in time (an instance stalled or dying mid-handshake): start over.
    clearTimeout(watchdog);
    watchdog = setTimeout(() => ws.terminate(), 15_000);
    ws.on('close', () => {
      if (socket !== ws) return;
      clearTimeout(watchdog);
      if (welcomed) stats.lostSessions++;
      welcomed = false;
      socket = undefined;
      // Full jitter, short: the balancer sends us to a live instance.
      if (!stopped) setTimeout(connect, 50 + Math.random() * 250);
    });
  }

  function hello() {
    const attempts = [...held.values()].map((h) => ({
      attemptId: h.assign.payload.attemptId, missionId: h.assign.payload.mission.id, leaseVersion: h.assign.payload.leaseVersion,
      lastSeq: h.frames.length, state: h.frames.length === total() ? 'finished' : 'running',
    }));
    return makeFrame('session.hello', {
      workstationId: o.workstationId, daemonVersion: '0.0.0-chaos', agents: [{ type: 'custom', version: null }],
      maxConcurrentMissions: o.maxConcurrentMissions, attempts, draining: false,
    });
  }

  function onFrame(frame: any) {
    switch (frame.type) {
      case 'session.welcome':
        clearTimeout(watchdog);
        return welcome(frame.payload);
      case 'mission.assign':
        return assigned(frame);
      case 'event.ack':
        for (const a of frame.payload.acks) acked(a.attemptId, a.seq);
        return;
      case 'error':
        stats.errors.push(frame.payload);
        // A gap the server saw: resync through a fresh session (the welcome says what is stored).
        if (frame.payload.code === 'SU_ERR_PROTOCOL_STATE' && frame.payload.attemptId) socket?.close();
        return;
      default:
    }
  }

  function welcome(p: any) {
    stats.sessions++;
    for (const w of p.attempts) {
      const h = held.get(w.attemptId);
      if (!h) {
        stats.unknownInWelcome.push(w.attemptId); // live here, but its assignment never reached us
        continue;
      }
      if (w.fenced) {
        stats.fenced.push(w.attemptId);
        clearInterval(h.timer);
        held.delete(w.attemptId);
      } else h.acked = Math.max(h.acked, w.lastStoredSeq);
    }
    welcomed = true;
    for (const h of held.values()) {
      const pending = h.frames.slice(h.acked);
      stats.resent += pending.length;
      for (const f of pending) sendNow(f);
    }
  }

  function assigned(assign: any) {
    const attemptId = assign.payload.attemptId as string;
    if (held.has(attemptId) || produced.has(attemptId)) return; // a resent assignment
    const f = attemptFrames(assign);
    const h: Held = { assign, frames: [], acked: 0 };
    held.set(attemptId, h);
    produced.set(attemptId, 0);
    socket?.send(JSON.stringify(f.accepted()));
    h.timer = setInterval(() => {
      const frame = h.frames.length < o.events ? f.event('agent.output', { line: h.frames.length + 1 }) : f.finished('succeeded');
      h.frames.push(frame);
      produced.set(attemptId, h.frames.length);
      if (h.frames.length === total()) clearInterval(h.timer);
      sendNow(frame);
    }, o.stepMs);
  }

  function acked(attemptId: string, seq: number) {
    const h = held.get(attemptId);
    if (!h) return;
    h.acked = Math.max(h.acked, seq);
    if (h.frames.length === total() && h.acked >= total()) {
      held.delete(attemptId);
      stats.finishedAcked++;
    }
  }

  connect();
  return {
    stats,
    produced,
    get held() {
      return held.size;
    },
    get connected() {
      return welcomed;
    },
    stop() {
      stopped = true;
      clearTimeout(watchdog);
      for (const h of held.values()) clearInterval(h.timer);
      socket?.terminate();
    },
  };
}
export type ProtocolDaemon = ReturnType<typeof startProtocolDaemon>;
