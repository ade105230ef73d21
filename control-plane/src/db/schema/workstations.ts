import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, ts, updatedAt } from './columns.ts';
import { workstationVisibility, worktreeStatus } from './enums.ts';
import { projects } from './projects.ts';
import { projectRepositories } from './repositories.ts';
import { organizations, users } from './tenancy.ts';

export const workstations = pgTable(
  'workstations',
  {
    id: id().primaryKey(),
    organizationId: id('organization_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 200 }).notNull(),
    /** SHA-256 of the workstation token (shown once at registration). */
    tokenHash: varchar('token_hash', { length: 64 }).notNull(),
    tokenPrefix: varchar('token_prefix', { length: 16 }).notNull(),
    maxConcurrentMissions: integer('max_concurrent_missions').notNull().default(2),
    daemonVersion: varchar('daemon_version', { length: 64 }),
    agents: jsonb('agents').notNull().default(sql`'[]'::jsonb`),
    lastSeenAt: ts('last_seen_at'),
    revokedAt: ts('revoked_at'),
    /** Paused by a person: no new missions are dispatched to it (running ones finish). Null = not paused. */
    pausedAt: ts('paused_at'),
    pausedReason: text('paused_reason'),
    /** What other members of the organization see of it (its creator and organization admins see everything). */
    visibility: workstationVisibility('visibility').notNull().default('full'),
    createdBy: id('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('workstations_token_hash_key').on(t.tokenHash), index('workstations_org_idx').on(t.organizationId)],
);

export const workstationSessions = pgTable(
  'workstation_sessions',
  {
    id: id().primaryKey(),
    workstationId: id('workstation_id').notNull().references(() => workstations.id, { onDelete: 'cascade' }),
    daemonVersion: varchar('daemon_version', { length: 64 }),
    agents: jsonb('agents').notNull().default(sql`'[]'::jsonb`),
    remoteAddress: varchar('remote_address', { length: 100 }),
    connectedAt: ts('connected_at').notNull().defaultNow(),
    lastHeartbeatAt: ts('last_heartbeat_at'),
    disconnectedAt: ts('disconnected_at'),
    disconnectReason: text('disconnect_reason'),
  },
  (t) => [index('workstation_sessions_workstation_idx').on(t.workstationId, t.connectedAt.desc())],
);

export const projectWorkstations = pgTable(
  'project_workstations',
  {
    projectId: id('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    workstationId: id('workstation_id').notNull().references(() => workstations.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.workstationId] }), index('project_workstations_ws_idx').on(t.workstationId)],
);

export const workstationRepositories = pgTable(
  'workstation_repositories',
  {
    id: id().primaryKey(),
    workstationId: id('workstation_id').notNull().references(() => workstations.id, { onDelete: 'cascade' }),
    repositoryId: id('repository_id').notNull().references(() => projectRepositories.id, { onDelete: 'cascade' }),
    localPath: text('local_path').notNull(),
    lastFetchedAt: ts('last_fetched_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('workstation_repositories_ws_repo_key').on(t.workstationId, t.repositoryId)],
);

export const workstationWorktrees = pgTable(
  'workstation_worktrees',
  {
    id: id().primaryKey(),
    workstationId: id('workstation_id').notNull().references(() => workstations.id, { onDelete: 'cascade' }),
    repositoryId: id('repository_id').notNull().references(() => projectRepositories.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    branch: varchar('branch', { length: 255 }),
    status: worktreeStatus('status').notNull().default('free'),
    missionId: id('mission_id'),
    attemptId: id('attempt_id'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    lastUsedAt: ts('last_used_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('workstation_worktrees_ws_path_key').on(t.workstationId, t.path)],
);
