import type { AttemptSummary } from '@solo-unicorn/shared';
import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/types.ts';
import { isoOrNull } from '../../lib/time.ts';

type Status = NonNullable<AttemptSummary['latest']>['status'];
/** As the drivers give raw rows: numeric as a string, a timestamp as a Date (or a string). */
type Row = { mission_id: string; status: Status | null; permission_denials: number | null; limited_until: Date | string | null; cost_usd: string | number | null };

/**
 * The board's card badges (usage limit, denials, cost) for a page of missions in one statement:
 * a board of 500 missions asked GET /missions/:id/attempts 500 times, re-rendering after each.
 * Missions not in the project are left out, so ids from elsewhere reveal nothing.
 */
export async function attemptSummaries(db: Executor, projectId: string, missionIds: string[]): Promise<AttemptSummary[]> {
  const ids = sql.join(missionIds.map((id) => sql`${id}`), sql`, `);
  const result = await db.execute(sql`
    SELECT m.id AS mission_id, l.status, l.permission_denials, l.limited_until,
           (SELECT sum(s.cost_usd) FROM code_agent_sessions s WHERE s.mission_id = m.id) AS cost_usd
      FROM missions m
      LEFT JOIN LATERAL (
        SELECT s.status, s.permission_denials, s.limited_until FROM code_agent_sessions s
         WHERE s.mission_id = m.id ORDER BY s.created_at DESC, s.id DESC LIMIT 1
      ) l ON true
     WHERE m.project_id = ${projectId} AND m.id IN (${ids})`);
  return (result as unknown as { rows: Row[] }).rows.map((r) => ({
    missionId: r.mission_id,
    latest: r.status ? { status: r.status, permissionDenials: Number(r.permission_denials ?? 0), limitedUntil: r.limited_until === null ? null : isoOrNull(new Date(r.limited_until)) } : null,
    costUsd: r.cost_usd === null ? null : Number(r.cost_usd),
  }));
}
