import { newId } from '@solo-unicorn/shared';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { missionFallbackTemplates } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

export type FallbackTemplateRow = typeof missionFallbackTemplates.$inferSelect;
export type NewFallbackTemplate = Omit<typeof missionFallbackTemplates.$inferInsert, 'id'>;

export function createFallbackTemplatesRepository(db: Executor) {
  const live = (projectId: string) => and(eq(missionFallbackTemplates.projectId, projectId), isNull(missionFallbackTemplates.deletedAt));
  return {
    async insert(values: NewFallbackTemplate) {
      const [row] = await db.insert(missionFallbackTemplates).values({ id: newId(), ...values }).returning();
      return row!;
    },
    async list(projectId: string, opts: { enabledOnly?: boolean } = {}) {
      const filter = opts.enabledOnly ? and(live(projectId), eq(missionFallbackTemplates.enabled, true)) : live(projectId);
      return db.select().from(missionFallbackTemplates).where(filter).orderBy(asc(missionFallbackTemplates.id));
    },
    async find(projectId: string, id: string) {
      const [row] = await db.select().from(missionFallbackTemplates).where(and(live(projectId), eq(missionFallbackTemplates.id, id))).limit(1);
      return row;
    },
    async update(id: string, values: Partial<NewFallbackTemplate>) {
      const [row] = await db.update(missionFallbackTemplates).set(values).where(eq(missionFallbackTemplates.id, id)).returning();
      return row!;
    },
    /** Proposed in a run: its minimum wait and its place in the rotation start again from here. */
    async markProposed(ids: string[], at: Date) {
      if (ids.length === 0) return;
      await db.update(missionFallbackTemplates).set({ lastUsedAt: at, lastProposedAt: at }).where(inArray(missionFallbackTemplates.id, ids));
    },
    /** A person discarded its proposal: its cooldown starts. */
    async markDiscarded(id: string, at: Date) {
      await db.update(missionFallbackTemplates).set({ lastDiscardedAt: at }).where(eq(missionFallbackTemplates.id, id));
    },
    async markUsed(ids: string[], at: Date) {
      if (ids.length === 0) return;
      await db.update(missionFallbackTemplates).set({ lastUsedAt: at }).where(inArray(missionFallbackTemplates.id, ids));
    },
  };
}
