import { sql } from 'drizzle-orm';
import { bigint, jsonb, pgTable, primaryKey, varchar } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/**
 * Realtime channels other than a mission's own events (which use mission_events.seq): each has a
 * counter row, bumped under its row lock, so seq per channel is gap-free and commits in order.
 * Rows are appended by su_realtime_append() (custom migration), which also NOTIFYs listeners.
 */
export const realtimeChannels = pgTable('realtime_channels', {
  channel: varchar('channel', { length: 100 }).primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
});

export const realtimeLog = pgTable(
  'realtime_log',
  {
    channel: varchar('channel', { length: 100 }).notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    type: varchar('type', { length: 64 }).notNull(),
    data: jsonb('data').notNull().default(sql`'{}'::jsonb`),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.seq] })],
);
