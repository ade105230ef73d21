import { boolean, index, pgTable, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, ts, updatedAt } from './columns.ts';
import { orgRole } from './enums.ts';

export const organizations = pgTable('organizations', {
  id: id().primaryKey(),
  name: varchar('name', { length: 200 }).notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const users = pgTable(
  'users',
  {
    id: id().primaryKey(),
    email: varchar('email', { length: 320 }).notNull(),
    name: varchar('name', { length: 200 }),
    isInstanceAdmin: boolean('is_instance_admin').notNull().default(false),
    /** Set when the user is deleted: their identity is replaced by this token elsewhere. */
    pseudonym: varchar('pseudonym', { length: 64 }),
    deletedAt: ts('deleted_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_email_key').on(t.email)],
);

export const organizationMemberships = pgTable(
  'organization_memberships',
  {
    id: id().primaryKey(),
    organizationId: id('organization_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    userId: id('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    role: orgRole('role').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('organization_memberships_org_user_key').on(t.organizationId, t.userId),
    index('organization_memberships_user_idx').on(t.userId),
  ],
);

/** API keys are stored as SHA-256 hashes: they are long random secrets, so a slow KDF buys nothing. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: id().primaryKey(),
    userId: id('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 200 }),
    keyHash: varchar('key_hash', { length: 64 }).notNull(),
    keyPrefix: varchar('key_prefix', { length: 16 }).notNull(),
    lastUsedAt: ts('last_used_at'),
    revokedAt: ts('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('api_keys_key_hash_key').on(t.keyHash), index('api_keys_user_idx').on(t.userId)],
);
