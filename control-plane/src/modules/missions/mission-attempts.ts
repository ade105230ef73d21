import type { MissionAttempt, MissionAttempts } from '@solo-unicorn/shared';
import { desc, eq, sql } from 'drizzle-orm';
import { codeAgentSessions } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';
import { iso, isoOrNull } from '../../lib/time.ts';

/** The attempts GET /missions/:id/attempts lists; the totals still cover every attempt. */
export const ATTEMPTS_LISTED = 200;

type AttemptRow = typeof codeAgentSessions.$inferSelect;

const wallMs = (a: AttemptRow) => (a.startedAt && a.finishedAt ? a.finishedAt.getTime() - a.startedAt.getTime() : null);

export const toMissionAttempt = (a: AttemptRow): MissionAttempt => ({
  id: a.id,
  attemptNumber: a.attemptNumber,
  status: a.status,
  agentType: a.agentType,
  workstationId: a.workstationId,
  stage: a.stage,
  reason: a.reason,
  permissionDenials: a.permissionDenials,
  inputTokens: a.inputTokens,
  outputTokens: a.outputTokens,
  cacheReadTokens: a.cacheReadTokens,
  cacheWriteTokens: a.cacheWriteTokens,
  costUsd: a.costUsd,
  numTurns: a.numTurns,
  apiMs: a.apiMs,
  wallMs: wallMs(a),
  agentSessionId: a.agentSessionId,
  resumedFromAttemptId: a.resumedFromAttemptId,
  limitedUntil: isoOrNull(a.limitedUntil),
  startedAt: isoOrNull(a.startedAt),
  finishedAt: isoOrNull(a.finishedAt),
  createdAt: iso(a.createdAt),
});

/** A mission's attempts, newest first, and the sums of their usage over all of them. */
export async function missionAttempts(db: Executor, missionId: string): Promise<MissionAttempts> {
  const a = codeAgentSessions;
  const rows = await db.select().from(a).where(eq(a.missionId, missionId)).orderBy(desc(a.createdAt), desc(a.id)).limit(ATTEMPTS_LISTED);
  // Summed in SQL (numeric: bigint sums do not overflow there), read back as numbers.
  const [totals] = await db
    .select({
      attempts: sql<number>`count(*)`.mapWith(Number),
      inputTokens: sql<number>`coalesce(sum(${a.inputTokens}), 0)`.mapWith(Number),
      outputTokens: sql<number>`coalesce(sum(${a.outputTokens}), 0)`.mapWith(Number),
      cacheReadTokens: sql<number>`coalesce(sum(${a.cacheReadTokens}), 0)`.mapWith(Number),
      cacheWriteTokens: sql<number>`coalesce(sum(${a.cacheWriteTokens}), 0)`.mapWith(Number),
      // null while no attempt reported a cost: unknown is not zero.
      costUsd: sql<number | null>`sum(${a.costUsd})`.mapWith((v) => (v == null ? null : Number(v))),
      numTurns: sql<number>`coalesce(sum(${a.numTurns}), 0)`.mapWith(Number),
      wallMs: sql<number>`coalesce(sum(extract(epoch from (${a.finishedAt} - ${a.startedAt})) * 1000), 0)`.mapWith((v) => Math.round(Number(v))),
      permissionDenials: sql<number>`coalesce(sum(${a.permissionDenials}), 0)`.mapWith(Number),
    })
    .from(a)
    .where(eq(a.missionId, missionId));
  return { items: rows.map(toMissionAttempt), totals: totals! };
}
