import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/types.ts';
import { rowsOf } from '../../db/rows.ts';

export interface ProgressLine {
  line: string;
  at: string;
}

/**
 * The latest `mission_progress` line (an `agent.progress` event) of each mission's live attempt,
 * so a Doing card shows what the agent last said even if the board opened after it said it. A
 * line of an earlier attempt is stale: a mission back in Doing starts without one, as live.
 * One statement for any number of missions; each attempt's newest line is the first entry of the
 * partial index on agent.progress events (mission_events_attempt_progress_idx).
 */
export async function latestProgressLines(db: Executor, missionIds: string[]): Promise<Map<string, ProgressLine>> {
  const lines = new Map<string, ProgressLine>();
  if (missionIds.length === 0) return lines;
  const ids = sql.join(missionIds.map((id) => sql`${id}`), sql`, `);
  const result = await db.execute(sql`
    SELECT s.mission_id, e.data->>'line' AS line, e.created_at
      FROM code_agent_sessions s
      CROSS JOIN LATERAL (
        SELECT data, created_at FROM mission_events
         WHERE attempt_id = s.id AND kind = 'agent.progress'
         ORDER BY attempt_seq DESC
         LIMIT 1
      ) e
     WHERE s.mission_id IN (${ids}) AND s.status IN ('assigned', 'running')`);
  for (const r of rowsOf(result)) {
    if (typeof r.line !== 'string') continue;
    lines.set(String(r.mission_id), { line: r.line, at: new Date(r.created_at as string | Date).toISOString() });
  }
  return lines;
}
