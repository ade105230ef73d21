import { and, eq, gte, sql } from 'drizzle-orm';
import { codeAgentSessions, missionEvents, projects } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

/** The first instant of `at`'s calendar month, UTC: budgets run per UTC month. */
export const monthStart = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
export const monthOf = (at: Date) => at.toISOString().slice(0, 7);

/**
 * Agent usage read straight from the attempts (indexed by project and creation time), so today's
 * figures are live rather than as of the daily view's last refresh. An attempt counts on the day
 * it began, as in mv_project_metrics_daily; merges are git, not agent runs, and do not count.
 */
export function createUsageRepository(db: Executor) {
  const a = codeAgentSessions;
  return {
    async daily(projectId: string, since: Date) {
      const day = sql<string>`to_char(${a.createdAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
      const rows = await db
        .select({
          day,
          attempts: sql<number>`count(*) FILTER (WHERE ${a.stage} IS DISTINCT FROM 'merge')`.mapWith(Number),
          inputTokens: sql<number>`coalesce(sum(${a.inputTokens}), 0)`.mapWith(Number),
          outputTokens: sql<number>`coalesce(sum(${a.outputTokens}), 0)`.mapWith(Number),
          cacheReadTokens: sql<number>`coalesce(sum(${a.cacheReadTokens}), 0)`.mapWith(Number),
          cacheWriteTokens: sql<number>`coalesce(sum(${a.cacheWriteTokens}), 0)`.mapWith(Number),
          costUsd: sql<number>`coalesce(sum(${a.costUsd}), 0)`.mapWith(Number),
          turns: sql<number>`coalesce(sum(${a.numTurns}) FILTER (WHERE ${a.stage} IS DISTINCT FROM 'merge'), 0)`.mapWith(Number),
          // Wall time of the runs that ended, as each attempt reports it (finishedAt − startedAt).
          wallMs: sql<number>`coalesce(round(sum(extract(epoch FROM ${a.finishedAt} - ${a.startedAt}) * 1000) FILTER (WHERE ${a.stage} IS DISTINCT FROM 'merge')), 0)`.mapWith(Number),
        })
        .from(a)
        .where(and(eq(a.projectId, projectId), gte(a.createdAt, since)))
        .groupBy(day);
      return rows;
    },

    /** What the project's agents reported spending on attempts begun since `since`. */
    async spentSince(projectId: string, since: Date): Promise<number> {
      const [row] = await db
        .select({ usd: sql<number>`coalesce(sum(${a.costUsd}), 0)`.mapWith(Number) })
        .from(a)
        .where(and(eq(a.projectId, projectId), gte(a.createdAt, since)));
      return row?.usd ?? 0;
    },

    /** The project's monthly budget in USD; null = none (undefined: no such project). */
    async budgetOf(projectId: string): Promise<number | null | undefined> {
      const [row] = await db.select({ usd: projects.monthlyBudgetUsd }).from(projects).where(eq(projects.id, projectId));
      return row ? (row.usd === null ? null : Number(row.usd)) : undefined;
    },

    /** Whether a mission of the project already says the budget was reached since `since`. */
    async budgetReachedNotedSince(projectId: string, since: Date): Promise<boolean> {
      const [row] = await db
        .select({ id: missionEvents.id })
        .from(missionEvents)
        .where(and(eq(missionEvents.projectId, projectId), gte(missionEvents.createdAt, since), eq(missionEvents.kind, 'mission.budget_reached')))
        .limit(1);
      return Boolean(row);
    },
  };
}

/** Whole-instance figures for /metrics: per project, everything its agents ever used. */
export function createUsageTotalsRepository(db: Executor) {
  const a = codeAgentSessions;
  return {
    async byProject() {
      return db
        .select({
          projectId: a.projectId,
          input: sql<number>`coalesce(sum(${a.inputTokens}), 0)`.mapWith(Number),
          output: sql<number>`coalesce(sum(${a.outputTokens}), 0)`.mapWith(Number),
          cacheRead: sql<number>`coalesce(sum(${a.cacheReadTokens}), 0)`.mapWith(Number),
          cacheWrite: sql<number>`coalesce(sum(${a.cacheWriteTokens}), 0)`.mapWith(Number),
          costUsd: sql<number>`coalesce(sum(${a.costUsd}), 0)`.mapWith(Number),
        })
        .from(a)
        .groupBy(a.projectId);
    },

    /** Agent attempts (merges are git, not agents) per project and status. */
    async attemptsByStatus() {
      return db
        .select({ projectId: a.projectId, status: a.status, n: sql<number>`count(*)`.mapWith(Number) })
        .from(a)
        .where(sql`${a.stage} IS DISTINCT FROM 'merge'`)
        .groupBy(a.projectId, a.status);
    },
  };
}
