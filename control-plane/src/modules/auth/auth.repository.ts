import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { apiKeys, users, workstations } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

export function createAuthRepository(db: Executor) {
  return {
    async findActiveApiKey(keyHash: string) {
      const [row] = await db
        .select({ id: apiKeys.id, userId: apiKeys.userId, isInstanceAdmin: users.isInstanceAdmin, lastUsedAt: apiKeys.lastUsedAt })
        .from(apiKeys)
        .innerJoin(users, eq(users.id, apiKeys.userId))
        .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt), isNull(users.deletedAt)))
        .limit(1);
      return row;
    },

    /** Marks a key used, at most once a minute, so reads do not each cost a write. */
    async touchApiKey(id: string, now: Date) {
      const aMinuteAgo = new Date(now.getTime() - 60_000);
      await db
        .update(apiKeys)
        .set({ lastUsedAt: now })
        .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, aMinuteAgo))));
    },

    async findActiveWorkstationToken(tokenHash: string) {
      const [row] = await db
        .select({ id: workstations.id, organizationId: workstations.organizationId })
        .from(workstations)
        .where(and(eq(workstations.tokenHash, tokenHash), isNull(workstations.revokedAt)))
        .limit(1);
      return row;
    },
  };
}
