import { sql } from 'drizzle-orm';
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../db/types.ts';
import type { Clock } from '../lib/time.ts';
import { rowsOf } from '../db/rows.ts';
import { createJobTimer } from './job-timer.ts';

/** Beyond this, host-clock stamps written here and read by another instance start to mislead it. */
export const CLOCK_SKEW_TOLERANCE_MS = 2_000;

/**
 * What one instance stamps and another judges by a short bound is on the database's clock
 * (db/db-clock.ts): presence (session heartbeats, last seen, the stale and offline-grace
 * cut-offs), realtime tickets, Idempotency-Key leases, the PR job lock. So a skewed host cannot
 * take another instance's live session, mission, ticket or request for gone. Other stamps are
 * still each host's clock: rate-limit window boundaries, when a job is due (PR retries, Mission
 * Fallback runs, retention cut-offs), times on the board and in events — a skew shifts them by as
 * much. This measures how far this host's clock is from the database's — the one clock every
 * instance shares — exports it as `su_clock_skew_seconds`, and warns in the log when it is over
 * the tolerance.
 */
export function createClockSkewCheck(opts: {
  db: Db; clock: Clock; registry: Registry; everyMs: number;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}) {
  const gauge = new Gauge({
    name: 'su_clock_skew_seconds',
    help: "This control plane's clock minus the database's (rate-limit windows, due times and event times use it: keep it near 0 with NTP)",
    registers: [opts.registry],
  });

  async function measure(): Promise<number> {
    const sent = opts.clock.now().getTime();
    const [row] = rowsOf(await opts.db.execute(sql`SELECT clock_timestamp() AS now`)) as { now: Date | string }[];
    const received = opts.clock.now().getTime();
    // The database read its clock somewhere in the round trip: its middle is the best guess.
    const skewMs = (sent + received) / 2 - new Date(row!.now).getTime();
    gauge.set(Math.round(skewMs) / 1000);
    if (Math.abs(skewMs) > CLOCK_SKEW_TOLERANCE_MS + (received - sent) / 2) {
      opts.log.warn({ skewMs: Math.round(skewMs) }, "this host's clock is off from the database's; sync clocks (NTP): rate-limit windows, due times and the times shown on the board are this host's");
    }
    return skewMs;
  }

  const timer = createJobTimer({ name: 'clock skew check', everyMs: opts.everyMs, run: measure, log: opts.log });
  return { measure, start: () => { void timer.runNow(); timer.start(); }, stop: timer.stop };
}
