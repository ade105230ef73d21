import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { actors, flows, missionDependencies, missionEvents, missions } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

/** The queries the agent tools need and no other module does. */
export function createToolRequestsRepository(db: Executor) {
  return {
    async flowOf(flowId: string | null) {
      if (!flowId) return undefined;
      const [row] = await db.select({ name: flows.name, stages: flows.stages }).from(flows).where(eq(flows.id, flowId));
      return row;
    },

    async actorOf(actorId: string | null) {
      if (!actorId) return undefined;
      const [row] = await db.select({ name: actors.name, instructions: actors.instructions }).from(actors).where(eq(actors.id, actorId));
      return row;
    },

    async dependenciesOf(missionId: string) {
      return db
        .select({ id: missions.id, title: missions.title, list: missions.list })
        .from(missionDependencies)
        .innerJoin(missions, eq(missions.id, missionDependencies.dependsOnMissionId))
        .where(eq(missionDependencies.missionId, missionId))
        .orderBy(asc(missions.id));
    },

    /** The follow-ups an attempt proposed (events on the parent): the cap counts them. */
    async followupsOf(parentMissionId: string, attemptId: string) {
      return db
        .select({ data: missionEvents.data })
        .from(missionEvents)
        .where(and(
          eq(missionEvents.missionId, parentMissionId),
          eq(missionEvents.kind, 'mission.followup_proposed'),
          sql`${missionEvents.data}->>'attemptId' = ${attemptId}`,
        ));
    },

    /** The open question of each mission: its last `agent.question`, unless answered after it. */
    async openQuestions(missionIds: string[]) {
      if (missionIds.length === 0) return new Map<string, { id: string; text: string; askedAt: string }>();
      const rows = await db
        .select({ id: missionEvents.id, missionId: missionEvents.missionId, kind: missionEvents.kind, data: missionEvents.data, createdAt: missionEvents.createdAt })
        .from(missionEvents)
        .where(and(inArray(missionEvents.missionId, missionIds), inArray(missionEvents.kind, ['agent.question', 'mission.answered'])))
        .orderBy(asc(missionEvents.missionId), asc(missionEvents.seq));
      const open = new Map<string, { id: string; text: string; askedAt: string }>();
      for (const r of rows) {
        if (r.kind === 'mission.answered') open.delete(r.missionId);
        else open.set(r.missionId, { id: r.id, text: String((r.data as Record<string, unknown>).question ?? ''), askedAt: new Date(r.createdAt).toISOString() });
      }
      return open;
    },
  };
}
