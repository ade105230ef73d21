import { type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/types.ts';
import type { FallbackReports } from '../fallback/fallback-report.ts';
import { rowsOf } from '../../db/rows.ts';

const DAY_MS = 86_400_000;
/** The seed's horizons (spec/seed-data-design.md, "Retention & Compliance"). */
export const HORIZON_DAYS = { fallback: 180, notifications: 180, audit: 400, accessRequestMessages: 30 } as const;

export interface BatchResult {
  /** Rows this batch removed (or anonymized); fewer than the batch size means the job is done. */
  count: number;
  /** Work outside the database, once the batch committed (files of removed rows). */
  afterCommit?: () => Promise<void>;
}

/** One table's retention: a batch is one statement's worth of rows, in the caller's transaction. */
export interface RetentionJob {
  /** The `table` label in /metrics. */
  name: string;
  /** Advisory lock held for each batch's transaction: one process works a job at a time. */
  lockKey: number;
  batch(tx: Tx, now: Date, limit: number): Promise<BatchResult>;
}

const before = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);
const idList = (ids: string[]): SQL => sql.join(ids.map((id) => sql`${id}`), sql`, `);
const ids = (result: unknown) => rowsOf(result).map((r) => String(r.id));

/**
 * Every retention job's batch: select the oldest expired rows' ids, let `archive` fold them into
 * what outlives them (same transaction), then delete exactly those ids. Returns the ids deleted.
 */
async function expireOldest(tx: Tx, o: { table: string; expired: SQL; order: string; limit: number; archive?: (batch: SQL) => Promise<unknown> }): Promise<string[]> {
  const table = sql.identifier(o.table);
  const found = ids(await tx.execute(sql`SELECT id FROM ${table} WHERE ${o.expired} ORDER BY ${sql.raw(o.order)} LIMIT ${o.limit}`));
  if (found.length === 0) return [];
  const batch = idList(found);
  await o.archive?.(batch);
  return ids(await tx.execute(sql`DELETE FROM ${table} WHERE id IN (${batch}) RETURNING id`));
}

/**
 * Fallback runs (and their items, by cascade) older than 180 days. Their daily aggregates are
 * first added to the archive the metrics view reads, in the same transaction as the delete, so
 * the aggregates stay and are never counted twice. Their JSON reports go after the commit.
 */
export function fallbackRunsJob(reports: FallbackReports): RetentionJob {
  return {
    name: 'mission_fallback_runs',
    lockKey: 7_878_101,
    async batch(tx, now, limit) {
      const removed = await expireOldest(tx, {
        table: 'mission_fallback_runs', expired: sql`started_at < ${before(now, HORIZON_DAYS.fallback)}`, order: 'started_at, id', limit,
        archive: (batch) => tx.execute(sql`
        INSERT INTO mission_fallback_metrics_archive AS a (project_id, day, generated, accepted, discarded, backlog_samples, backlog_sum, below_threshold_samples)
        SELECT project_id, day, sum(generated), sum(accepted), sum(discarded), 0, 0, 0
          FROM (
            SELECT project_id, (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS generated, 0::bigint AS accepted, 0::bigint AS discarded
              FROM mission_fallback_items WHERE mission_fallback_run_id IN (${batch}) GROUP BY 1, 2
            UNION ALL
            SELECT project_id, (decided_at AT TIME ZONE 'UTC')::date, 0,
                   count(*) FILTER (WHERE status = 'accepted'), count(*) FILTER (WHERE status = 'discarded')
              FROM mission_fallback_items WHERE mission_fallback_run_id IN (${batch}) AND decided_at IS NOT NULL GROUP BY 1, 2
          ) expiring
         GROUP BY project_id, day
        ON CONFLICT (project_id, day) DO UPDATE SET
          generated = a.generated + excluded.generated, accepted = a.accepted + excluded.accepted, discarded = a.discarded + excluded.discarded`),
      });
      // A report left behind by a crash here is harmless (its run is gone).
      return { count: removed.length, afterCommit: async () => { for (const id of removed) await reports.remove(id).catch(() => {}); } };
    },
  };
}

/** Backlog samples older than 180 days, folded into the same daily archive first. */
export const backlogSamplesJob: RetentionJob = {
  name: 'mission_fallback_backlog_samples',
  lockKey: 7_878_102,
  async batch(tx, now, limit) {
    const removed = await expireOldest(tx, {
      table: 'mission_fallback_backlog_samples', expired: sql`checked_at < ${before(now, HORIZON_DAYS.fallback)}`, order: 'checked_at, id', limit,
      archive: (batch) => tx.execute(sql`
      INSERT INTO mission_fallback_metrics_archive AS a (project_id, day, generated, accepted, discarded, backlog_samples, backlog_sum, below_threshold_samples)
      SELECT project_id, (checked_at AT TIME ZONE 'UTC')::date, 0, 0, 0, count(*), sum(backlog_count), count(*) FILTER (WHERE backlog_count < backlog_threshold)
        FROM mission_fallback_backlog_samples WHERE id IN (${batch}) GROUP BY 1, 2
      ON CONFLICT (project_id, day) DO UPDATE SET
        backlog_samples = a.backlog_samples + excluded.backlog_samples, backlog_sum = a.backlog_sum + excluded.backlog_sum,
        below_threshold_samples = a.below_threshold_samples + excluded.below_threshold_samples`),
    });
    return { count: removed.length };
  },
};

/** Notifications older than 180 days, read or not: the mission events they pointed at stay. */
export const notificationsJob: RetentionJob = {
  name: 'notifications',
  lockKey: 7_878_103,
  async batch(tx, now, limit) {
    const expired = sql`created_at < ${before(now, HORIZON_DAYS.notifications)}`;
    return { count: (await expireOldest(tx, { table: 'notifications', expired, order: 'created_at, id', limit })).length };
  },
};

/**
 * Audit events older than 400 days. The WORM trigger refuses any younger row by the database's
 * own clock, so the statement also asks for the database's now(): an application clock running
 * ahead can never make a batch fail half-way.
 */
export const auditEventsJob: RetentionJob = {
  name: 'audit_events',
  lockKey: 7_878_104,
  async batch(tx, now, limit) {
    const expired = sql`created_at < ${before(now, HORIZON_DAYS.audit)} AND created_at < now() - interval '400 days'`;
    return { count: (await expireOldest(tx, { table: 'audit_events', expired, order: 'created_at, id', limit })).length };
  },
};

/** Access-request messages are anonymized 30 days after the decision (the request itself stays). */
export const accessRequestMessagesJob: RetentionJob = {
  name: 'access_request_messages',
  lockKey: 7_878_105,
  async batch(tx, now, limit) {
    const cutoff = before(now, HORIZON_DAYS.accessRequestMessages);
    return { count: ids(await tx.execute(sql`
      UPDATE access_requests SET message = NULL WHERE id IN (
        SELECT id FROM access_requests WHERE decided_at < ${cutoff} AND message IS NOT NULL LIMIT ${limit}
      ) RETURNING id`)).length };
  },
};
