import { sql } from 'drizzle-orm';
import { idempotencyWindowMs } from '../../plugins/idempotency.ts';
import { rowsOf } from '../../db/rows.ts';
import type { RetentionJob } from '../retention/retention-jobs.ts';

/** Idempotency keys past their 24 hours: a lookup ignores them already; this keeps the table small. */
export const idempotencyKeysJob: RetentionJob = {
  name: 'idempotency_keys',
  lockKey: 7_878_106,
  async batch(tx, now, limit) {
    const cutoff = new Date(now.getTime() - idempotencyWindowMs);
    const removed = rowsOf(await tx.execute(sql`
      DELETE FROM idempotency_keys WHERE (user_id, key) IN (
        SELECT user_id, key FROM idempotency_keys WHERE created_at < ${cutoff} ORDER BY created_at LIMIT ${limit})
      RETURNING key`));
    return { count: removed.length };
  },
};
