import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/types.ts';
import { rowsOf } from './missions.repository.ts';

/** The projects' default when no fallback config row exists yet (matches the column default). */
export const DEFAULT_BACKLOG_THRESHOLD = 5;

export function createBacklogRepository(db: Executor) {
  return {
    /**
     * todo ∧ ready count and the project's threshold in one round trip. The count is an
     * index-only scan of the partial index idx_missions_backlog.
     */
    async check(projectId: string): Promise<{ count: number; threshold: number }> {
      const result = await db.execute(sql`
        SELECT
          (SELECT count(*)::int FROM missions WHERE project_id = ${projectId} AND list = 'todo' AND ready) AS count,
          COALESCE((SELECT backlog_threshold FROM mission_fallback_configs WHERE project_id = ${projectId}), ${DEFAULT_BACKLOG_THRESHOLD})::int AS threshold`);
      const row = rowsOf(result)[0] as { count: number; threshold: number };
      return { count: Number(row.count), threshold: Number(row.threshold) };
    },
  };
}
