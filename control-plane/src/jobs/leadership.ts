import type { Database, DedicatedConnection } from '../db/types.ts';
import { createJobTimer } from './job-timer.ts';

/**
 * The advisory lock whose holder runs the jobs that must run in one instance at a time (the
 * table in deploy/README.md, "Background jobs with N instances"). Any constant: the same in
 * every control-plane process. (7_878_001 is the migration lock, 7_878_003 the fallback claim,
 * 7_878_1xx the retention batches.)
 */
export const LEADER_LOCK_KEY = 7_878_200;

/** PGlite is one process per data dir: there the lock only has to order apps sharing one Database (tests). */
const localHolders = new WeakMap<Database, object>();

/** Checks a leader that lost its connection lets pass before it tries to take the lock again. */
const RECLAIM_HOLD_OFF_CHECKS = 3;

export interface LeadershipOptions {
  database: Database;
  /** How often a follower tries to take the lock, and the leader checks it still holds it (ms). */
  checkMs: number;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  key?: number;
}

/**
 * Leadership by a session-level advisory lock on a connection of its own. The lock lives as long
 * as that connection: when the leader's process dies (kill -9, OOM, a lost host), PostgreSQL ends
 * its backend and the lock is free; the next check of another instance takes it. A leader whose
 * connection breaks steps down at once (the 'end' event, or a failed liveness query), and then
 * sits out a few checks (RECLAIM_HOLD_OFF_CHECKS) before it competes again: an instance whose
 * connection just broke is the likeliest to be in trouble, so a healthy follower should take
 * over first. Alone, it takes the lock back after that wait.
 *
 * Leadership is for efficiency and order, not correctness: every leader-only job is also
 * idempotent in the database (transaction-scoped locks, conditional updates), so a leader that
 * does not yet know it lost cannot double anything.
 */
export function createLeadership(opts: LeadershipOptions) {
  const key = opts.key ?? LEADER_LOCK_KEY;
  let connection: DedicatedConnection | undefined;
  let leader = false;
  let stopped = false;
  /** Checks still to let pass before a leader that lost its connection tries the lock again (counted, not timed: a clock step cannot stretch it). */
  let holdOffChecks = 0;
  const me = {};

  function stepDown(reason: string) {
    if (leader) {
      opts.log.warn({ reason }, 'leadership lost: background leader jobs stop here');
      holdOffChecks = RECLAIM_HOLD_OFF_CHECKS;
    }
    leader = false;
    const gone = connection;
    connection = undefined;
    void gone?.end().catch(() => {});
  }

  async function checkPostgres() {
    if (holdOffChecks > 0) {
      holdOffChecks--;
      return;
    }
    const dedicated = opts.database.dedicated!;
    if (!connection) {
      const c = await dedicated();
      connection = c;
      void c.ended.then(() => {
        if (connection === c) stepDown('the leadership connection ended');
      });
    }
    const c = connection;
    if (leader) {
      await c.query('SELECT 1'); // still connected, so still holding the lock
      return;
    }
    const [row] = await c.query('SELECT pg_try_advisory_lock($1) AS ok', [key]);
    if (row?.ok === true && !stopped && connection === c) {
      leader = true;
      opts.log.info({ key }, 'leadership taken: this instance runs the background leader jobs');
    }
  }

  function checkLocal() {
    const holder = localHolders.get(opts.database);
    if (!holder) localHolders.set(opts.database, me);
    leader = localHolders.get(opts.database) === me;
  }

  async function check() {
    if (stopped) return;
    try {
      if (opts.database.dedicated) await checkPostgres();
      else checkLocal();
    } catch (err) {
      stepDown(err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  const timer = createJobTimer({ name: 'leadership check', everyMs: opts.checkMs, run: check, log: opts.log });

  return {
    /** Whether this instance runs the leader-only jobs now (as of the last check). */
    get isLeader() {
      return leader;
    },
    check: timer.runNow,
    async start() {
      await timer.runNow();
      timer.start();
    },
    /** Lets go of the lock (shutdown): another instance takes over at its next check. */
    async stop() {
      stopped = true;
      await timer.stop();
      leader = false;
      if (localHolders.get(opts.database) === me) localHolders.delete(opts.database);
      const c = connection;
      connection = undefined;
      await c?.end().catch(() => {});
    },
  };
}
export type Leadership = ReturnType<typeof createLeadership>;

/** Wraps a job so it runs only while this instance leads (a follower's tick does nothing). */
export function leaderOnly(leadership: Leadership, run: () => Promise<unknown>): () => Promise<unknown> {
  return async () => (leadership.isLeader ? run() : undefined);
}
