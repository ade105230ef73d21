import { z } from 'zod';
import { instantSchema } from '../domain/instant.ts';
import { idSchema } from '../ids.ts';
import { frameSchema } from './envelope.ts';
import { toolRequestFrame } from './mcp-frames.ts';

const seq = z.number().int().min(1).max(2_147_483_647);
const at = instantSchema;

export const agentInfoSchema = z.object({
  /** `claude-code`, `codex`, `custom` or a name from config.json `agents`. */
  type: z.string().min(1).max(64),
  version: z.string().max(64).nullable(),
  command: z.array(z.string().max(4096)).max(64).optional(),
  /** `unsupported`: found, but a version the daemon cannot drive (it is not offered work). */
  status: z.enum(['ok', 'unsupported']).optional(),
  /** Why the status is not ok, e.g. "version 1.0.3 < 2.0.0". */
  detail: z.string().max(500).optional(),
  /** The policy the workstation allows at most (`full` only when opted in). */
  maxPolicy: z.enum(['edits', 'readonly', 'full']).optional(),
});
export type AgentInfo = z.infer<typeof agentInfoSchema>;

/** An attempt the daemon still runs, or finished without an ack yet, and the last seq it holds. */
export const heldAttemptSchema = z.object({
  attemptId: idSchema,
  missionId: idSchema,
  leaseVersion: z.number().int().min(1),
  lastSeq: z.number().int().min(0),
  state: z.enum(['running', 'finished']),
});
export type HeldAttempt = z.infer<typeof heldAttemptSchema>;

export const sessionHelloFrame = frameSchema('session.hello', z.object({
  workstationId: idSchema,
  daemonVersion: z.string().min(1).max(64),
  agents: z.array(agentInfoSchema).max(32),
  maxConcurrentMissions: z.number().int().min(0).max(64),
  attempts: z.array(heldAttemptSchema).max(1000),
  /** The daemon refuses new work (draining after a first SIGTERM). */
  draining: z.boolean().default(false),
}));
export type SessionHelloFrame = z.infer<typeof sessionHelloFrame>;

/** Sent every `heartbeatIntervalMs` from session.welcome; ws ping/pong runs beside it. */
export const sessionHeartbeatFrame = frameSchema('session.heartbeat', z.object({
  at,
  runningAttempts: z.number().int().min(0),
  outboxDepth: z.number().int().min(0),
  draining: z.boolean().default(false),
}));
export type SessionHeartbeatFrame = z.infer<typeof sessionHeartbeatFrame>;

export const missionAcceptedFrame = frameSchema('mission.accepted', z.object({
  attemptId: idSchema,
  leaseVersion: z.number().int().min(1),
  agentType: z.string().max(64),
}));
export type MissionAcceptedFrame = z.infer<typeof missionAcceptedFrame>;

export const declineReasons = ['agent_not_installed', 'no_capacity', 'draining', 'repository_unavailable', 'unsupported'] as const;
export const missionDeclinedFrame = frameSchema('mission.declined', z.object({
  attemptId: idSchema,
  leaseVersion: z.number().int().min(1),
  reason: z.enum(declineReasons),
  message: z.string().max(2000).optional(),
}));
export type MissionDeclinedFrame = z.infer<typeof missionDeclinedFrame>;

/** One agent event. `seq` is per attempt, gap-free from 1, shared with mission.docs and mission.finished. */
export const missionEventFrame = frameSchema('mission.event', z.object({
  missionId: idSchema,
  attemptId: idSchema,
  leaseVersion: z.number().int().min(1),
  seq,
  /** e.g. stage.changed, agent.output, tool.call, git.commit, docs.changed, warning. */
  kind: z.string().min(1).max(64).regex(/^[a-z][a-z0-9_.-]*$/),
  at,
  data: z.record(z.string(), z.unknown()),
}));
export type MissionEventFrame = z.infer<typeof missionEventFrame>;

/** Mission doc paths, relative to `solo-unicorn-docs/missions/{missionId}/`: the one rule for both programs. */
export const missionDocPathPattern = /^(solution\.md|tasks\/[0-9]{1,4}\.md)$/;

export const missionDocsFrame = frameSchema('mission.docs', z.object({
  missionId: idSchema,
  attemptId: idSchema,
  leaseVersion: z.number().int().min(1),
  seq,
  at,
  /** `solution.md` or `tasks/{n}.md`, relative to the mission's docs folder. */
  path: z.string().regex(missionDocPathPattern),
  contentHash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  content: z.string().max(1024 * 1024),
}));
export type MissionDocsFrame = z.infer<typeof missionDocsFrame>;

/**
 * `limited`: the agent hit its usage limit (429, "usage limit reached … resets at …"). Not a
 * failure: no attempt is spent, the mission stays ready, and the agent on that workstation waits
 * until `limitedUntil` (when the agent said; else a default back-off the control plane applies).
 */
export const attemptOutcomes = ['succeeded', 'failed', 'cancelled', 'timed_out', 'limited'] as const;
export type AttemptOutcome = (typeof attemptOutcomes)[number];
/** The terminal report: persisted in the outbox before it is sent; the last seq of its attempt. */
export const missionFinishedFrame = frameSchema('mission.finished', z.object({
  missionId: idSchema,
  attemptId: idSchema,
  leaseVersion: z.number().int().min(1),
  seq,
  at,
  status: z.enum(attemptOutcomes),
  reason: z.string().max(4000).optional(),
  branch: z.string().max(255).optional(),
  headCommit: z.string().max(64).optional(),
  prNumber: z.number().int().min(1).optional(),
  /** Status `limited`: when the agent's usage limit resets, if it said. */
  limitedUntil: at.optional(),
}));
export type MissionFinishedFrame = z.infer<typeof missionFinishedFrame>;

/**
 * What the workstation holds on disk: its repository clones and its worktree pool. Sent after
 * welcome and whenever the pool changes; it replaces what the control plane knew (not sequenced:
 * only the latest matters).
 */
export const workstationInventoryFrame = frameSchema('workstation.inventory', z.object({
  repositories: z.array(z.object({ repositoryId: idSchema, localPath: z.string().max(4096) })).max(1000),
  worktrees: z.array(z.object({
    path: z.string().max(4096),
    repositoryId: idSchema,
    branch: z.string().max(255).nullable(),
    state: z.enum(['free', 'in_use', 'dirty']),
    missionId: idSchema.nullable(),
    attemptId: idSchema.nullable(),
    lastUsedAt: z.string().nullable(),
    /** Allocated bytes on disk when the daemon last measured it (null: not measured yet; absent: an older daemon). */
    // At most 1 PiB a worktree: 1,000 of them still sum inside PostgreSQL's bigint.
    sizeBytes: z.number().int().min(0).max(2 ** 50).nullable().optional(),
  })).max(1000),
}));
export type WorkstationInventoryFrame = z.infer<typeof workstationInventoryFrame>;

/** Frames that carry an attempt seq and live in the daemon's outbox until acked. */
export const sequencedFrame = z.discriminatedUnion('type', [missionEventFrame, missionDocsFrame, missionFinishedFrame]);
export type SequencedFrame = z.infer<typeof sequencedFrame>;

export const daemonToServerFrame = z.discriminatedUnion('type', [
  sessionHelloFrame, sessionHeartbeatFrame, missionAcceptedFrame, missionDeclinedFrame, missionEventFrame, missionDocsFrame, missionFinishedFrame,
  workstationInventoryFrame, toolRequestFrame,
]);
export type DaemonToServerFrame = z.infer<typeof daemonToServerFrame>;
