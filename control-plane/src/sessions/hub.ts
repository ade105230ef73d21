import { sessionCloseCodes, type ServerToDaemonFrame } from '@solo-unicorn/shared';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, sessionStaleAfterMs, useHeartbeatInterval } from './settings.ts';

/** The part of a live session the hub drives. */
export interface LiveSession {
  readonly id: string;
  readonly workstationId: string;
  /** Sends a frame if the socket is open; false when it is not. */
  send(frame: ServerToDaemonFrame): boolean;
  /** Sends a final error frame (if any) and closes; resolves when the session's bookkeeping is written. */
  close(reason: { code: number; text: string; errorCode?: 'SU_ERR_SESSION_REPLACED' | 'SU_ERR_WORKSTATION_REVOKED' }): Promise<void>;
  /** ws liveness: returns false when the peer missed the previous ping (the hub then terminates it). */
  ping(): boolean;
  terminate(): void;
}

/**
 * The in-process registry of live daemon sessions: at most one per workstation. Presence
 * (`online`) is read from here first, so a dropped session shows offline at once; sessions other
 * instances hold are read from the database (workstations service).
 */
export function createSessionHub() {
  const live = new Map<string, LiveSession>();
  const connections = new Set<LiveSession>();
  const closing = new Set<Promise<void>>();
  /**
   * Workstations revoked (or deleted) while this process runs. A token never comes back, so a
   * session that passed its hello check just before the revocation is closed when it attaches.
   */
  const revoked = new Set<string>();
  const closeRevoked = (session: LiveSession) =>
    track(session.close({ code: sessionCloseCodes.revoked, text: 'workstation token revoked', errorCode: 'SU_ERR_WORKSTATION_REVOKED' }));
  let sweeper: NodeJS.Timeout | undefined;
  let heartbeatMs = DEFAULT_HEARTBEAT_INTERVAL_MS;

  function track(p: Promise<void>) {
    closing.add(p);
    void p.finally(() => closing.delete(p));
  }

  return {
    /** Every accepted socket, before and after hello (for pings and shutdown). */
    connected(session: LiveSession) {
      connections.add(session);
    },

    /** Makes `session` the workstation's one live session, closing an older one. */
    attach(session: LiveSession) {
      if (revoked.has(session.workstationId)) return closeRevoked(session);
      const older = live.get(session.workstationId);
      live.set(session.workstationId, session);
      if (older && older !== session) {
        track(older.close({ code: 4000, text: 'replaced by a newer session', errorCode: 'SU_ERR_SESSION_REPLACED' }));
      }
    },

    /** Forgets a closed socket; only removes the live entry if it is still this session. */
    detach(session: LiveSession) {
      connections.delete(session);
      if (live.get(session.workstationId) === session) live.delete(session.workstationId);
    },

    isOnline: (workstationId: string) => live.has(workstationId),
    onlineWorkstations: () => [...live.keys()],
    /** Sessions past hello held by this process (the sweep vouches for them). */
    liveSessions: () => [...live.values()],
    current: (workstationId: string) => live.get(workstationId),
    get size() {
      return live.size;
    },
    /** A session row not vouched for within this is dead (see session-sweep.ts). */
    get staleAfterMs() {
      return sessionStaleAfterMs(heartbeatMs);
    },

    /** Closes the workstation's live session (if this process holds it) and any it attaches later. */
    revoke(workstationId: string) {
      revoked.add(workstationId);
      const session = live.get(workstationId);
      if (!session) return;
      live.delete(workstationId);
      closeRevoked(session);
    },

    /** One timer for all sessions: a peer that missed the last ping is terminated. */
    start(heartbeatIntervalMs: number) {
      heartbeatMs = heartbeatIntervalMs;
      useHeartbeatInterval(heartbeatIntervalMs);
      if (sweeper) clearInterval(sweeper);
      sweeper = setInterval(() => {
        for (const session of connections) if (!session.ping()) session.terminate();
      }, heartbeatIntervalMs);
      sweeper.unref();
    },

    /** Closes every session (server shutdown: 1001 tells daemons to reconnect at once, elsewhere) and waits for their bookkeeping. */
    async stop() {
      if (sweeper) clearInterval(sweeper);
      for (const session of connections) track(session.close({ code: sessionCloseCodes.serverShutdown, text: 'control plane shutting down' }));
      await Promise.allSettled([...closing]);
    },
  };
}
export type SessionHub = ReturnType<typeof createSessionHub>;
