import { and, count, eq, gt, ne } from 'drizzle-orm';
import { codeAgentSessions, workstationAgentLimits } from '../db/schema/index.ts';
import type { Executor } from '../db/types.ts';

/** SQL behind usage limits: which agent waits for its quota on which workstation, until when. */
export function createAgentLimitsRepository(db: Executor) {
  return {
    /** One row per (workstation, agent): a later limit replaces the earlier one. */
    async upsert(v: { workstationId: string; agentType: string; limitedUntil: Date; reason: string | null; attemptId: string; at: Date }) {
      const row = { workstationId: v.workstationId, agentType: v.agentType, limitedUntil: v.limitedUntil, reason: v.reason, attemptId: v.attemptId, updatedAt: v.at };
      await db.insert(workstationAgentLimits).values(row).onConflictDoUpdate({
        target: [workstationAgentLimits.workstationId, workstationAgentLimits.agentType],
        set: { limitedUntil: row.limitedUntil, reason: row.reason, attemptId: row.attemptId, updatedAt: row.updatedAt },
      });
    },

    /** Attempts that count against maxAttempts: every attempt but those ended by a usage limit. */
    async spentAttempts(missionId: string) {
      const [row] = await db
        .select({ n: count() })
        .from(codeAgentSessions)
        .where(and(eq(codeAgentSessions.missionId, missionId), ne(codeAgentSessions.status, 'limited')));
      return row?.n ?? 0;
    },

    /** The attempt's reset time as the control plane applied it (the agent's own, bounded). */
    async setAttemptLimitedUntil(attemptId: string, until: Date) {
      await db.update(codeAgentSessions).set({ limitedUntil: until }).where(eq(codeAgentSessions.id, attemptId));
    },

    /** Every limit still running, for the metrics (one row per workstation and agent). */
    async allActive(now: Date) {
      return db
        .select({ workstationId: workstationAgentLimits.workstationId, agentType: workstationAgentLimits.agentType, limitedUntil: workstationAgentLimits.limitedUntil })
        .from(workstationAgentLimits)
        .where(gt(workstationAgentLimits.limitedUntil, now));
    },
  };
}
