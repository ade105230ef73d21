import type { Db } from '../../db/types.ts';
import type { Clock } from '../../lib/time.ts';
import { assembleWeeklyDigests } from './weekly-digest.ts';

export interface DigestJobDeps {
  db: Db;
  clock: Clock;
  /** Period in ms (main.ts: SU_DIGEST_INTERVAL_MS, hourly); 0 leaves it to explicit run() calls (tests). */
  intervalMs: number;
  log?: { error(obj: object, msg: string): void };
}

/**
 * Runs the weekly digest on every instance's timer; the advisory lock in each batch makes one
 * process do the work and the others return at once. A run never overlaps the previous one.
 */
export function createDigestJob(deps: DigestJobDeps) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const run = (now = deps.clock.now()) => assembleWeeklyDigests(deps.db, now);
  const tick = () => {
    running ??= run().catch((err) => deps.log?.error({ err }, 'weekly digest failed')).finally(() => (running = undefined));
  };
  return {
    run,
    start() {
      if (deps.intervalMs <= 0 || timer) return;
      timer = setInterval(tick, deps.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
export type DigestJob = ReturnType<typeof createDigestJob>;
