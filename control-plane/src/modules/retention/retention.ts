import { sql } from 'drizzle-orm';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../lib/time.ts';
import type { FallbackReports } from '../fallback/fallback-report.ts';
import { rowsOf } from '../../db/rows.ts';
import {
  accessRequestMessagesJob, auditEventsJob, backlogSamplesJob, fallbackRunsJob, notificationsJob, type RetentionJob,
} from './retention-jobs.ts';
import { idempotencyKeysJob } from '../idempotency/idempotency-retention.ts';
import { createJobTimer } from '../../jobs/job-timer.ts';
import { leaderOnly, type Leadership } from '../../jobs/leadership.ts';

/** Rows per statement: short transactions, short locks, bounded memory for the id lists. */
export const RETENTION_BATCH = 1_000;

export interface JobOutcome {
  /** False when another process held this job's lock: it is doing the work. */
  leader: boolean;
  removed: number;
}

/**
 * Runs one job to the end, batch by batch, each batch in its own transaction holding the job's
 * advisory lock. A process that finds the lock taken stops: the holder is working through the
 * same rows, and a row can only be deleted once. Idempotent: a second run finds nothing to do.
 */
export async function runJob(db: Db, now: Date, job: RetentionJob, batchSize = RETENTION_BATCH): Promise<JobOutcome> {
  let removed = 0;
  for (;;) {
    const result = await db.transaction(async (tx) => {
      const lock = rowsOf(await tx.execute(sql`SELECT pg_try_advisory_xact_lock(${job.lockKey}) AS ok`));
      if (!lock[0]?.ok) return undefined;
      return job.batch(tx, now, batchSize);
    });
    if (!result) return { leader: false, removed };
    removed += result.count;
    await result.afterCommit?.();
    if (result.count < batchSize) return { leader: true, removed };
  }
}

export interface RetentionDeps {
  db: Db;
  clock: Clock;
  reports: FallbackReports;
  /** The app's /metrics registry. */
  registry: Registry;
  /** How often the jobs run (ms); 0 leaves them to explicit run() calls (tests). */
  intervalMs: number;
  batchSize?: number;
  /** The timer's runs happen only in the leader instance (each batch's lock stays the guarantee). */
  leadership?: Leadership;
  log?: { error(obj: object, msg: string): void };
}

/** Every table the seed gives a horizon, run hourly by default; /metrics shows what went. */
export function createRetention(deps: RetentionDeps) {
  const jobs = [fallbackRunsJob(deps.reports), backlogSamplesJob, notificationsJob, auditEventsJob, accessRequestMessagesJob, idempotencyKeysJob];
  const registers = [deps.registry];
  const removedTotal = new Counter({
    name: 'su_retention_rows_removed_total', help: 'Rows removed (access_request_messages: anonymized) by the retention jobs of this process, per table',
    labelNames: ['table'], registers,
  });
  const lastRun = new Gauge({ name: 'su_retention_last_run_timestamp_seconds', help: 'When this process last ran the retention jobs', registers });
  for (const job of jobs) removedTotal.inc({ table: job.name }, 0); // every series visible from the start

  /** Runs every job once; one job's failure does not keep the others from running. */
  async function run(now = deps.clock.now()): Promise<Record<string, JobOutcome>> {
    const outcomes: Record<string, JobOutcome> = {};
    for (const job of jobs) {
      try {
        outcomes[job.name] = await runJob(deps.db, now, job, deps.batchSize);
        removedTotal.inc({ table: job.name }, outcomes[job.name]!.removed);
      } catch (err) {
        deps.log?.error({ err, job: job.name }, 'retention job failed');
      }
    }
    lastRun.set(Date.now() / 1000);
    return outcomes;
  }

  const timed = () => run();
  const timer = createJobTimer({ name: 'retention', everyMs: deps.intervalMs, run: deps.leadership ? leaderOnly(deps.leadership, timed) : timed, log: deps.log });
  return { run, start: timer.start, stop: timer.stop };
}
export type Retention = ReturnType<typeof createRetention>;
