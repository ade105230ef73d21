import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { idempotencyKeys } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';
import { dbNow, dbNowMinus } from '../../db/db-clock.ts';

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

export function createIdempotencyRepository(db: Executor) {
  const where = (userId: string, key: string) => and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key));
  return {
    /**
     * Takes the key for this request (a row with no answer yet), or returns the row that holds it.
     * A row past its window is removed first: the key is free again after 24 hours. Stamp and
     * cut-offs are the database's clock (db-clock.ts): a request still running in another instance
     * is not taken for abandoned, and run twice, by an instance whose host clock runs ahead.
     */
    async claim(v: { userId: string; key: string; requestHash: string; windowMs: number; leaseMs: number }): Promise<{ kind: 'claimed' } | { kind: 'held'; row: IdempotencyRow }> {
      // Past its window, or never answered within the lease (its process died mid-request): free.
      await db.delete(idempotencyKeys).where(and(where(v.userId, v.key), or(
        lt(idempotencyKeys.createdAt, dbNowMinus(v.windowMs)), and(isNull(idempotencyKeys.status), lt(idempotencyKeys.createdAt, dbNowMinus(v.leaseMs))),
      )));
      const [inserted] = await db.insert(idempotencyKeys)
        .values({ userId: v.userId, key: v.key, requestHash: v.requestHash, createdAt: dbNow() })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      if (inserted) return { kind: 'claimed' };
      const [row] = await db.select().from(idempotencyKeys).where(where(v.userId, v.key)).limit(1);
      // Removed between the insert and the read (its holder failed): take it now.
      if (!row) return this.claim(v);
      return { kind: 'held', row };
    },
    async complete(userId: string, key: string, answer: { status: number; contentType: string | null; body: string | null }) {
      await db.update(idempotencyKeys)
        .set({ status: answer.status, contentType: answer.contentType, body: answer.body, completedAt: dbNow() })
        .where(where(userId, key));
    },
    /** The request failed (5xx) or never answered: forget the key so a retry runs. */
    async release(userId: string, key: string) {
      await db.delete(idempotencyKeys).where(and(where(userId, key), isNull(idempotencyKeys.status)));
    },
  };
}
