import { and, count, eq, sql } from 'drizzle-orm';
import { missionFallbackConfigs, missions } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

/** The projects' default when no fallback config row exists yet (matches the column default). */
export const DEFAULT_BACKLOG_THRESHOLD = 5;

const projectId = sql.placeholder('projectId');

/**
 * todo ∧ ready count and the project's threshold in one round trip. The count is an index-only
 * scan of the partial index idx_missions_backlog. Prepared once per database handle: this runs
 * for every project on every scheduler tick, so skipping parse/plan matters.
 */
function prepareBacklogCheck(db: Executor) {
  const backlog = db
    .select({ n: count() })
    .from(missions)
    .where(and(eq(missions.projectId, projectId), eq(missions.list, 'todo'), eq(missions.ready, true)));
  const threshold = db
    .select({ t: missionFallbackConfigs.backlogThreshold })
    .from(missionFallbackConfigs)
    .where(eq(missionFallbackConfigs.projectId, projectId));
  return db
    .select({
      count: sql<number>`(${backlog})::int`.mapWith(Number),
      threshold: sql<number>`coalesce((${threshold}), ${sql.raw(String(DEFAULT_BACKLOG_THRESHOLD))})::int`.mapWith(Number),
    })
    .from(sql`(SELECT 1) AS one`)
    .prepare('su_backlog_check');
}

const prepared = new WeakMap<Executor, ReturnType<typeof prepareBacklogCheck>>();

export function createBacklogRepository(db: Executor) {
  return {
    async check(id: string): Promise<{ count: number; threshold: number }> {
      let statement = prepared.get(db);
      if (!statement) prepared.set(db, (statement = prepareBacklogCheck(db)));
      const [row] = await statement.execute({ projectId: id });
      return row!;
    },
  };
}
