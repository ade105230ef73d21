import { sql } from 'drizzle-orm';
import type { Db } from '../../db/types.ts';
import type { FallbackReports } from './fallback-report.ts';
import { rowsOf } from '../missions/missions.repository.ts';

export const RETENTION_DAYS = 180;
const DAY_MS = 86_400_000;

/** Recomputes the derived views; CONCURRENTLY keeps them readable while they refresh. */
export async function refreshMetricsViews(db: Db): Promise<void> {
  for (const view of ['mv_project_metrics_daily', 'mv_fallback_health', 'mv_notification_counts']) {
    await db.execute(sql.raw(`REFRESH MATERIALIZED VIEW CONCURRENTLY ${view}`));
  }
}

/**
 * Retention: fallback runs (with their items) and backlog samples older than 180 days are
 * deleted, after their daily aggregates are added to the archive the metrics view reads — so the
 * aggregates stay. Notifications older than 180 days are archived; access-request messages are
 * anonymized 30 days after the decision. One transaction: all of it or none.
 */
export async function purgeExpired(db: Db, now: Date, reports: FallbackReports): Promise<{ runs: number; samples: number }> {
  const cutoff = new Date(now.getTime() - RETENTION_DAYS * DAY_MS);
  const decidedCutoff = new Date(now.getTime() - 30 * DAY_MS);
  const purged = await db.transaction(async (tx) => {
    await tx.execute(sql`
      INSERT INTO mission_fallback_metrics_archive AS a
        (project_id, day, generated, accepted, discarded, backlog_samples, backlog_sum, below_threshold_samples)
      SELECT project_id, day, sum(generated), sum(accepted), sum(discarded), sum(checks), sum(backlog_sum), sum(below)
        FROM (
          SELECT i.project_id, (i.created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS generated,
                 0::bigint AS accepted, 0::bigint AS discarded, 0::bigint AS checks, 0::bigint AS backlog_sum, 0::bigint AS below
            FROM mission_fallback_items i JOIN mission_fallback_runs r ON r.id = i.mission_fallback_run_id
           WHERE r.started_at < ${cutoff} GROUP BY 1, 2
          UNION ALL
          SELECT i.project_id, (i.decided_at AT TIME ZONE 'UTC')::date, 0,
                 count(*) FILTER (WHERE i.status = 'accepted'), count(*) FILTER (WHERE i.status = 'discarded'), 0, 0, 0
            FROM mission_fallback_items i JOIN mission_fallback_runs r ON r.id = i.mission_fallback_run_id
           WHERE r.started_at < ${cutoff} AND i.decided_at IS NOT NULL GROUP BY 1, 2
          UNION ALL
          SELECT project_id, (checked_at AT TIME ZONE 'UTC')::date, 0, 0, 0,
                 count(*), sum(backlog_count), count(*) FILTER (WHERE backlog_count < backlog_threshold)
            FROM mission_fallback_backlog_samples WHERE checked_at < ${cutoff} GROUP BY 1, 2
        ) expiring
       GROUP BY project_id, day
      ON CONFLICT (project_id, day) DO UPDATE SET
        generated = a.generated + excluded.generated,
        accepted = a.accepted + excluded.accepted,
        discarded = a.discarded + excluded.discarded,
        backlog_samples = a.backlog_samples + excluded.backlog_samples,
        backlog_sum = a.backlog_sum + excluded.backlog_sum,
        below_threshold_samples = a.below_threshold_samples + excluded.below_threshold_samples`);
    const runs = rowsOf(await tx.execute(sql`DELETE FROM mission_fallback_runs WHERE started_at < ${cutoff} RETURNING id`));
    const samples = rowsOf(await tx.execute(sql`DELETE FROM mission_fallback_backlog_samples WHERE checked_at < ${cutoff} RETURNING id`));
    await tx.execute(sql`UPDATE notifications SET archived_at = ${now} WHERE created_at < ${cutoff} AND archived_at IS NULL`);
    await tx.execute(sql`UPDATE access_requests SET message = NULL WHERE decided_at < ${decidedCutoff} AND message IS NOT NULL`);
    return { runIds: runs.map((r) => String(r.id)), samples: samples.length };
  });
  // Reports go with their runs; a file left behind by a crash here is harmless and retried never.
  for (const id of purged.runIds) await reports.remove(id).catch(() => {});
  return { runs: purged.runIds.length, samples: purged.samples };
}

/** Runs refresh and retention at their own pace from the scheduler's ticks. */
export function createUpkeep(db: Db, reports: FallbackReports, opts: { refreshEveryMs: number; purgeEveryMs: number }) {
  let lastRefresh = -Infinity;
  let lastPurge = -Infinity;
  return async (now: Date) => {
    if (now.getTime() - lastPurge >= opts.purgeEveryMs) {
      await purgeExpired(db, now, reports);
      lastPurge = now.getTime();
    }
    if (now.getTime() - lastRefresh >= opts.refreshEveryMs) {
      await refreshMetricsViews(db);
      lastRefresh = now.getTime();
    }
  };
}
