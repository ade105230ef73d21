import { sql } from 'drizzle-orm';
import type { Db } from '../../db/types.ts';
import { rowsOf } from '../../db/rows.ts';

/** known: the stored total last read; sending: counts in a flush not yet answered; pending: since. */
interface Bucket { windowStart: number; known: number; sending: number; pending: number }
/** Three parameters a row: well under PostgreSQL's 65,535 parameters per statement. */
const ROWS_PER_STATEMENT = 5000;

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
      b = { windowStart, known: 0, sending: 0, pending: 0 };
      buckets.set(bucket, b);
    }
    b.pending++;
    return { count: b.known + b.sending + b.pending, resetAt: windowStart + opts.windowMs };
  }

  async function flushOnce(): Promise<void> {
    const now = Date.now();
    for (const [bucket, b] of buckets) {
      // Past windows are done once their last counts are in.
      if (b.windowStart + opts.windowMs <= now && b.pending === 0) buckets.delete(bucket);
    }
    // Every bucket of the current window: its new counts go in, everyone's totals come back.
    const due = [...buckets].filter(([, b]) => b.pending > 0 || b.windowStart === windowOf(now));
    for (let i = 0; i < due.length; i += ROWS_PER_STATEMENT) await addCounts(due.slice(i, i + ROWS_PER_STATEMENT));
    // Now and then, windows before the previous one go (nobody reads them).
    if (flushes++ % 60 === 0) {
      await db.execute(sql`DELETE FROM rate_limit_windows WHERE window_start < ${new Date(windowOf(now) - opts.windowMs).toISOString()}::timestamptz`).catch(() => {});
    }
  }

  /**
   * One statement per flush, however many callers were active: adds the buckets' pending counts
   * (a multi-row upsert) and reads back the totals every instance has stored for all of them, those
   * with nothing new here included — so a caller spread over several instances is held to the sum
   * within one flush interval on every one of them.
   */
  async function addCounts(rows: [string, Bucket][]): Promise<void> {
    for (const [, b] of rows) {
      b.sending = b.pending;
      b.pending = 0;
    }
    try {
      const values = rows.map(([bucket, b]) => sql`(${bucket}::text, ${new Date(b.windowStart).toISOString()}::timestamptz, ${b.sending}::integer)`);
      // The outer SELECT reads the snapshot from before the INSERT, so a row comes from one side only.
      const stored = rowsOf(await db.execute(sql`
        WITH input (bucket, window_start, delta) AS (VALUES ${sql.join(values, sql`, `)}),
        added AS (
          INSERT INTO rate_limit_windows (bucket, window_start, count)
          SELECT bucket, window_start, delta FROM input WHERE delta > 0
          ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_limit_windows.count + excluded.count
          RETURNING bucket, count)
        SELECT bucket, count FROM added
        UNION ALL
        SELECT w.bucket, w.count FROM rate_limit_windows w JOIN input i USING (bucket, window_start) WHERE i.delta = 0`));
      // A bucket appears once per statement (one window each), so its name finds its row.
      const totals = new Map(stored.map((r) => [String(r.bucket), Number(r.count)]));
      for (const [bucket, b] of rows) b.known = Math.max(b.known + b.sending, totals.get(bucket) ?? 0);
    } catch {
      for (const [, b] of rows) b.pending += b.sending; // the database is away: keep counting here, add it next time
    } finally {
      for (const [, b] of rows) b.sending = 0;
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
