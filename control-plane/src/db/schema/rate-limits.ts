import { integer, pgTable, primaryKey, varchar } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/**
 * Requests per caller per window (#18), shared by every control plane on the database: each
 * process adds what it counted since its last flush and reads the total back.
 */
export const rateLimitWindows = pgTable(
  'rate_limit_windows',
  {
    /** `user:<id>` or `ip:<address>`. */
    bucket: varchar('bucket', { length: 100 }).notNull(),
    windowStart: ts('window_start').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.windowStart] })],
);
