import { newId } from '@solo-unicorn/shared';
import { and, asc, desc, eq, gte, inArray, lt, or, sql } from 'drizzle-orm';
import { missionFallbackItems, missionFallbackRuns } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

export type FallbackRunRow = typeof missionFallbackRuns.$inferSelect;
export type FallbackItemRow = typeof missionFallbackItems.$inferSelect;
export type NewFallbackItem = Omit<typeof missionFallbackItems.$inferInsert, 'id'>;

export function createFallbackRunsRepository(db: Executor) {
  return {
    async insertRun(values: Omit<typeof missionFallbackRuns.$inferInsert, 'id'> & { id?: string }) {
      const [row] = await db.insert(missionFallbackRuns).values({ id: newId(), ...values }).returning();
      return row!;
    },
    async insertItems(items: NewFallbackItem[]) {
      if (items.length === 0) return [];
      return db.insert(missionFallbackItems).values(items.map((i) => ({ id: newId(), ...i }))).returning();
    },
    async findRun(projectId: string, runId: string) {
      const [row] = await db
        .select()
        .from(missionFallbackRuns)
        .where(and(eq(missionFallbackRuns.projectId, projectId), eq(missionFallbackRuns.id, runId)))
        .limit(1);
      return row;
    },
    async updateRun(runId: string, values: Partial<typeof missionFallbackRuns.$inferInsert>) {
      const [row] = await db.update(missionFallbackRuns).set(values).where(eq(missionFallbackRuns.id, runId)).returning();
      return row!;
    },
    /** Newest first; keyset on (started_at, id). */
    async listRuns(projectId: string, limit: number, before?: { startedAt: Date; id: string }) {
      const page = before
        ? or(lt(missionFallbackRuns.startedAt, before.startedAt), and(eq(missionFallbackRuns.startedAt, before.startedAt), lt(missionFallbackRuns.id, before.id)))
        : undefined;
      return db
        .select()
        .from(missionFallbackRuns)
        .where(and(eq(missionFallbackRuns.projectId, projectId), page))
        .orderBy(desc(missionFallbackRuns.startedAt), desc(missionFallbackRuns.id))
        .limit(limit + 1);
    },
    async itemsOfRuns(runIds: string[]) {
      if (runIds.length === 0) return [];
      return db.select().from(missionFallbackItems).where(inArray(missionFallbackItems.missionFallbackRunId, runIds)).orderBy(asc(missionFallbackItems.id));
    },
    async findItem(itemId: string) {
      const [row] = await db.select().from(missionFallbackItems).where(eq(missionFallbackItems.id, itemId)).limit(1);
      return row;
    },
    async lockItem(itemId: string) {
      const [row] = await db.select().from(missionFallbackItems).where(eq(missionFallbackItems.id, itemId)).for('update').limit(1);
      return row;
    },
    async updateItem(itemId: string, values: Partial<typeof missionFallbackItems.$inferInsert>) {
      const [row] = await db.update(missionFallbackItems).set(values).where(eq(missionFallbackItems.id, itemId)).returning();
      return row!;
    },
    async openProposals(projectId: string) {
      return db
        .select()
        .from(missionFallbackItems)
        .where(and(eq(missionFallbackItems.projectId, projectId), eq(missionFallbackItems.status, 'proposed')))
        .orderBy(asc(missionFallbackItems.id));
    },
    async hasRunAwaitingReview(projectId: string) {
      const [row] = await db
        .select({ id: missionFallbackRuns.id })
        .from(missionFallbackRuns)
        .where(and(eq(missionFallbackRuns.projectId, projectId), eq(missionFallbackRuns.status, 'awaiting_review')))
        .limit(1);
      return Boolean(row);
    },
    /** What the guardrails have used: accepted this ISO week / this month (by decision time). */
    async usage(projectId: string, weekStart: Date, monthStart: Date) {
      const accepted = and(eq(missionFallbackItems.projectId, projectId), eq(missionFallbackItems.status, 'accepted'));
      const [row] = await db
        .select({
          week: sql<number>`count(*) FILTER (WHERE ${missionFallbackItems.decidedAt} >= ${weekStart})`.mapWith(Number),
          monthMinutes: sql<number>`coalesce(sum(${missionFallbackItems.estimatedEffortMinutes}) FILTER (WHERE ${missionFallbackItems.decidedAt} >= ${monthStart}), 0)`.mapWith(Number),
        })
        .from(missionFallbackItems)
        .where(and(accepted, gte(missionFallbackItems.decidedAt, weekStart < monthStart ? weekStart : monthStart)));
      return { acceptedThisWeek: row?.week ?? 0, acceptedMinutesThisMonth: row?.monthMinutes ?? 0 };
    },
  };
}
