import {
  type DaemonToServerFrame, daemonToServerFrame, type ErrorPayload, makeFrame, parseFrame, sanitizeDeep, type SequencedFrame,
  type ServerToDaemonFrame, sessionCloseCodes, type SessionHelloFrame,
} from '@solo-unicorn/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { Db } from '../db/types.ts';
import type { Clock } from '../lib/time.ts';
import type { LiveSession, SessionHub } from './hub.ts';
import type { FrameStore, StoreOutcome } from './frame-store.ts';
import { createInflowGate, createTokenBucket, defaultFrameRateLimits, type FrameRateLimits } from './frame-rate.ts';
import { isDefinitiveStoreError } from './store-errors.ts';
import { safeError } from '../lib/safe-error.ts';
import { createSessionsRepository, isLiveAttempt, type SessionsRepository } from './sessions.repository.ts';
import { respondToToolRequest } from '../modules/mission-tools/tool-requests.ts';
import { strayAttemptsOf } from './stray-attempts.ts';

export interface SessionSettings {
  heartbeatIntervalMs: number;
  helloTimeoutMs: number;
  /** Frames stored per transaction at most. */
  ingestBatchSize: number;
  /** Per-socket bounds (defaultFrameRateLimits when absent). */
  rateLimits?: FrameRateLimits;
}

export interface SessionDeps {
  db: Db;
  clock: Clock;
  hub: SessionHub;
  /** Shared by every session of the process (a session's own memory is what it must hold, #17). */
  frames: FrameStore;
  repo: SessionsRepository;
  settings: SessionSettings;
  log: FastifyBaseLogger;
  /** Dispatch hooks: a session opened, an assignment was answered, an attempt finished. */
  /** `held`: the attempts the daemon's hello says it still runs or has not had acked. */
  onOpen?: (workstationId: string, held: string[]) => void;
  onReply?: (workstationId: string, frame: Extract<DaemonToServerFrame, { type: 'mission.accepted' | 'mission.declined' }>) => Promise<void>;
  onAttemptFinished?: (workstationId: string) => void;
}

type Payload<T extends ServerToDaemonFrame['type']> = Extract<ServerToDaemonFrame, { type: T }>['payload'];

/**
 * One daemon connection: waits for session.hello, then stores sequenced frames in order
 * (batched, one flush at a time) and acks after commit. Socket handlers never throw.
 */
