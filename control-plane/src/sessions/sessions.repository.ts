import { newId, type AgentInfo, type AttemptOutcome, type WorkstationInventoryFrame } from '@solo-unicorn/shared';
import { and, asc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import { codeAgentSessions, workstationRepositories, workstationSessions, workstationWorktrees, workstations } from '../db/schema/index.ts';
import type { Executor } from '../db/types.ts';
import { dbNow, dbNowMinus } from '../db/db-clock.ts';
import { rowsOf } from '../db/rows.ts';

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

    /**
     * Presence stamps (connected, last heartbeat, disconnected, last seen) are the database's
     * clock (db-clock.ts): other instances compare them with their cut-offs, also the database's.
     */
    async openSession(values: { workstationId: string; daemonVersion: string; agents: AgentInfo[]; maxConcurrentMissions: number; remoteAddress: string | null; at: Date }) {
      const id = newId();
      // One commit, the workstation first: the session's insert is what tells boards (and other
      // instances) it came online, and they read its agents and capacity then. Written apart, a
      // board could read them before they were stored and show "No agents reported" until its
      // next change.
      await db.transaction(async (tx) => {
        await tx
          .update(workstations)
          .set({ daemonVersion: values.daemonVersion, agents: values.agents, maxConcurrentMissions: values.maxConcurrentMissions, lastSeenAt: dbNow(), updatedAt: values.at })
          .where(eq(workstations.id, values.workstationId));
        await tx.insert(workstationSessions).values({
          id, workstationId: values.workstationId, daemonVersion: values.daemonVersion, agents: values.agents,
          remoteAddress: values.remoteAddress, connectedAt: dbNow(), lastHeartbeatAt: dbNow(),
        });
      });
      return id;
    },

    async heartbeat(sessionId: string, workstationId: string) {
      await db.update(workstationSessions).set({ lastHeartbeatAt: dbNow() }).where(eq(workstationSessions.id, sessionId));
      await db.update(workstations).set({ lastSeenAt: dbNow() }).where(eq(workstations.id, workstationId));
    },

    async closeSession(sessionId: string, workstationId: string, reason: string) {
      await db
        .update(workstationSessions)
        .set({ disconnectedAt: dbNow(), disconnectReason: reason })
        .where(and(eq(workstationSessions.id, sessionId), isNull(workstationSessions.disconnectedAt)));
      await db.update(workstations).set({ lastSeenAt: dbNow() }).where(eq(workstations.id, workstationId));
    },

    /**
     * The sessions this process holds (ws ping/pong proves them alive) are stamped fresh, so a
     * daemon that is slow to send its own heartbeat is not taken for dead by another instance.
     * Returns the ids still open: one missing was closed by another instance's sweep.
     */
    async vouchForSessions(ids: string[]) {
      if (ids.length === 0) return new Set<string>();
      const rows = await db
        .update(workstationSessions)
        .set({ lastHeartbeatAt: dbNow() })
        .where(and(inArray(workstationSessions.id, ids), isNull(workstationSessions.disconnectedAt)))
        .returning({ id: workstationSessions.id, workstationId: workstationSessions.workstationId });
      if (rows.length > 0) {
        await db.update(workstations).set({ lastSeenAt: dbNow() }).where(inArray(workstations.id, [...new Set(rows.map((r) => r.workstationId))]));
      }
      return new Set(rows.map((r) => r.id));
    },

    /**
     * Open sessions nobody has vouched for within the last `staleAfterMs` (database time): the
     * process that held them died (any instance on this database, or this one's predecessor).
     * Safe to run in every instance, whatever its host clock says.
     */
    async closeStaleSessions(staleAfterMs: number, reason: string) {
      const rows = await db
        .update(workstationSessions)
        .set({ disconnectedAt: dbNow(), disconnectReason: reason })
        .where(and(isNull(workstationSessions.disconnectedAt), lt(sql`coalesce(${workstationSessions.lastHeartbeatAt}, ${workstationSessions.connectedAt})`, dbNowMinus(staleAfterMs))))
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

    /** Replaces what the control plane knows of a workstation's clones and worktrees. */
    async replaceInventory(workstationId: string, inv: WorkstationInventoryFrame['payload'], at: Date) {
      await db.delete(workstationWorktrees).where(eq(workstationWorktrees.workstationId, workstationId));
      await db.delete(workstationRepositories).where(eq(workstationRepositories.workstationId, workstationId));
      // Only repositories the control plane knows (a stale id from a deleted project is skipped).
      const known = inv.repositories.length
        ? new Set(rowsOf(await db.execute(sql`SELECT id FROM project_repositories WHERE id IN (${sql.join([...new Set([...inv.repositories.map((r) => r.repositoryId), ...inv.worktrees.map((w) => w.repositoryId)])].map((id) => sql`${id}`), sql`, `)})`)).map((r) => String(r.id)))
        : new Set<string>();
      const repos = inv.repositories.filter((r) => known.has(r.repositoryId));
      if (repos.length) await db.insert(workstationRepositories).values(repos.map((r) => ({ id: newId(), workstationId, repositoryId: r.repositoryId, localPath: r.localPath, lastFetchedAt: null, createdAt: at, updatedAt: at })));
      const trees = inv.worktrees.filter((w) => known.has(w.repositoryId));
      if (trees.length) {
        await db.insert(workstationWorktrees).values(trees.map((w) => ({
          id: newId(), workstationId, repositoryId: w.repositoryId, path: w.path, branch: w.branch, status: w.state, missionId: w.missionId,
          attemptId: w.attemptId, lastUsedAt: w.lastUsedAt ? new Date(w.lastUsedAt) : null, sizeBytes: w.sizeBytes ?? null, createdAt: at, updatedAt: at,
        })));
      }
    },

    async finishAttempt(attemptId: string, values: { status: AttemptOutcome; reason?: string; branch?: string; headCommit?: string; limitedUntil?: Date; at: Date }) {
      await db
        .update(codeAgentSessions)
        .set({
          status: values.status, reason: values.reason ?? null, branch: values.branch, headCommit: values.headCommit,
          limitedUntil: values.limitedUntil ?? null, finishedAt: values.at, updatedAt: values.at,
        })
        .where(eq(codeAgentSessions.id, attemptId));
    },
  };
}
export type SessionsRepository = ReturnType<typeof createSessionsRepository>;
