import { pgTable, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns.ts';
import { projects } from './projects.ts';

export const projectRepositories = pgTable(
  'project_repositories',
  {
    id: id().primaryKey(),
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    url: varchar('url', { length: 2000 }).notNull(),
    defaultBranch: varchar('default_branch', { length: 255 }).notNull().default('main'),
    provider: varchar('provider', { length: 16 }).notNull().default('git'),
    githubOwner: varchar('github_owner', { length: 100 }),
    githubName: varchar('github_name', { length: 100 }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('project_repositories_project_url_key').on(t.projectId, t.url)],
);
