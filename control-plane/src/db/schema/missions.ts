import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn, boolean, check, index, integer, jsonb, numeric, pgTable, primaryKey, text, uniqueIndex, varchar,
} from 'drizzle-orm/pg-core';
import { createdAt, id, ts, updatedAt } from './columns.ts';
import { agentSessionStatus, eventOrigin, missionList, missionOrigin, prMode, reviewStatus } from './enums.ts';
import { missionFallbackItems } from './fallback.ts';
import { actors, flows } from './flows.ts';
import { projects } from './projects.ts';
import { projectRepositories } from './repositories.ts';
import { users } from './tenancy.ts';
import { workstations } from './workstations.ts';

export const missions = pgTable(
  'missions',
  {
    id: id().primaryKey(),
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    title: varchar('title', { length: 500 }).notNull(),
    description: text('description'),
    clarification: text('clarification'),
    priority: integer('priority').notNull().default(3),
    list: missionList('list').notNull().default('todo'),
    // The design says DECIMAL(10,5), which tops out below 100,000 (≈100 appended missions a column).
    // numeric(20,10) keeps the same decimal semantics with room for real boards and many bisections.
    listOrder: numeric('list_order', { precision: 20, scale: 10, mode: 'number' }).notNull().default(1000),
    flowId: id('flow_id').references(() => flows.id, { onDelete: 'set null' }),
    stage: varchar('stage', { length: 64 }).notNull().default('clarify'),
    requiresReview: boolean('requires_review').notNull().default(false),
    actorId: id('actor_id').references(() => actors.id, { onDelete: 'set null' }),
    repositoryId: id('repository_id').references(() => projectRepositories.id, { onDelete: 'set null' }),
    /** Handed to this workstation by a person: only it runs the mission. Null = any workstation mapped to the project. */
    workstationId: id('workstation_id').references(() => workstations.id, { onDelete: 'set null' }),
    targetBranch: varchar('target_branch', { length: 120 }).notNull().default('main'),
    prMode: prMode('pr_mode').notNull().default('auto'),
    /** Overrides the project's agent permission policy for this mission; null = the project's. */
    agentPermissionPolicy: varchar('agent_permission_policy', { length: 16 }),
    prBranchName: varchar('pr_branch_name', { length: 255 }),
    githubPrNumber: integer('github_pr_number'),
    ready: boolean('ready').notNull().default(false),
    origin: missionOrigin('origin').notNull().default('manual'),
    fallbackItemId: id('fallback_item_id').references((): AnyPgColumn => missionFallbackItems.id, { onDelete: 'set null' }),
    agentSessionStatus: agentSessionStatus('agent_session_status').notNull().default('inactive'),
    solutionPath: text('solution_path'),
    tasksPath: text('tasks_path'),
    reviewStatus: reviewStatus('review_status'),
    reviewFeedback: text('review_feedback'),
    reviewedBy: varchar('reviewed_by', { length: 64 }),
    /** Dependencies of this mission that are not yet Done; 0 means nothing blocks it. */
    dependencyCount: integer('dependency_count').notNull().default(0),
    /** Highest mission_events.seq handed out; bumped under the row lock so seq is gap-free. */
    lastEventSeq: integer('last_event_seq').notNull().default(0),
    createdBy: id('created_by').references(() => users.id, { onDelete: 'set null' }),
    lastEventAt: ts('last_event_at'),
    completedAt: ts('completed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('idx_missions_project_list_ready').on(t.projectId, t.list, t.ready),
    // The backlog check (todo ∧ ready ∧ has a repository, per project) is an index-only count on
    // this partial index. A mission without a repository can never run, so it is no backlog: counting
    // it would hold Mission Fallback back forever (issue #15).
    index('idx_missions_backlog').on(t.projectId).where(sql`${t.list} = 'todo' AND ${t.ready} AND ${t.repositoryId} IS NOT NULL`),
    index('idx_missions_board_order').on(t.projectId, t.list, t.listOrder, t.id),
    uniqueIndex('missions_fallback_item_key').on(t.fallbackItemId),
    check('missions_priority_range', sql`${t.priority} BETWEEN 1 AND 5`),
    check('missions_dependency_count_nonnegative', sql`${t.dependencyCount} >= 0`),
  ],
);

export const missionDependencies = pgTable(
  'mission_dependencies',
  {
    missionId: id('mission_id').notNull().references(() => missions.id, { onDelete: 'cascade' }),
    dependsOnMissionId: id('depends_on_mission_id').notNull().references(() => missions.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.missionId, t.dependsOnMissionId] }),
    index('mission_dependencies_blocker_idx').on(t.dependsOnMissionId),
    check('mission_dependencies_not_self', sql`${t.missionId} <> ${t.dependsOnMissionId}`),
  ],
);

export const missionEvents = pgTable(
  'mission_events',
  {
    id: id().primaryKey(),
    missionId: id('mission_id').notNull().references(() => missions.id, { onDelete: 'cascade' }),
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    origin: eventOrigin('origin').notNull().default('system'),
    kind: varchar('kind', { length: 64 }).notNull(),
    data: jsonb('data').notNull().default(sql`'{}'::jsonb`),
    userId: id('user_id').references(() => users.id, { onDelete: 'set null' }),
    /** Agent events carry their attempt and per-attempt seq: (attempt_id, attempt_seq) makes resends idempotent. */
    attemptId: id('attempt_id'),
    attemptSeq: integer('attempt_seq'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('mission_events_mission_seq_key').on(t.missionId, t.seq),
    uniqueIndex('mission_events_attempt_seq_key').on(t.attemptId, t.attemptSeq),
    index('mission_events_project_created_idx').on(t.projectId, t.createdAt),
    // A Doing card's progress line is its attempt's newest agent.progress event: found at once,
    // not by walking back through thousands of other events of a long run.
    index('mission_events_attempt_progress_idx').on(t.attemptId, t.attemptSeq).where(sql`${t.kind} = 'agent.progress'`),
  ],
);
