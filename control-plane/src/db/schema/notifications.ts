import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, ts, updatedAt } from './columns.ts';
import { auditActorType, notificationChannel } from './enums.ts';
import { missions } from './missions.ts';
import { projects } from './projects.ts';
import { organizations, users } from './tenancy.ts';

export const notifications = pgTable(
  'notifications',
  {
    id: id().primaryKey(),
    userId: id('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    organizationId: id('organization_id').references(() => organizations.id, { onDelete: 'cascade' }),
    projectId: id('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    missionId: id('mission_id').references(() => missions.id, { onDelete: 'set null' }),
    kind: varchar('kind', { length: 64 }).notNull(),
    /** Grouping for counts, e.g. 'mission', 'review', 'fallback'. */
    segment: varchar('segment', { length: 32 }).notNull().default('mission'),
    title: varchar('title', { length: 500 }).notNull(),
    body: text('body'),
    data: jsonb('data').notNull().default(sql`'{}'::jsonb`),
    readAt: ts('read_at'),
    archivedAt: ts('archived_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('idx_notifications_unread').on(t.userId, t.createdAt.desc()).where(sql`${t.readAt} IS NULL`),
    index('notifications_user_created_idx').on(t.userId, t.createdAt.desc()),
  ],
);

export const notificationPreferences = pgTable(
  'notification_preferences',
  {
    id: id().primaryKey(),
    organizationId: id('organization_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    userId: id('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    kind: varchar('kind', { length: 64 }).notNull(),
    channel: notificationChannel('channel').notNull().default('in_app'),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('notification_preferences_key').on(t.organizationId, t.userId, t.kind, t.channel)],
);

/** Write-once: a trigger (custom migration) refuses UPDATE, and DELETE of rows younger than 400 days. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: id().primaryKey(),
    organizationId: id('organization_id'),
    actorType: auditActorType('actor_type').notNull(),
    actorId: varchar('actor_id', { length: 64 }),
    action: varchar('action', { length: 100 }).notNull(),
    targetType: varchar('target_type', { length: 64 }),
    targetId: varchar('target_id', { length: 64 }),
    data: jsonb('data').notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [index('audit_events_org_created_idx').on(t.organizationId, t.createdAt.desc())],
);
