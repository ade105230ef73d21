import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, numeric, pgTable, primaryKey, text, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, ts, updatedAt } from './columns.ts';
import { accessRequestStatus, projectRole, projectVisibility } from './enums.ts';
import { organizations, users } from './tenancy.ts';

export const projects = pgTable(
  'projects',
  {
    id: id().primaryKey(),
    organizationId: id('organization_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 200 }).notNull(),
    description: text('description'),
    visibility: projectVisibility('visibility').notNull().default('private'),
    /** Code agent the daemon should use for this project's missions (e.g. claude-code). */
    defaultAgent: varchar('default_agent', { length: 64 }),
    maxConcurrentMissions: integer('max_concurrent_missions').notNull().default(3),
    /** What agents may do on this project's missions: edits (default), readonly or full (see shared agent-policy). */
    agentPermissionPolicy: varchar('agent_permission_policy', { length: 16 }).notNull().default('edits'),
    /** Agent spend per calendar month (UTC) after which new dispatches wait; null = no budget. */
    monthlyBudgetUsd: numeric('monthly_budget_usd', { precision: 12, scale: 2, mode: 'number' }),
    /** Long-lived notes every agent prompt of this project includes. */
    memory: text('memory'),
    settings: jsonb('settings').notNull().default(sql`'{}'::jsonb`),
    /** Callers without credentials may read it as a signed-in outsider would (#18); only while public. */
    anonymousRead: boolean('anonymous_read').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('projects_org_name_key').on(t.organizationId, t.name),
    // Anonymous reading is a kind of public: a private project can never be read without credentials.
    check('projects_anonymous_read_public', sql`NOT ${t.anonymousRead} OR ${t.visibility} = 'public'`),
  ],
);

export const projectMembers = pgTable(
  'project_members',
  {
    id: id().primaryKey(),
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    userId: id('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    role: projectRole('role').notNull(),
    /**
     * An outside collaborator: a role on this one project for someone outside its organization,
     * given only by approving their access request. Any other row counts only for a member of the
     * organization (a row without the flag for a non-member is stale and grants nothing).
     */
    outside: boolean('outside').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('project_members_project_user_key').on(t.projectId, t.userId),
    index('project_members_user_idx').on(t.userId),
  ],
);

export const projectStars = pgTable(
  'project_stars',
  {
    userId: id('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.projectId] }), index('project_stars_project_idx').on(t.projectId)],
);

export const accessRequests = pgTable(
  'access_requests',
  {
    id: id().primaryKey(),
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    userId: id('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    /** Anonymized 30 days after the decision. */
    message: text('message'),
    /** The role asked for (an approver may grant a lower one; the granted role is stored on approval). */
    role: projectRole('role').notNull().default('member'),
    status: accessRequestStatus('status').notNull().default('pending'),
    decidedBy: id('decided_by').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: ts('decided_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('access_requests_project_status_idx').on(t.projectId, t.status),
    // One open request per person and project: asking twice is answered with the first.
    uniqueIndex('access_requests_pending_key').on(t.projectId, t.userId).where(sql`${t.status} = 'pending'`),
  ],
);

export const projectActivity = pgTable(
  'project_activity',
  {
    id: id().primaryKey(),
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    userId: id('user_id').references(() => users.id, { onDelete: 'set null' }),
    kind: varchar('kind', { length: 64 }).notNull(),
    data: jsonb('data').notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [index('project_activity_project_created_idx').on(t.projectId, t.createdAt.desc())],
);
