import { sql } from 'drizzle-orm';
import { boolean, date, index, jsonb, pgTable, smallint, text, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
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
    /** Set when the notification arrived in the recipient's quiet hours: the end of that quiet period. */
    heldUntil: ts('held_until'),
    /** Set by the recipient: hidden from the inbox until then. */
    snoozedUntil: ts('snoozed_until'),
    /**
     * When the notification enters the inbox and the unread count: '-infinity' (at once) unless
     * held or snoozed, then the later of held_until and snoozed_until. One column, so the count is
     * one index range, compared with the database's now() by the list and the count alike.
     */
    visibleAt: ts('visible_at').notNull().default(sql`'-infinity'`),
    createdAt: createdAt(),
  },
  (t) => [
    index('idx_notifications_unread').on(t.userId, t.createdAt.desc()).where(sql`${t.readAt} IS NULL`),
    index('notifications_user_created_idx').on(t.userId, t.createdAt.desc()),
    // The notification_counts view's unread figure: an index-only range per user and segment.
    index('notifications_alerting_idx').on(t.userId, t.segment, t.visibleAt).where(sql`${t.readAt} IS NULL AND ${t.archivedAt} IS NULL`),
  ],
);

/** One row per person who changed a default: time zone, quiet hours, the weekly digest. */
export const notificationSettings = pgTable('notification_settings', {
  userId: id('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  /** IANA name, e.g. 'Europe/Paris'; quiet hours and digest weeks are read in it. */
  timeZone: varchar('time_zone', { length: 64 }).notNull().default('UTC'),
  /** Minutes after local midnight; both null means no quiet hours. End before start spans midnight. */
  quietStartMinute: smallint('quiet_start_minute'),
  quietEndMinute: smallint('quiet_end_minute'),
  weeklyDigest: boolean('weekly_digest').notNull().default(true),
  updatedAt: updatedAt(),
});

/** A week of someone's notifications, assembled once by the digest job; ready to be mailed as is. */
export const notificationDigests = pgTable(
  'notification_digests',
  {
    id: id().primaryKey(),
    userId: id('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    /** The Monday (in the user's time zone) the week starts on. */
    weekStart: date('week_start', { mode: 'string' }).notNull(),
    periodStart: ts('period_start').notNull(),
    periodEnd: ts('period_end').notNull(),
    subject: varchar('subject', { length: 200 }).notNull(),
    text: text('text').notNull(),
    summary: jsonb('summary').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('notification_digests_user_week').on(t.userId, t.weekStart.desc())],
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
