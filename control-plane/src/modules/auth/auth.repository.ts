import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { apiKeys, realtimeTickets, users, workstations } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';
import { dbNow, dbNowPlus } from '../../db/db-clock.ts';

/** How often a key's last use is written at most. */
export const API_KEY_TOUCH_MS = 60_000;

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

    /** The key's user while the key is active and the user not deleted (re-checked on access changes). */
    async findActiveApiKeyById(id: string) {
      const [row] = await db
        .select({ id: apiKeys.id, userId: apiKeys.userId, isInstanceAdmin: users.isInstanceAdmin })
        .from(apiKeys)
        .innerJoin(users, eq(users.id, apiKeys.userId))
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt), isNull(users.deletedAt)))
        .limit(1);
      return row;
    },

    /**
     * Tickets expire on the database's clock (db-clock.ts): one instance issues, another redeems,
     * and a host clock running ahead must not refuse (or purge) tickets another instance issued.
     */
    async insertTicket(values: { ticketHash: string; apiKeyId: string; userId: string; ttlMs: number }) {
      const [row] = await db.insert(realtimeTickets)
        .values({ ticketHash: values.ticketHash, apiKeyId: values.apiKeyId, userId: values.userId, expiresAt: dbNowPlus(values.ttlMs) })
        .returning({ expiresAt: realtimeTickets.expiresAt });
      return row!.expiresAt;
    },

    /** Single use: the row is deleted by the one redemption that finds it (expired or not). */
    async takeTicket(ticketHash: string) {
      const [row] = await db.delete(realtimeTickets).where(eq(realtimeTickets.ticketHash, ticketHash))
        .returning({ apiKeyId: realtimeTickets.apiKeyId, userId: realtimeTickets.userId, expired: sql<boolean>`${realtimeTickets.expiresAt} <= now()` });
      return row;
    },

    async purgeExpiredTickets() {
      await db.delete(realtimeTickets).where(lt(realtimeTickets.expiresAt, dbNow()));
    },

    /** Marks a key used, at most once a minute, so reads do not each cost a write. */
    async touchApiKey(id: string, now: Date) {
      const aMinuteAgo = new Date(now.getTime() - API_KEY_TOUCH_MS);
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
