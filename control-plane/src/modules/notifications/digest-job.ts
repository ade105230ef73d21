import type { Db } from '../../db/types.ts';
import { createJobTimer } from '../../jobs/job-timer.ts';
import { leaderOnly, type Leadership } from '../../jobs/leadership.ts';
import type { Clock } from '../../lib/time.ts';
import { assembleWeeklyDigests } from './weekly-digest.ts';

export interface DigestJobDeps {
  db: Db;
  clock: Clock;
  /** Period in ms (main.ts: SU_DIGEST_INTERVAL_MS, hourly); 0 leaves it to explicit run() calls (tests). */
  intervalMs: number;
  /** With it, only the leader instance runs the timer (deploy/README.md, "Background jobs with N instances"). */
  leadership?: Leadership;
  log?: { error(obj: object, msg: string): void };
}

/**
 * The weekly digest on a timer, in the leader instance. Correctness does not rest on that: the
 * advisory lock in each batch and the unique (user, week) index store a week once even if two
 * instances run at the same time (a leader that has not yet noticed it lost).
 */
export function createDigestJob(deps: DigestJobDeps) {
  const run = (now = deps.clock.now()) => assembleWeeklyDigests(deps.db, now);
  const timer = createJobTimer({ name: 'weekly digest', everyMs: deps.intervalMs, run: deps.leadership ? leaderOnly(deps.leadership, run) : run, log: deps.log });
  return { run, start: timer.start, stop: timer.stop };
}
export type DigestJob = ReturnType<typeof createDigestJob>;
