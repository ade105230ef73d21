import { bigint, index, integer, numeric, pgTable, primaryKey, text, varchar } from 'drizzle-orm/pg-core';
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
    /** The agent CLI's own session (Claude Code session_id, Codex thread_id), to resume it later. */
    agentSessionId: varchar('agent_session_id', { length: 128 }),
    /** The earlier attempt whose agent session this one resumed; null = started fresh. */
    resumedFromAttemptId: id('resumed_from_attempt_id'),
    /** Tool calls the agent's permission policy refused (agent.permission_denied events). */
    permissionDenials: integer('permission_denials').notNull().default(0),
    inputTokens: bigint('input_tokens', { mode: 'number' }).notNull().default(0),
    outputTokens: bigint('output_tokens', { mode: 'number' }).notNull().default(0),
    cacheReadTokens: bigint('cache_read_tokens', { mode: 'number' }).notNull().default(0),
    cacheWriteTokens: bigint('cache_write_tokens', { mode: 'number' }).notNull().default(0),
    /** What the agent reported it cost (Claude Code does; Codex does not): null = unknown. */
    costUsd: numeric('cost_usd', { precision: 14, scale: 6, mode: 'number' }),
    numTurns: integer('num_turns'),
    apiMs: integer('api_ms'),
    /** Status `limited`: the agent's usage limit resets at this time (when it said). */
    limitedUntil: ts('limited_until'),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('code_agent_sessions_mission_idx').on(t.missionId, t.createdAt),
    index('code_agent_sessions_workstation_status_idx').on(t.workstationId, t.status),
    // Spend per project and month: the budget check sums one project's attempts of the month.
    index('code_agent_sessions_project_created_idx').on(t.projectId, t.createdAt),
  ],
);

/** An agent on a workstation that hit its usage limit: dispatch skips it there until the reset. */
export const workstationAgentLimits = pgTable(
  'workstation_agent_limits',
  {
    workstationId: id('workstation_id').notNull().references(() => workstations.id, { onDelete: 'cascade' }),
    agentType: varchar('agent_type', { length: 64 }).notNull(),
    limitedUntil: ts('limited_until').notNull(),
    reason: text('reason'),
    attemptId: id('attempt_id'),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workstationId, t.agentType] })],
);
