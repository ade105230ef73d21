import { z } from 'zod';
import { agentPermissionPolicySchema } from '../domain/agent-policy.ts';
import { idSchema } from '../ids.ts';
import { frameSchema } from './envelope.ts';
import { errorFrame } from './errors.ts';
import { toolResponseFrame } from './mcp-frames.ts';

export const sessionWelcomeFrame = frameSchema('session.welcome', z.object({
  sessionId: idSchema,
  workstationId: idSchema,
  heartbeatIntervalMs: z.number().int().min(100),
  /**
   * Per attempt this workstation holds (running here, or named in hello): the highest seq already
   * stored. The daemon resends everything after it. `fenced` attempts are no longer this
   * workstation's: the daemon drops what it holds for them.
   */
  attempts: z.array(z.object({
    attemptId: idSchema,
    lastStoredSeq: z.number().int().min(0),
    fenced: z.boolean(),
  })),
}));
export type SessionWelcomeFrame = z.infer<typeof sessionWelcomeFrame>;

export const missionAssignFrame = frameSchema('mission.assign', z.object({
  attemptId: idSchema,
  /** `run`: an agent works the mission. `merge`: merge the approved mission branch into its target (direct mode). */
  purpose: z.enum(['run', 'merge']).default('run'),
  leaseVersion: z.number().int().min(1),
  leaseExpiresAt: z.string().nullable(),
  agentType: z.string().max(64).nullable(),
  mission: z.object({
    id: idSchema,
    projectId: idSchema,
    title: z.string(),
    description: z.string().nullable(),
    stage: z.string().nullable(),
    prMode: z.string(),
    targetBranch: z.string(),
    clarification: z.string().nullable().default(null),
    requiresReview: z.boolean().default(false),
    /** The mission branch (stable across attempts): push here; a retry continues it. */
    branch: z.string().nullable().default(null),
    /** Feedback of the review that sent the mission back; the next prompt must include it. */
    reviewFeedback: z.string().nullable().default(null),
  }),
  repository: z.object({ id: idSchema, url: z.string(), defaultBranch: z.string() }).nullable(),
  flow: z.object({ id: idSchema, name: z.string(), stages: z.array(z.unknown()) }).nullable(),
  actor: z.object({ id: idSchema, name: z.string(), instructions: z.string().nullable() }).nullable(),
  /** What the agent may do (the project's policy, or the mission's override); the daemon caps `full` by its own config. */
  permissionPolicy: agentPermissionPolicySchema.default('edits'),
  /**
   * The agent session to continue: an earlier attempt of this mission on this workstation, with the
   * same agent, recorded its session id (Claude Code `session_id`, Codex `thread_id`). Null: start
   * fresh from the docs; `resumeNote` says why (first attempt, another workstation, …).
   */
  resume: z.object({
    agentSessionId: z.string().min(1).max(128), fromAttemptId: idSchema, reason: z.string().max(500),
    /**
     * Set when the attempt that ran the session did not succeed and pushed nothing: how it ended
     * (failed, cancelled, lost, limited, …). What it left uncommitted is gone (the worktree is
     * reset before the next attempt) though the session may remember editing it: the daemon tells
     * the agent. Absent after a success, or a failure after the push (a merge conflict).
     */
    // One word (an attempt status, e.g. timed_out): it goes into the agent's prompt, and a status
    // added later must not make older daemons refuse the whole assignment.
    earlierOutcome: z.string().regex(/^[a-z_]{1,40}$/).nullable().optional(),
    /**
     * What the session's earlier runs used, as recorded here: the CLIs report running totals for a
     * resumed session (Claude Code's cost, Codex's tokens), so a daemon that restarted since still
     * reports only this run's share.
     */
    usageSoFar: z.object({
      inputTokens: z.number().min(0), outputTokens: z.number().min(0), cacheReadTokens: z.number().min(0),
      cacheWriteTokens: z.number().min(0), costUsd: z.number().min(0).nullable(),
    }).nullable().optional(),
  }).nullable().default(null),
  resumeNote: z.string().max(500).nullable().default(null),
  /**
   * The last merge of the mission branch into its target conflicted: this attempt first merges the
   * target into the mission branch (committed at once when clean) and the agent resolves what
   * conflicts; `reason` is that merge's failure as reported.
   */
  resolveConflict: z.object({ reason: z.string().max(4000) }).nullable().default(null),
  /** false: the project keeps mission docs in the control plane only; the daemon leaves them out of its commits. */
  docsInRepository: z.boolean().default(true),
  /** Project memory: notes every agent prompt of the project includes (the daemon builds the prompt). */
  prompt: z.string().max(1024 * 1024),
  docs: z.array(z.object({ path: z.string(), contentHash: z.string(), content: z.string() })),
}));
export type MissionAssignFrame = z.infer<typeof missionAssignFrame>;

export const missionCancelFrame = frameSchema('mission.cancel', z.object({
  attemptId: idSchema,
  reason: z.string().max(2000),
}));
export type MissionCancelFrame = z.infer<typeof missionCancelFrame>;

/** Per attempt, the highest seq durably committed; the daemon may drop up to it from its outbox. */
export const eventAckFrame = frameSchema('event.ack', z.object({
  acks: z.array(z.object({ attemptId: idSchema, seq: z.number().int().min(0) })).min(1),
}));
export type EventAckFrame = z.infer<typeof eventAckFrame>;

export const serverToDaemonFrame = z.discriminatedUnion('type', [
  sessionWelcomeFrame, missionAssignFrame, missionCancelFrame, eventAckFrame, errorFrame, toolResponseFrame,
]);
export type ServerToDaemonFrame = z.infer<typeof serverToDaemonFrame>;
