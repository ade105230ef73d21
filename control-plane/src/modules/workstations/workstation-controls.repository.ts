import { and, eq, isNull, sql } from 'drizzle-orm';
import { projectWorkstations, workstations } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

/** The writes behind unmap, pause, resume and visibility (workstation-controls.service.ts). */
export function createWorkstationControlsRepository(db: Executor) {
  return {
    /** Removes the mapping; false when there was none. */
    async unmap(projectId: string, workstationId: string) {
      const removed = await db
        .delete(projectWorkstations)
        .where(and(eq(projectWorkstations.projectId, projectId), eq(projectWorkstations.workstationId, workstationId)))
        .returning({ projectId: projectWorkstations.projectId });
      return removed.length > 0;
    },

    /** Pauses (or, paused already, updates the reason and keeps the first pause time). */
    async pause(id: string, reason: string, at: Date) {
      const [row] = await db
        .update(workstations)
        .set({ pausedAt: sql`coalesce(${workstations.pausedAt}, ${at.toISOString()}::timestamptz)`, pausedReason: reason, updatedAt: at })
        .where(and(eq(workstations.id, id), isNull(workstations.revokedAt)))
        .returning();
      return row;
    },

    async setVisibility(id: string, visibility: 'hidden' | 'status' | 'full', at: Date) {
      await db.update(workstations).set({ visibility, updatedAt: at }).where(eq(workstations.id, id));
    },

    async resume(id: string, at: Date) {
      const [row] = await db.update(workstations).set({ pausedAt: null, pausedReason: null, updatedAt: at }).where(eq(workstations.id, id)).returning();
      return row;
    },

    /**
     * Wakes the dispatcher of whichever control-plane process holds the workstation's session
     * (NOTIFY is delivered at commit), so a resumed workstation gets work at once, not at the next tick.
     */
    async wakeDispatch(workstationId: string) {
      await db.execute(sql`SELECT pg_notify('su_realtime', json_build_object('w', ${workstationId}::text)::text)`);
    },
  };
}
