import { sql } from 'drizzle-orm';
import { jsonb, pgTable, text, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns.ts';
import { projects } from './projects.ts';

export interface FlowStageRow {
  name: string;
  requiresReview: boolean;
}

export const flows = pgTable(
  'flows',
  {
    id: id().primaryKey(),
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 200 }).notNull(),
    stages: jsonb('stages').$type<FlowStageRow[]>().notNull().default(sql`'[]'::jsonb`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('flows_project_name_key').on(t.projectId, t.name)],
);

export const actors = pgTable(
  'actors',
  {
    id: id().primaryKey(),
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 200 }).notNull(),
    description: text('description'),
    instructions: text('instructions'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('actors_project_name_key').on(t.projectId, t.name)],
);
