import { newId } from '@solo-unicorn/shared';
import { and, eq, max, sql } from 'drizzle-orm';
import { auditEvents, missionEvents, missionFallbackTemplates, missions } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

type NewMissionRow = typeof missions.$inferInsert & { id: string };
type NewTemplateRow = typeof missionFallbackTemplates.$inferInsert & { id: string };
type MissionList = NewMissionRow['list'] & string;

/**
 * The legacy import's SQL, set-based: one statement per batch and table. Rows carry ids derived
 * from the import, so writing a batch twice (a resumed or doubled import) inserts nothing twice.
 */
export function createLegacyImportRepository(db: Executor) {
  return {
    /** Serialises imports of the same export into the same project (a double submit) for the transaction. */
    async lockImport(projectId: string, importKey: string) {
      await db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`legacy-import:${projectId}:${importKey}`}, 0))`);
    },

    /** The id an earlier run of this same export gave its import, if any (its audit record). */
    async findImportId(organizationId: string, projectId: string, importKey: string): Promise<string | undefined> {
      const [row] = await db
        .select({ importId: sql<string>`${auditEvents.data}->>'importId'` })
        .from(auditEvents)
        .where(and(
          eq(auditEvents.organizationId, organizationId), eq(auditEvents.action, 'project.import.started'),
          eq(auditEvents.targetId, projectId), sql`${auditEvents.data}->>'importKey' = ${importKey}`,
        ))
        .limit(1);
      return row?.importId ?? undefined;
    },

    /** Highest list order per list in the project, for appending at the end of each column. */
    async endsOfLists(projectId: string): Promise<Map<MissionList, number>> {
      const rows = await db
        .select({ list: missions.list, top: max(missions.listOrder) })
        .from(missions)
        .where(eq(missions.projectId, projectId))
        .groupBy(missions.list);
      return new Map(rows.map((r) => [r.list, Number(r.top ?? 0)]));
    },

    /** Inserts the missions not there yet and their `mission.imported` event (seq 1); returns the ids inserted. */
    async insertMissionsWithEvent(rows: NewMissionRow[], event: (row: NewMissionRow) => Pick<typeof missionEvents.$inferInsert, 'kind' | 'origin' | 'data' | 'userId'>, at: Date) {
      if (rows.length === 0) return [];
      const inserted = await db
        .insert(missions)
        .values(rows.map((r) => ({ ...r, lastEventSeq: 1, lastEventAt: at })))
        .onConflictDoNothing({ target: missions.id })
        .returning({ id: missions.id });
      const ids = new Set(inserted.map((r) => r.id));
      const fresh = rows.filter((r) => ids.has(r.id));
      if (fresh.length > 0) {
        await db.insert(missionEvents).values(fresh.map((r) => ({ id: newId(), missionId: r.id, projectId: r.projectId, seq: 1, createdAt: at, ...event(r) })));
      }
      return [...ids];
    },

    async insertTemplates(rows: NewTemplateRow[]) {
      if (rows.length === 0) return [];
      const inserted = await db.insert(missionFallbackTemplates).values(rows).onConflictDoNothing({ target: missionFallbackTemplates.id }).returning({ id: missionFallbackTemplates.id });
      return inserted.map((r) => r.id);
    },
  };
}
