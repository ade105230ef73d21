import { newId } from '@solo-unicorn/shared';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { codeAgentSessions, missionEvents, workstationSessions } from '../../../src/db/schema/index.ts';
import type { Db } from '../../../src/db/types.ts';

/** Dispatch does not exist yet: tests hand a mission to a workstation by writing the attempt row. */
export async function createAttempt(db: Db, v: { missionId: string; projectId: string; workstationId: string; leaseVersion?: number; status?: 'assigned' | 'running' }) {
  const id = newId();
  await db.insert(codeAgentSessions).values({ id, missionId: v.missionId, projectId: v.projectId, workstationId: v.workstationId, leaseVersion: v.leaseVersion ?? 1, status: v.status ?? 'running' });
  return { attemptId: id, missionId: v.missionId, leaseVersion: v.leaseVersion ?? 1 };
}

/** The attempt's stored events: [attemptSeq…] in mission seq order. */
export async function storedSeqs(db: Db, attemptId: string) {
  const rows = await db.select({ seq: missionEvents.attemptSeq }).from(missionEvents).where(eq(missionEvents.attemptId, attemptId)).orderBy(asc(missionEvents.seq));
  return rows.map((r) => r.seq!);
}

export async function openSessions(db: Db, workstationId: string) {
  return db.select().from(workstationSessions).where(and(eq(workstationSessions.workstationId, workstationId), isNull(workstationSessions.disconnectedAt)));
}

export async function attemptRow(db: Db, attemptId: string) {
  const [row] = await db.select().from(codeAgentSessions).where(eq(codeAgentSessions.id, attemptId));
  return row!;
}
