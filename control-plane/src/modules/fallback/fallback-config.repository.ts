import { newId } from '@solo-unicorn/shared';
import { eq } from 'drizzle-orm';
import { missionFallbackConfigs } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

export type FallbackConfigRow = typeof missionFallbackConfigs.$inferSelect;

export function createFallbackConfigRepository(db: Executor) {
  return {
    /** The project's config, created with the defaults on first use. */
    async ensure(projectId: string): Promise<FallbackConfigRow> {
      await db.insert(missionFallbackConfigs).values({ id: newId(), projectId }).onConflictDoNothing();
      const [row] = await db.select().from(missionFallbackConfigs).where(eq(missionFallbackConfigs.projectId, projectId)).limit(1);
      return row!;
    },
    async lock(projectId: string): Promise<FallbackConfigRow> {
      await db.insert(missionFallbackConfigs).values({ id: newId(), projectId }).onConflictDoNothing();
      const [row] = await db.select().from(missionFallbackConfigs).where(eq(missionFallbackConfigs.projectId, projectId)).for('update').limit(1);
      return row!;
    },
    async update(projectId: string, values: Partial<typeof missionFallbackConfigs.$inferInsert>) {
      const [row] = await db.update(missionFallbackConfigs).set(values).where(eq(missionFallbackConfigs.projectId, projectId)).returning();
      return row!;
    },
  };
}
