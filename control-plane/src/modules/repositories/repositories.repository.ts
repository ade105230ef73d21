import { newId } from '@solo-unicorn/shared';
import { and, asc, eq } from 'drizzle-orm';
import { projectRepositories } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

export type RepositoryRow = typeof projectRepositories.$inferSelect;

export function createRepositoriesRepository(db: Executor) {
  return {
    async insert(values: Omit<typeof projectRepositories.$inferInsert, 'id'>) {
      const [row] = await db.insert(projectRepositories).values({ id: newId(), ...values }).onConflictDoNothing().returning();
      return row;
    },
    async list(projectId: string) {
      return db.select().from(projectRepositories).where(eq(projectRepositories.projectId, projectId)).orderBy(asc(projectRepositories.id));
    },
    async findInProject(projectId: string, id: string) {
      const [row] = await db
        .select()
        .from(projectRepositories)
        .where(and(eq(projectRepositories.projectId, projectId), eq(projectRepositories.id, id)))
        .limit(1);
      return row;
    },
  };
}
