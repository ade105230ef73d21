import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, text, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, ts, updatedAt } from './columns.ts';
import { pullRequestState } from './enums.ts';
import { missions } from './missions.ts';
import { projects } from './projects.ts';
import { projectRepositories } from './repositories.ts';
import { organizations, users } from './tenancy.ts';

export const githubPullRequests = pgTable(
  'github_pull_requests',
  {
    id: id().primaryKey(),
    missionId: id('mission_id').notNull().references(() => missions.id, { onDelete: 'cascade' }),
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    repositoryId: id('repository_id').notNull().references(() => projectRepositories.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    url: text('url'),
    title: varchar('title', { length: 500 }),
    state: pullRequestState('state').notNull().default('open'),
    headBranch: varchar('head_branch', { length: 255 }).notNull(),
    baseBranch: varchar('base_branch', { length: 255 }).notNull(),
    reviewState: varchar('review_state', { length: 32 }),
    /** ETags of the last poll, by resource (`pull`, `reviews`, `reviewComments`, `issueComments`), for conditional requests. */
    etags: jsonb('etags').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    /** The mission branch commit the PR was last opened or updated for. */
    headCommit: varchar('head_commit', { length: 64 }),
    feedbackCycles: integer('feedback_cycles').notNull().default(0),
    mergedAt: ts('merged_at'),
    closedAt: ts('closed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('github_pull_requests_repo_number_key').on(t.repositoryId, t.number),
    index('github_pull_requests_mission_idx').on(t.missionId),
  ],
);

export const githubPrComments = pgTable(
  'github_pr_comments',
  {
    id: id().primaryKey(),
    pullRequestId: id('pull_request_id').notNull().references(() => githubPullRequests.id, { onDelete: 'cascade' }),
    githubCommentId: bigint('github_comment_id', { mode: 'number' }).notNull(),
    kind: varchar('kind', { length: 32 }).notNull(),
    authorLogin: varchar('author_login', { length: 100 }),
    authorAssociation: varchar('author_association', { length: 32 }),
    body: text('body'),
    path: text('path'),
    requestsChanges: boolean('requests_changes').notNull().default(false),
    processedAt: ts('processed_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('github_pr_comments_pr_comment_key').on(t.pullRequestId, t.kind, t.githubCommentId)],
);

/**
 * A GitHub connection, for one project or for a whole organization (a project's own wins). The
 * token and webhook secret are needed in clear to call GitHub and check signatures, so they are
 * encrypted (AES-256-GCM, see lib/secret-box.ts), never hashed; only a hint of the token is shown.
 */
export const githubIntegrations = pgTable(
  'github_integrations',
  {
    id: id().primaryKey(),
    organizationId: id('organization_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    projectId: id('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    tokenCiphertext: text('token_ciphertext').notNull(),
    tokenHint: varchar('token_hint', { length: 16 }).notNull(),
    webhookSecretCiphertext: text('webhook_secret_ciphertext'),
    /** REST API root: https://api.github.com, or GitHub Enterprise's https://host/api/v3. */
    apiBaseUrl: varchar('api_base_url', { length: 500 }).notNull(),
    /** Change requests from PR comments a mission takes before a person is asked instead. */
    maxFeedbackCycles: integer('max_feedback_cycles').notNull().default(3),
    updatedBy: id('updated_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('github_integrations_project_key').on(t.projectId).where(sql`${t.projectId} IS NOT NULL`),
    uniqueIndex('github_integrations_org_key').on(t.organizationId).where(sql`${t.projectId} IS NULL`),
    check('github_integrations_cycles_check', sql`${t.maxFeedbackCycles} BETWEEN 0 AND 50`),
  ],
);

/**
 * Work for GitHub that must not be lost and must not run inside a database transaction: written
 * in the transaction that finishes an attempt, then done by the pull-request worker (claimed with
 * SKIP LOCKED, retried with backoff, deleted when done). One pending job per mission.
 */
export const githubPrJobs = pgTable(
  'github_pr_jobs',
  {
    missionId: id('mission_id').primaryKey().references(() => missions.id, { onDelete: 'cascade' }),
    attemptId: id('attempt_id'),
    headCommit: varchar('head_commit', { length: 64 }),
    tries: integer('tries').notNull().default(0),
    lastError: text('last_error'),
    runAfter: ts('run_after').notNull().defaultNow(),
    lockedUntil: ts('locked_until'),
    createdAt: createdAt(),
  },
  (t) => [index('github_pr_jobs_run_after_idx').on(t.runAfter)],
);
