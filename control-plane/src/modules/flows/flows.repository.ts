import { newId } from '@solo-unicorn/shared';
import { and, asc, eq } from 'drizzle-orm';
import { actors, flows } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

export type FlowRow = typeof flows.$inferSelect;
export type ActorRow = typeof actors.$inferSelect;

/** Flows and actors: the project's workflow templates and personas. */
export function createFlowsRepository(db: Executor) {
  return {
    async insertFlow(values: Omit<typeof flows.$inferInsert, 'id'>) {
      const [row] = await db.insert(flows).values({ id: newId(), ...values }).onConflictDoNothing().returning();
      return row;
    },
    async listFlows(projectId: string) {
      return db.select().from(flows).where(eq(flows.projectId, projectId)).orderBy(asc(flows.id));
    },
    async findFlow(projectId: string, id: string) {
      const [row] = await db.select().from(flows).where(and(eq(flows.projectId, projectId), eq(flows.id, id))).limit(1);
      return row;
    },
    async insertActor(values: Omit<typeof actors.$inferInsert, 'id'>) {
      const [row] = await db.insert(actors).values({ id: newId(), ...values }).onConflictDoNothing().returning();
      return row;
    },
    async listActors(projectId: string) {
      return db.select().from(actors).where(eq(actors.projectId, projectId)).orderBy(asc(actors.id));
    },
    async findActor(projectId: string, id: string) {
      const [row] = await db.select().from(actors).where(and(eq(actors.projectId, projectId), eq(actors.id, id))).limit(1);
      return row;
    },
  };
}
