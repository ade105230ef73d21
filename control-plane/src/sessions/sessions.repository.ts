import { newId, type AgentInfo } from '@solo-unicorn/shared';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { codeAgentSessions, workstationSessions, workstations } from '../db/schema/index.ts';
import type { Executor } from '../db/types.ts';

export type AttemptRow = typeof codeAgentSessions.$inferSelect;
const liveStatuses = ['assigned', 'running'] as const;
export const isLiveAttempt = (status: AttemptRow['status']) => (liveStatuses as readonly string[]).includes(status);

/** SQL behind the daemon sessions: session rows, presence stamps and attempt fencing state. */
export function createSessionsRepository(db: Executor) {
  return {
    async findWorkstation(id: string) {
      const [row] = await db.select().from(workstations).where(eq(workstations.id, id)).limit(1);
      return row;
    },

    async openSession(values: { workstationId: string; daemonVersion: string; agents: AgentInfo[]; maxConcurrentMissions: number; remoteAddress: string | null; at: Date }) {
      const id = newId();
      await db.insert(workstationSessions).values({
        id, workstationId: values.workstationId, daemonVersion: values.daemonVersion, agents: values.agents,
        remoteAddress: values.remoteAddress, connectedAt: values.at, lastHeartbeatAt: values.at,
      });
      await db
        .update(workstations)
        .set({ daemonVersion: values.daemonVersion, agents: values.agents, maxConcurrentMissions: values.maxConcurrentMissions, lastSeenAt: values.at, updatedAt: values.at })
        .where(eq(workstations.id, values.workstationId));
      return id;
    },

    async heartbeat(sessionId: string, workstationId: string, at: Date) {
      await db.update(workstationSessions).set({ lastHeartbeatAt: at }).where(eq(workstationSessions.id, sessionId));
      await db.update(workstations).set({ lastSeenAt: at }).where(eq(workstations.id, workstationId));
    },

    async closeSession(sessionId: string, workstationId: string, reason: string, at: Date) {
      await db
        .update(workstationSessions)
        .set({ disconnectedAt: at, disconnectReason: reason })
        .where(and(eq(workstationSessions.id, sessionId), isNull(workstationSessions.disconnectedAt)));
      await db.update(workstations).set({ lastSeenAt: at }).where(eq(workstations.id, workstationId));
    },

    /** Sessions a previous control-plane process left open (it died without closing them). */
    async closeOrphanSessions(reason: string, at: Date) {
      const rows = await db
        .update(workstationSessions)
        .set({ disconnectedAt: at, disconnectReason: reason })
        .where(isNull(workstationSessions.disconnectedAt))
        .returning({ id: workstationSessions.id });
      return rows.length;
    },

    async liveAttemptsOf(workstationId: string) {
      return db
        .select()
        .from(codeAgentSessions)
        .where(and(eq(codeAgentSessions.workstationId, workstationId), inArray(codeAgentSessions.status, [...liveStatuses])))
        .orderBy(asc(codeAgentSessions.createdAt));
    },

    async attemptsByIds(ids: string[]) {
      if (ids.length === 0) return [];
      return db.select().from(codeAgentSessions).where(inArray(codeAgentSessions.id, ids));
    },

    /** Row locks in id order (no deadlocks between concurrent writers of the same attempts). */
    async lockAttempts(ids: string[]) {
      if (ids.length === 0) return [];
      return db.select().from(codeAgentSessions).where(inArray(codeAgentSessions.id, ids)).orderBy(asc(codeAgentSessions.id)).for('update');
    },

    async setLastStoredSeq(attemptId: string, seq: number, at: Date) {
      await db.update(codeAgentSessions).set({ lastAckedSeq: seq, updatedAt: at }).where(eq(codeAgentSessions.id, attemptId));
    },

    async finishAttempt(attemptId: string, values: { status: 'succeeded' | 'failed' | 'cancelled' | 'timed_out'; reason?: string; branch?: string; headCommit?: string; at: Date }) {
      await db
        .update(codeAgentSessions)
        .set({ status: values.status, reason: values.reason ?? null, branch: values.branch, headCommit: values.headCommit, finishedAt: values.at, updatedAt: values.at })
        .where(eq(codeAgentSessions.id, attemptId));
    },
  };
}
export type SessionsRepository = ReturnType<typeof createSessionsRepository>;
