import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgTable, primaryKey, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, ts } from './columns.ts';
import { apiKeys, users } from './tenancy.ts';

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

/**
 * Single-use tickets for opening the monitoring socket without a key in the URL (browsers cannot
 * set headers on a WebSocket). Only the SHA-256 of a ticket is stored; redeeming deletes the row,
 * so a ticket opens one socket, as the principal of the key that asked for it, until it expires.
 */
export const realtimeTickets = pgTable(
  'realtime_tickets',
  {
    ticketHash: varchar('ticket_hash', { length: 64 }).primaryKey(),
    apiKeyId: id('api_key_id').notNull().references(() => apiKeys.id, { onDelete: 'cascade' }),
    userId: id('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: ts('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('realtime_tickets_expires_idx').on(t.expiresAt)],
);
