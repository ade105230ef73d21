import { index, integer, pgTable, primaryKey, text, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, ts } from './columns.ts';
import { users } from './tenancy.ts';

/**
 * `Idempotency-Key` (#18): a POST or PATCH answered once per (user, key) for 24 hours. The row is
 * taken before the handler runs (status null: still running), then holds the answer to replay.
 * `requestHash` is the method, route and body: the same key with another request is a 409.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: id('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    key: varchar('key', { length: 255 }).notNull(),
    requestHash: varchar('request_hash', { length: 64 }).notNull(),
    status: integer('status'),
    contentType: varchar('content_type', { length: 255 }),
    body: text('body'),
    completedAt: ts('completed_at'),
    createdAt: createdAt(),
  },
  // created_at: the hourly purge of keys past their 24 hours.
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);
