import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/types.ts';
import type { SessionHub } from './hub.ts';
import { createSessionsRepository } from './sessions.repository.ts';
import { sessionStaleAfterMs } from './settings.ts';
import { createJobTimer } from '../jobs/job-timer.ts';

/** Close code for a session another instance's sweep already ended: reconnect at once. */
export const SESSION_CLOSED_ELSEWHERE = 1012;

/**
 * Session rows with N control planes on one PostgreSQL. Every instance runs this sweep (no
 * leader: both statements are idempotent UPDATEs, so two sweeps at once close a row once and
 * vouch for disjoint sets). Each tick, this instance
 * 1. vouches for the sessions it holds (stamps their heartbeat: ws ping/pong proves them alive);
 *    a held session whose row another instance already closed is closed here too, so the daemon
 *    reconnects and gets a row that counts;
 * 2. closes open sessions nobody vouched for within `sessionStaleAfterMs` — held by an instance
 *    that crashed (or by this one's predecessor), whose sockets died with it.
 * Live sessions of other instances are never touched: they are vouched for every interval.
 * Both the vouch stamp and the stale cut-off are the database's clock, never this host's: an
 * instance whose clock runs minutes ahead still sees another's fresh stamp as fresh.
 */
export function createSessionSweep(deps: { db: Db; hub: SessionHub; heartbeatIntervalMs: number; log: FastifyBaseLogger }) {
  const repo = createSessionsRepository(deps.db);
  const staleAfterMs = sessionStaleAfterMs(deps.heartbeatIntervalMs);
  async function tick() {
    const held = deps.hub.liveSessions();
    const open = await repo.vouchForSessions(held.map((s) => s.id));
    for (const session of held) {
      if (open.has(session.id) || deps.hub.current(session.workstationId) !== session) continue;
      deps.log.warn({ sessionId: session.id, workstationId: session.workstationId }, 'session closed by another instance; asking the daemon to reconnect');
      void session.close({ code: SESSION_CLOSED_ELSEWHERE, text: 'session closed elsewhere; reconnect' });
    }
    const closed = await repo.closeStaleSessions(staleAfterMs, 'no heartbeat (control plane gone)');
    if (closed > 0) deps.log.info({ closed, staleAfterMs }, 'closed sessions whose control plane stopped vouching for them');
  }

  // One tick at a time; a failure is logged and the next tick tries again.
  const timer = createJobTimer({ name: 'session sweep', everyMs: deps.heartbeatIntervalMs, run: tick, log: deps.log });
  return { tick: timer.runNow, start: timer.start, stop: timer.stop };
}
export type SessionSweep = ReturnType<typeof createSessionSweep>;
