import { sql } from 'drizzle-orm';
import type { Db } from '../../db/types.ts';
import { rowsOf } from '../missions/missions.repository.ts';

interface Bucket { windowStart: number; known: number; pending: number }

/**
 * Request counts per caller and window, shared through PostgreSQL (`rate_limit_windows`) without a
 * write per request: each process counts locally and, every `flushMs`, adds its counts to the
 * table and reads the totals back. A caller is held to its limit across instances, give or take
 * what the others counted since their last flush.
 */
export function createRateLimitStore(db: Db, opts: { windowMs: number; flushMs: number }) {
  const buckets = new Map<string, Bucket>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  let flushes = 0;

  const windowOf = (now: number) => Math.floor(now / opts.windowMs) * opts.windowMs;

  /** Counts one request; returns the caller's count in this window (this one included) and when it ends. */
  function hit(bucket: string, now: number): { count: number; resetAt: number } {
    const windowStart = windowOf(now);
    let b = buckets.get(bucket);
    if (!b || b.windowStart !== windowStart) {
      b = { windowStart, known: 0, pending: 0 };
      buckets.set(bucket, b);
    }
    b.pending++;
    return { count: b.known + b.pending, resetAt: windowStart + opts.windowMs };
  }

  async function flushOnce(): Promise<void> {
    const now = Date.now();
    for (const [bucket, b] of buckets) {
      // Past windows are done; a bucket with nothing new needs no round trip.
      if (b.windowStart + opts.windowMs <= now && b.pending === 0) buckets.delete(bucket);
    }
    const due = [...buckets].filter(([, b]) => b.pending > 0);
    for (const [bucket, b] of due) {
      const delta = b.pending;
      b.pending = 0;
      try {
        const [row] = rowsOf(await db.execute(sql`
          INSERT INTO rate_limit_windows (bucket, window_start, count) VALUES (${bucket}, ${new Date(b.windowStart).toISOString()}::timestamptz, ${delta})
          ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_limit_windows.count + excluded.count
          RETURNING count`));
        b.known = Math.max(b.known + delta, Number(row?.count ?? 0));
      } catch {
        b.pending += delta; // the database is away: keep counting here, add it next time
      }
    }
    // Now and then, windows before the previous one go (nobody reads them).
    if (flushes++ % 60 === 0) {
      await db.execute(sql`DELETE FROM rate_limit_windows WHERE window_start < ${new Date(windowOf(now) - opts.windowMs).toISOString()}::timestamptz`).catch(() => {});
    }
  }

  /** Runs one flush after any in progress (never two at once). */
  function flush(): Promise<void> {
    flushing = flushing.then(flushOnce, flushOnce);
    return flushing;
  }

  return {
    hit,
    flush,
    start() {
      timer = setInterval(() => void flush(), opts.flushMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await flush().catch(() => {});
    },
  };
}
export type RateLimitStore = ReturnType<typeof createRateLimitStore>;
