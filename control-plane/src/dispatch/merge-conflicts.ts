import { and, count, desc, eq, lt, or, sql } from 'drizzle-orm';
import { codeAgentSessions } from '../db/schema/index.ts';
import type { Executor } from '../db/types.ts';

/**
 * Merge conflicts resolve themselves where they can (#15): a mission whose branch conflicts with its
 * target goes back ready, and its next attempt merges the target into the branch and has the agent
 * resolve what conflicts. A few rounds at most: a target that keeps moving under the same lines, or an
 * agent that cannot resolve them, needs a person.
 */
export const MAX_CONFLICT_ROUNDS = 3;

/** The daemon's reasons: the merge conflicted, or the agent left markers in a resolution. */
const CONFLICT = /^merge conflict (in |not resolved)/;
export const isMergeConflict = (reason: string | null | undefined) => CONFLICT.test(reason ?? '');

/** Attempts of the mission that ended in a merge conflict so far (this one included once stored). */
export async function conflictRounds(db: Executor, missionId: string): Promise<number> {
  const a = codeAgentSessions;
  const [row] = await db.select({ n: count() }).from(a)
    .where(and(eq(a.missionId, missionId), eq(a.status, 'failed'), sql`${a.reason} ~ '^merge conflict in '`));
  return row?.n ?? 0;
}

/**
 * What a new attempt must resolve: the latest finished attempt before it failed on a merge conflict
 * (the merge of an approved branch, a direct-mode merge, or an unfinished resolution).
 */
export async function conflictToResolve(db: Executor, attempt: { id: string; missionId: string; createdAt: Date }): Promise<{ reason: string } | null> {
  const a = codeAgentSessions;
  const [last] = await db.select({ status: a.status, reason: a.reason }).from(a)
    .where(and(
      eq(a.missionId, attempt.missionId),
      or(lt(a.createdAt, attempt.createdAt), and(eq(a.createdAt, attempt.createdAt), lt(a.id, attempt.id))),
      // Only a finished piece of work decides: a cancelled, lost, limited or timed-out attempt left the branch as it was.
      sql`${a.status} IN ('succeeded', 'failed')`,
    ))
    .orderBy(desc(a.createdAt), desc(a.id))
    .limit(1);
  return last?.status === 'failed' && isMergeConflict(last.reason) ? { reason: last.reason! } : null;
}