export function openSession(socket: WebSocket, workstationId: string, remoteAddress: string | null, deps: SessionDeps) {
  const { db, clock, hub, frames, repo, settings } = deps;
  let log = deps.log.child({ workstationId });
  let sessionId: string | undefined; // set once hello is accepted
  let state: 'awaiting-hello' | 'opening' | 'open' | 'closed' = 'awaiting-hello';
  let alive = true;
  let closeReason = 'connection closed';
  const queue: SequencedFrame[] = [];
  const limits = settings.rateLimits ?? defaultFrameRateLimits;
  const controlFrames = createTokenBucket(limits.controlFramesPerSecond, limits.controlBurst);
  const inflow = createInflowGate(limits);
  const frameBytes = new WeakMap<SequencedFrame, number>();
  let flushing: Promise<void> | undefined;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));

  function send<T extends ServerToDaemonFrame['type']>(type: T, payload: Payload<T>) {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(makeFrame(type, payload)));
  }
  const sendError = (payload: ErrorPayload) => send('error', payload);

  const live: LiveSession = {
    get id() {
      return sessionId ?? 'pending';
    },
    workstationId,
    send(frame) {
      if (socket.readyState !== socket.OPEN) return false;
      socket.send(JSON.stringify(frame));
      return true;
    },
    async close({ code, text, errorCode }) {
      closeReason = text;
      if (errorCode) sendError({ code: errorCode, message: text, retryable: false });
      socket.close(code, text);
      // A peer that never answers the close handshake is cut after a short while.
      setTimeout(() => socket.terminate(), 2000).unref();
      await done;
    },
    ping() {
      if (!alive) return false;
      alive = false;
      if (socket.readyState === socket.OPEN) socket.ping();
      return true;
    },
    terminate() {
      closeReason = 'missed ping';
      socket.terminate();
    },
  };
  hub.connected(live);

  const helloTimer = setTimeout(() => {
    sendError({ code: 'SU_ERR_PROTOCOL_STATE', message: `no session.hello within ${settings.helloTimeoutMs} ms`, retryable: true });
    closeReason = 'hello timeout';
    socket.close(sessionCloseCodes.helloTimeout, 'hello timeout');
  }, settings.helloTimeoutMs);
  helloTimer.unref();

  socket.on('pong', () => (alive = true));
  socket.on('message', (data, isBinary) => {
    alive = true;
    const raw = isBinary ? '' : data.toString();
    const parsed = parseFrame(raw, daemonToServerFrame);
    if (!parsed.ok) {
      // The same bytes would fail the same way: never retryable, so the daemon drops or replaces them.
      log.warn({ code: parsed.code, refId: parsed.refId, problem: parsed.message }, 'invalid frame refused');
      sendError({ code: parsed.code, message: parsed.message, retryable: false, refId: parsed.refId });
      return;
    }
    const frame = storable(parsed.frame);
    if (isSequenced(frame)) {
      frameBytes.set(frame, raw.length);
      inflow.added(raw.length);
      if (inflow.full && !socket.isPaused) socket.pause();
    } else if (!controlFrames.take()) {
      log.warn({ type: frame.type }, 'control frame over the rate limit refused');
      sendError({ code: 'SU_ERR_RATE_LIMITED', message: `too many control frames; at most ${limits.controlFramesPerSecond}/s`, retryable: true, refId: frame.id });
      return;
    }
    void onFrame(frame).catch((err) => {
      if (isDefinitiveStoreError(err) && frame.type !== 'session.hello') {
        // This frame can never be stored (e.g. an inventory the database refuses): say so, keep the session.
        log.warn({ error: safeError(err), type: frame.type }, 'frame refused for good');
        sendError({ code: 'SU_ERR_PROTOCOL_FRAME', message: `${frame.type} could not be stored; it will not be accepted if resent`, retryable: false, refId: frame.id });
        return;
      }
      failed(err, frame.type, frame.id);
    });
  });
  socket.on('close', () => {
    clearTimeout(helloTimer);
    const wasOpen = state === 'open';
    state = 'closed';
    hub.detach(live);
    void (async () => {
      try {
        await flushing;
        if (wasOpen && sessionId) await repo.closeSession(sessionId, workstationId, closeReason);
        if (wasOpen) log.info({ reason: closeReason }, 'daemon session closed');
      } catch (err) {
        log.error({ err }, 'could not record the end of a session');
      } finally {
        finished();
      }
    })();
  });

  async function onFrame(frame: DaemonToServerFrame) {
    if (state === 'closed') return;
    if (frame.type === 'session.hello') return hello(frame);
    if (state !== 'open') {
      sendError({ code: 'SU_ERR_PROTOCOL_STATE', message: `${frame.type} before session.hello`, retryable: true, refId: frame.id });
      return;
    }
    switch (frame.type) {
      case 'session.heartbeat':
        await repo.heartbeat(sessionId!, workstationId);
        return;
      case 'workstation.inventory':
        await db.transaction((tx) => createSessionsRepository(tx).replaceInventory(workstationId, frame.payload, clock.now()));
        return;
      case 'mission.accepted':
      case 'mission.declined':
        log.info({ type: frame.type, attemptId: frame.payload.attemptId }, 'assignment reply received');
        await deps.onReply?.(workstationId, frame);
        return;
      case 'tool.request':
        return respondToToolRequest({ db, clock, log }, workstationId, frame, (p) => send('tool.response', p));
      default:
        queue.push(frame);
        flushing ??= flush()
          .catch((err) => failed(err, frame.type))
          .finally(() => (flushing = undefined));
    }
  }

  /** A failure a retry may cure (the database went away): the daemon reconnects and resends. */
  function failed(err: unknown, type: string, refId?: string) {
    log.error({ error: safeError(err), type }, 'frame handling failed');
    inflow.removed(queue.length, queue.reduce((n, f) => n + (frameBytes.get(f) ?? 0), 0));
    queue.length = 0; // unacked: the daemon resends them after reconnecting
    sendError({ code: 'SU_ERR_UNAVAILABLE', message: 'the control plane could not handle this frame; reconnect and resend', retryable: true, refId });
    closeReason = 'internal error';
    socket.close(1011, 'internal error');
  }

  async function hello(frame: SessionHelloFrame) {
    if (state !== 'awaiting-hello') {
      sendError({ code: 'SU_ERR_PROTOCOL_STATE', message: 'session.hello was already received', retryable: true, refId: frame.id });
      return;
    }
    const p = frame.payload;
    if (p.workstationId !== workstationId) {
      closeReason = 'hello names another workstation';
      sendError({ code: 'SU_ERR_UNAUTHENTICATED', message: 'session.hello names another workstation than the token', retryable: false, refId: frame.id });
      socket.close(sessionCloseCodes.unauthenticated, 'wrong workstation');
      return;
    }
    state = 'opening';
    clearTimeout(helloTimer);
    const ws = await repo.findWorkstation(workstationId);
    if (!ws || ws.revokedAt) {
      closeReason = 'revoked';
      sendError({ code: 'SU_ERR_WORKSTATION_REVOKED', message: 'this workstation token was revoked; register the workstation again', retryable: false });
      socket.close(sessionCloseCodes.revoked, 'revoked');
      return;
    }
    const now = clock.now();
    const id = await repo.openSession({ workstationId, daemonVersion: p.daemonVersion, agents: p.agents, maxConcurrentMissions: p.maxConcurrentMissions, remoteAddress, at: now });
    const attempts = await welcomeAttempts(p.attempts);
    if (state !== 'opening') {
      // The socket closed while we were writing: record the end right away.
      await repo.closeSession(id, workstationId, closeReason);
      return;
    }
    sessionId = id;
    state = 'open';
    log = log.child({ sessionId });
    hub.attach(live);
    send('session.welcome', { sessionId: id, workstationId, heartbeatIntervalMs: settings.heartbeatIntervalMs, attempts });
    for (const stray of await strayAttemptsOf(db, workstationId)) {
      send('mission.cancel', { attemptId: stray.attemptId, reason: `mission moved to ${stray.list} by a person` });
    }
    deps.onOpen?.(workstationId, p.attempts.map((a) => a.attemptId));
    log.info({ daemonVersion: p.daemonVersion, agents: p.agents.map((a) => a.type), held: p.attempts.length }, 'daemon session open');
  }

  /** Running attempts of this workstation plus those the daemon holds: what is stored of each. */
  async function welcomeAttempts(held: SessionHelloFrame['payload']['attempts']) {
    const running = await repo.liveAttemptsOf(workstationId);
    const out = new Map(running.map((r) => [r.id, { attemptId: r.id, lastStoredSeq: r.lastAckedSeq, fenced: false }]));
    const others = held.filter((h) => !out.has(h.attemptId));
    const rows = new Map((await repo.attemptsByIds(others.map((h) => h.attemptId))).map((r) => [r.id, r]));
    for (const h of others) {
      const row = rows.get(h.attemptId);
      const ours = row && row.workstationId === workstationId && row.leaseVersion === h.leaseVersion;
      // A finished attempt stays resumable while the daemon holds nothing newer than what is stored.
      const fenced = !ours || (!isLiveAttempt(row.status) && h.lastSeq > row.lastAckedSeq);
      out.set(h.attemptId, { attemptId: h.attemptId, lastStoredSeq: row && ours ? row.lastAckedSeq : 0, fenced });
    }
    return [...out.values()];
  }

  /** Drains the queue in batches; each batch is one transaction, acked after commit. */
  async function flush() {
    while (queue.length > 0) {
      const batch = queue.splice(0, settings.ingestBatchSize);
      const result = await frames.store(workstationId, batch);
      inflow.removed(batch.length, batch.reduce((n, f) => n + (frameBytes.get(f) ?? 0), 0));
      if (socket.isPaused && inflow.drained) socket.resume();
      if (result.acks.length > 0) send('event.ack', { acks: result.acks });
      reportUnstorable(result);
      if (batch.some((f) => f.type === 'mission.finished')) deps.onAttemptFinished?.(workstationId);
      for (const f of result.fenced) {
        log.warn({ attemptId: f.attemptId, problem: f.message }, 'frames for a fenced attempt refused');
        sendError({ code: 'SU_ERR_ATTEMPT_FENCED', message: f.message, retryable: false, attemptId: f.attemptId });
      }
      for (const g of result.gaps) {
        log.warn(g, 'gap in an attempt seq; asking for a resend');
        sendError({ code: 'SU_ERR_PROTOCOL_STATE', message: `expected seq ${g.expected}, got ${g.got}; resend after the acked seq`, retryable: true, attemptId: g.attemptId });
      }
    }
  }

  /** Quarantined frames are acked (their slot holds a timeline entry); refused ones are not. */
  function reportUnstorable(result: StoreOutcome) {
    for (const q of [...result.quarantined, ...result.refused]) {
      sendError({ code: 'SU_ERR_FRAME_QUARANTINED', message: `${q.type} could not be stored: ${q.reason}`, retryable: false, refId: q.frameId });
    }
  }

  return live;
}

/**
 * Text from a daemon is machine output: NUL and lone surrogates become U+FFFD before anything
 * reaches the database (sequenced frames are flagged by the frame store, which sanitizes them).
 */
function isSequenced(frame: DaemonToServerFrame): frame is SequencedFrame {
  return frame.type === 'mission.event' || frame.type === 'mission.docs' || frame.type === 'mission.finished';
}

function storable(frame: DaemonToServerFrame): DaemonToServerFrame {
  if (isSequenced(frame)) return frame;
  return { ...frame, payload: sanitizeDeep(frame.payload).value } as DaemonToServerFrame;
}
