import { type EventOrigin, newId } from '@solo-unicorn/shared';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { missionEvents, missions } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

export type MissionEventRow = typeof missionEvents.$inferSelect;

export interface NewMissionEvent {
  missionId: string;
  origin: EventOrigin;
  kind: string;
  data?: Record<string, unknown>;
  userId?: string | null;
  attemptId?: string;
  attemptSeq?: number;
}

export function createMissionEventsRepository(db: Executor) {
  return {
    /**
     * Appends one event. The UPDATE takes the mission's row lock and hands out the next seq, so
     * seq is gap-free and strictly increasing per mission even under concurrent writers; it also
     * stamps last_event_at. Must run inside the caller's transaction.
     */
    async append(event: NewMissionEvent, at: Date): Promise<MissionEventRow> {
      const [bumped] = await db
        .update(missions)
        .set({ lastEventSeq: sql`${missions.lastEventSeq} + 1`, lastEventAt: at })
        .where(eq(missions.id, event.missionId))
        .returning({ seq: missions.lastEventSeq, projectId: missions.projectId });
      if (!bumped) throw new Error(`mission ${event.missionId} vanished while recording an event`);
      const [row] = await db
        .insert(missionEvents)
        .values({
          id: newId(),
          missionId: event.missionId,
          projectId: bumped.projectId,
          seq: bumped.seq,
          origin: event.origin,
          kind: event.kind,
          data: event.data ?? {},
          userId: event.userId ?? null,
          attemptId: event.attemptId,
          attemptSeq: event.attemptSeq,
          createdAt: at,
        })
        .returning();
      return row!;
    },

    async list(missionId: string, afterSeq: number, limit: number) {
      return db
        .select()
        .from(missionEvents)
        .where(and(eq(missionEvents.missionId, missionId), gt(missionEvents.seq, afterSeq)))
        .orderBy(asc(missionEvents.seq))
        .limit(limit + 1);
    },
  };
}
