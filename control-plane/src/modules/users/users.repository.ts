import { newId } from '@solo-unicorn/shared';
import { and, desc, eq } from 'drizzle-orm';
import { apiKeys, users } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

export type UserRow = typeof users.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;

export function createUsersRepository(db: Executor) {
  return {
    async insertUser(values: { email: string; name?: string | null; isInstanceAdmin?: boolean }): Promise<UserRow | undefined> {
      const [row] = await db
        .insert(users)
        .values({ id: newId(), ...values })
        .onConflictDoNothing({ target: users.email })
        .returning();
      return row;
    },
    async findById(id: string) {
      const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
      return row;
    },
    async findInstanceAdmin() {
      const [row] = await db.select().from(users).where(eq(users.isInstanceAdmin, true)).orderBy(users.id).limit(1);
      return row;
    },
    async insertApiKey(values: { userId: string; name?: string | null; keyHash: string; keyPrefix: string }) {
      const [row] = await db.insert(apiKeys).values({ id: newId(), ...values }).onConflictDoNothing().returning();
      return row;
    },
    async findApiKey(id: string) {
      const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
      return row;
    },
    async listApiKeys(userId: string) {
      return db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.createdAt));
    },
    async revokeApiKey(id: string, at: Date) {
      await db.update(apiKeys).set({ revokedAt: at }).where(and(eq(apiKeys.id, id)));
    },
  };
}
