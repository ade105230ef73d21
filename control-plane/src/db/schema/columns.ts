import { timestamp, varchar } from 'drizzle-orm/pg-core';

/** Helpers shared by every table: ULID keys and timestamptz columns. */
export const id = (name = 'id') => varchar(name, { length: 26 });
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
export const createdAt = () => ts('created_at').notNull().defaultNow();
export const updatedAt = () => ts('updated_at').notNull().defaultNow();
