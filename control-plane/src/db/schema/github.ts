import { bigint, boolean, index, integer, pgTable, text, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, ts, updatedAt } from './columns.ts';
import { pullRequestState } from './enums.ts';
import { missions } from './missions.ts';
import { projects } from './projects.ts';
import { projectRepositories } from './repositories.ts';

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
    /** ETag of the last comments poll, for conditional requests. */
    commentsEtag: varchar('comments_etag', { length: 200 }),
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
