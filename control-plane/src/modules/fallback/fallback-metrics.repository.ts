import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/types.ts';
import { rowsOf } from '../../db/rows.ts';

/** Reads the materialized views (as of their last refresh). */
export function createFallbackMetricsRepository(db: Executor) {
  return {
    async daily(projectId: string, since: string) {
      const rows = rowsOf(await db.execute(sql`
        SELECT day::text AS day, fallback_generated, fallback_accepted, fallback_discarded, avg_backlog_size, backlog_checks, below_threshold_checks
          FROM mv_project_metrics_daily WHERE project_id = ${projectId} AND day >= ${since}::date ORDER BY day`));
      return rows.map((r) => ({
        day: String(r.day),
        fallbackGenerated: Number(r.fallback_generated),
        fallbackAccepted: Number(r.fallback_accepted),
        fallbackDiscarded: Number(r.fallback_discarded),
        avgBacklogSize: r.avg_backlog_size == null ? null : Number(r.avg_backlog_size),
        backlogChecks: Number(r.backlog_checks),
        belowThresholdChecks: Number(r.below_threshold_checks),
      }));
    },
    async health(projectId: string) {
      const [r] = rowsOf(await db.execute(sql`SELECT * FROM mv_fallback_health WHERE project_id = ${projectId}`));
      if (!r) return null;
      const num = (v: unknown) => (v == null ? null : Number(v));
      return {
        status: String(r.status),
        backlogThreshold: Number(r.backlog_threshold),
        checks30d: Number(r.checks_30d),
        thresholdAdherence: num(r.threshold_adherence),
        acceptedThisWeek: Number(r.accepted_this_week),
        weeklyCapUsage: num(r.weekly_cap_usage),
        acceptedMinutesThisMonth: Number(r.accepted_minutes_this_month),
        monthlyHoursUsage: num(r.monthly_hours_usage),
        runs30d: Number(r.runs_30d),
        erroredRuns30d: Number(r.errored_runs_30d),
        refreshedAt: new Date(String(r.refreshed_at)).toISOString(),
      };
    },
  };
}
