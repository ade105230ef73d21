import { index, integer, pgTable, text, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, ts, updatedAt } from './columns.ts';
import { attemptStatus } from './enums.ts';
import { missions } from './missions.ts';
import { projects } from './projects.ts';
import { workstations } from './workstations.ts';

/** One row per attempt: a mission handed to a workstation under a lease. */
export const codeAgentSessions = pgTable(
  'code_agent_sessions',
  {
    id: id().primaryKey(),
    missionId: id('mission_id').notNull().references(() => missions.id, { onDelete: 'cascade' }),
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    workstationId: id('workstation_id').references(() => workstations.id, { onDelete: 'set null' }),
    agentType: varchar('agent_type', { length: 64 }),
    stage: varchar('stage', { length: 64 }),
    status: attemptStatus('status').notNull().default('assigned'),
    /** Fencing token: frames carrying an older lease version are refused. */
    leaseVersion: integer('lease_version').notNull().default(1),
    leaseExpiresAt: ts('lease_expires_at'),
    attemptNumber: integer('attempt_number').notNull().default(1),
    branch: varchar('branch', { length: 255 }),
    /** The PR mode this attempt ran with: the mission's, with `auto` resolved at assignment. */
    prMode: varchar('pr_mode', { length: 16 }),
    headCommit: varchar('head_commit', { length: 64 }),
    reason: text('reason'),
    lastAckedSeq: integer('last_acked_seq').notNull().default(0),
    logPath: text('log_path'),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('code_agent_sessions_mission_idx').on(t.missionId, t.createdAt),
    index('code_agent_sessions_workstation_status_idx').on(t.workstationId, t.status),
  ],
);
