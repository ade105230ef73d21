import { sql } from 'drizzle-orm';
import type { Db } from '../../db/types.ts';
import type { FallbackReports } from './fallback-report.ts';
import { runJob } from '../retention/retention.ts';
import { backlogSamplesJob, fallbackRunsJob } from '../retention/retention-jobs.ts';

/** Recomputes the derived views; CONCURRENTLY keeps them readable while they refresh. */
export async function refreshMetricsViews(db: Db): Promise<void> {
  for (const view of ['mv_project_metrics_daily', 'mv_fallback_health']) {
    await db.execute(sql.raw(`REFRESH MATERIALIZED VIEW CONCURRENTLY ${view}`));
  }
}

/**
 * The fallback share of retention (runs with their items and reports, backlog samples: 180 days,
 * aggregates kept). The retention module owns and schedules it with the other horizons; this
 * runs just those two jobs now.
 */
export async function purgeExpired(db: Db, now: Date, reports: FallbackReports): Promise<{ runs: number; samples: number }> {
  const runs = await runJob(db, now, fallbackRunsJob(reports));
  const samples = await runJob(db, now, backlogSamplesJob);
  return { runs: runs.removed, samples: samples.removed };
}

/** Refreshes the metrics views at their own pace from the scheduler's ticks (retention runs on its own: modules/retention). */
export function createUpkeep(db: Db, opts: { refreshEveryMs: number }) {
  let lastRefresh = -Infinity;
  return async (now: Date) => {
    if (now.getTime() - lastRefresh >= opts.refreshEveryMs) {
      await refreshMetricsViews(db);
      lastRefresh = now.getTime();
    }
  };
}
