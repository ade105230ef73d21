import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn, bigint, boolean, date, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, varchar,
} from 'drizzle-orm/pg-core';
import { createdAt, id, ts, updatedAt } from './columns.ts';
import { fallbackItemStatus, fallbackRunStatus, fallbackStatus, fallbackTrigger } from './enums.ts';
import { actors, flows } from './flows.ts';
import { missions } from './missions.ts';
import { projects } from './projects.ts';
import { projectRepositories } from './repositories.ts';

export const missionFallbackConfigs = pgTable(
  'mission_fallback_configs',
  {
    id: id().primaryKey(),
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    backlogThreshold: integer('backlog_threshold').notNull().default(5),
    checkCadenceMinutes: integer('check_cadence_minutes').notNull().default(15),
    autoAccept: boolean('auto_accept').notNull().default(false),
    monthlyTargetHours: integer('monthly_target_hours').notNull().default(120),
    weeklyMissionCap: integer('weekly_mission_cap').notNull().default(20),
    status: fallbackStatus('status').notNull().default('active'),
    snoozedUntil: ts('snoozed_until'),
    lastRunAt: ts('last_run_at'),
    lastCheckedAt: ts('last_checked_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('mission_fallback_configs_project_key').on(t.projectId)],
);

export const missionFallbackTemplates = pgTable(
  'mission_fallback_templates',
  {
    id: id().primaryKey(),
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 255 }).notNull(),
    description: text('description'),
    flowId: id('flow_id').notNull().references(() => flows.id, { onDelete: 'restrict' }),
    actorId: id('actor_id').notNull().references(() => actors.id, { onDelete: 'restrict' }),
    repositoryId: id('repository_id').notNull().references(() => projectRepositories.id, { onDelete: 'restrict' }),
    priority: integer('priority').notNull().default(3),
    estimatedEffortMinutes: integer('estimated_effort_minutes').notNull(),
    acceptanceCriteria: text('acceptance_criteria'),
    enabled: boolean('enabled').notNull().default(true),
    tags: jsonb('tags').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    lastUsedAt: ts('last_used_at'),
    /** Rotation: a template's share of proposals grows with its weight (1–10). */
    weight: integer('weight').notNull().default(1),
    /** At least this long between two proposals of the template (its cadence). */
    minWaitMinutes: integer('min_wait_minutes').notNull().default(0),
    /** After a discarded proposal, this long before the template is proposed again. */
    cooldownMinutes: integer('cooldown_minutes').notNull().default(0),
    lastProposedAt: ts('last_proposed_at'),
    lastDiscardedAt: ts('last_discarded_at'),
    /** Templates are soft-deleted: items and reports keep pointing at them for audit. */
    deletedAt: ts('deleted_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('mission_fallback_templates_project_idx').on(t.projectId, t.enabled)],
);

// The covering run-listing index `(project_id, started_at DESC) INCLUDE (status)` is a custom SQL
// migration: drizzle-kit cannot express INCLUDE.
export const missionFallbackRuns = pgTable('mission_fallback_runs', {
  id: id().primaryKey(),
  projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
  triggeredBy: fallbackTrigger('triggered_by').notNull(),
  backlogCountBefore: integer('backlog_count_before'),
  backlogThreshold: integer('backlog_threshold'),
  generatedCount: integer('generated_count').notNull().default(0),
  acceptedCount: integer('accepted_count').notNull().default(0),
  discardedCount: integer('discarded_count').notNull().default(0),
  status: fallbackRunStatus('status').notNull().default('awaiting_review'),
  error: text('error'),
  reportPath: text('report_path'),
  startedAt: ts('started_at').notNull().defaultNow(),
  completedAt: ts('completed_at'),
});

export const missionFallbackItems = pgTable(
  'mission_fallback_items',
  {
    id: id().primaryKey(),
    missionFallbackRunId: id('mission_fallback_run_id').notNull().references(() => missionFallbackRuns.id, { onDelete: 'cascade' }),
    templateId: id('template_id').notNull().references(() => missionFallbackTemplates.id, { onDelete: 'cascade' }),
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    title: varchar('title', { length: 500 }).notNull(),
    description: text('description'),
    flowId: id('flow_id').notNull().references(() => flows.id, { onDelete: 'restrict' }),
    actorId: id('actor_id').notNull().references(() => actors.id, { onDelete: 'restrict' }),
    repositoryId: id('repository_id').notNull().references(() => projectRepositories.id, { onDelete: 'restrict' }),
    priority: integer('priority'),
    estimatedEffortMinutes: integer('estimated_effort_minutes'),
    status: fallbackItemStatus('status').notNull().default('proposed'),
    missionId: id('mission_id').references((): AnyPgColumn => missions.id, { onDelete: 'set null' }),
    feedback: text('feedback'),
    decidedBy: varchar('decided_by', { length: 64 }),
    decidedAt: ts('decided_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('idx_mission_fallback_items_run_status').on(t.missionFallbackRunId, t.status),
    index('mission_fallback_items_project_status_idx').on(t.projectId, t.status),
  ],
);

/** One row per scheduler backlog check: the source of avg_backlog_size and threshold adherence. */
export const missionFallbackBacklogSamples = pgTable(
  'mission_fallback_backlog_samples',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    checkedAt: ts('checked_at').notNull(),
    backlogCount: integer('backlog_count').notNull(),
    backlogThreshold: integer('backlog_threshold').notNull(),
  },
  (t) => [index('mission_fallback_backlog_samples_project_idx').on(t.projectId, t.checkedAt)],
);

/**
 * Daily aggregates of data the retention job purges (runs, items, samples older than 180 days),
 * so mv_project_metrics_daily keeps its history after the rows are gone.
 */
export const missionFallbackMetricsArchive = pgTable(
  'mission_fallback_metrics_archive',
  {
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    generated: integer('generated').notNull().default(0),
    accepted: integer('accepted').notNull().default(0),
    discarded: integer('discarded').notNull().default(0),
    backlogSamples: integer('backlog_samples').notNull().default(0),
    backlogSum: bigint('backlog_sum', { mode: 'number' }).notNull().default(0),
    belowThresholdSamples: integer('below_threshold_samples').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.day] })],
);
