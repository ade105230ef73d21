import { newId } from '@solo-unicorn/shared';
import { and, asc, eq, gt, gte, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import {
  codeAgentSessions, organizationMemberships, projectWorkstations, workstationAgentLimits, workstationRepositories, workstationSessions, workstationWorktrees, workstations,
} from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';
import { dbNowMinus } from '../../db/db-clock.ts';

export type WorkstationRow = typeof workstations.$inferSelect;

/** Attempt states in which a mission counts as "current" on its workstation. */
export const liveAttemptStatuses = ['assigned', 'running'] as const;

export function createWorkstationsRepository(db: Executor) {
  return {
    /** The clones and worktrees the workstation last reported (workstation.inventory). */
    async inventoryOf(workstationId: string) {
      const [repositories, worktrees] = await Promise.all([
        db.select().from(workstationRepositories).where(eq(workstationRepositories.workstationId, workstationId)).orderBy(asc(workstationRepositories.repositoryId)),
        db.select().from(workstationWorktrees).where(eq(workstationWorktrees.workstationId, workstationId)).orderBy(asc(workstationWorktrees.path)),
      ]);
      return { repositories, worktrees };
    },

    /** Workstation id → the summed sizes of its measured worktrees (workstations with none measured are absent). */
    async worktreeDiskBytes(workstationIds: string[]) {
      if (workstationIds.length === 0) return new Map<string, number>();
      const rows = await db
        .select({ workstationId: workstationWorktrees.workstationId, bytes: sql<string>`sum(${workstationWorktrees.sizeBytes})` })
        .from(workstationWorktrees)
        .where(and(inArray(workstationWorktrees.workstationId, workstationIds), isNotNull(workstationWorktrees.sizeBytes)))
        .groupBy(workstationWorktrees.workstationId);
      return new Map(rows.map((r) => [r.workstationId, Number(r.bytes)]));
    },

    async insert(values: { organizationId: string; name: string; tokenHash: string; tokenPrefix: string; createdBy: string }) {
      const [row] = await db.insert(workstations).values({ id: newId(), ...values }).returning();
      return row!;
    },

    async findById(id: string) {
      const [row] = await db.select().from(workstations).where(eq(workstations.id, id)).limit(1);
      return row;
    },

    /** Workstations of the caller's organizations (all of them for the instance admin), by id. */
    async listVisible(q: { userId: string; isInstanceAdmin: boolean; organizationId?: string; afterId?: string; limit: number }) {
      const where = and(
        q.organizationId ? eq(workstations.organizationId, q.organizationId) : undefined,
        q.afterId ? gt(workstations.id, q.afterId) : undefined,
      );
      if (q.isInstanceAdmin) {
        return db.select().from(workstations).where(where).orderBy(asc(workstations.id)).limit(q.limit + 1);
      }
      const rows = await db
        .select({ ws: workstations })
        .from(workstations)
        .innerJoin(
          organizationMemberships,
          and(eq(organizationMemberships.organizationId, workstations.organizationId), eq(organizationMemberships.userId, q.userId)),
        )
        .where(where)
        .orderBy(asc(workstations.id))
        .limit(q.limit + 1);
      return rows.map((r) => r.ws);
    },

    /** Of these workstations, the ones that exist and are not revoked. */
    async activeIds(ids: string[]) {
      if (ids.length === 0) return new Set<string>();
      const rows = await db.select({ id: workstations.id }).from(workstations).where(and(inArray(workstations.id, ids), isNull(workstations.revokedAt)));
      return new Set(rows.map((r) => r.id));
    },

    async revoke(id: string, at: Date) {
      const [row] = await db
        .update(workstations)
        .set({ revokedAt: at, updatedAt: at })
        .where(and(eq(workstations.id, id), isNull(workstations.revokedAt)))
        .returning();
      return row;
    },

    /**
     * Of these workstations, those with an open session vouched for within the last `staleAfterMs`
     * (by the daemon's heartbeat or the instance holding the socket): online whichever instance
     * holds it. Database time on both sides, so this host's clock does not decide it.
     */
    async onlineIds(workstationIds: string[], staleAfterMs: number) {
      if (workstationIds.length === 0) return new Set<string>();
      const rows = await db
        .selectDistinct({ id: workstationSessions.workstationId })
        .from(workstationSessions)
        .where(and(inArray(workstationSessions.workstationId, workstationIds), isNull(workstationSessions.disconnectedAt), gte(workstationSessions.lastHeartbeatAt, dbNowMinus(staleAfterMs))));
      return new Set(rows.map((r) => r.id));
    },

    /** Missions currently handed to these workstations (attempts assigned or running). */
    async currentAttempts(workstationIds: string[]) {
      if (workstationIds.length === 0) return [];
      return db
        .select({
          workstationId: codeAgentSessions.workstationId,
          missionId: codeAgentSessions.missionId,
          attemptId: codeAgentSessions.id,
          status: codeAgentSessions.status,
        })
        .from(codeAgentSessions)
        .where(and(inArray(codeAgentSessions.workstationId, workstationIds), inArray(codeAgentSessions.status, [...liveAttemptStatuses])))
        .orderBy(asc(codeAgentSessions.createdAt));
    },

    /** Usage limits of these workstations' agents that have not reset by `now`. */
    async activeLimits(workstationIds: string[], now: Date) {
      if (workstationIds.length === 0) return [];
      return db
        .select({ workstationId: workstationAgentLimits.workstationId, agentType: workstationAgentLimits.agentType, limitedUntil: workstationAgentLimits.limitedUntil })
        .from(workstationAgentLimits)
        .where(and(inArray(workstationAgentLimits.workstationId, workstationIds), gt(workstationAgentLimits.limitedUntil, now)));
    },

    /** Idempotent: mapping twice keeps the first row. */
    async mapToProject(projectId: string, workstationId: string) {
      await db.insert(projectWorkstations).values({ projectId, workstationId }).onConflictDoNothing();
      const [row] = await db
        .select()
        .from(projectWorkstations)
        .where(and(eq(projectWorkstations.projectId, projectId), eq(projectWorkstations.workstationId, workstationId)))
        .limit(1);
      return row!;
    },

    async listForProject(projectId: string) {
      return db.select().from(projectWorkstations).where(eq(projectWorkstations.projectId, projectId)).orderBy(asc(projectWorkstations.createdAt));
    },
  };
}
