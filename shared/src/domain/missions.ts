import { z } from 'zod';
import { branchNameSchema } from './git-refs.ts';
import { idSchema } from '../ids.ts';
import { agentPermissionPolicySchema } from './agent-policy.ts';

/** The board's four lists. There is no loop list: recurring work comes from Mission Fallback. */
export const missionLists = ['todo', 'doing', 'review', 'done'] as const;
export const missionListSchema = z.enum(missionLists);
export type MissionList = z.infer<typeof missionListSchema>;

export const prModeSchema = z.enum(['disabled', 'enabled', 'auto']);
export const missionOriginSchema = z.enum(['manual', 'fallback', 'imported', 'agent']);
export const agentSessionStatusSchema = z.enum(['inactive', 'pushing', 'active']);
export const reviewStatusSchema = z.enum(['pending', 'approved', 'rejected']);

const title = z.string().trim().min(1).max(500);
const description = z.string().max(100_000);
const priority = z.number().int().min(1).max(5);
const branch = branchNameSchema;
const stage = z.string().trim().min(1).max(64);
/** listOrder is a fraction-friendly position; bounded to what numeric(20,10) stores. */
export const listOrderSchema = z.number().finite().min(-1e9).max(1e9);

export const createMissionBody = z.strictObject({
  title,
  description: description.optional(),
  clarification: description.optional(),
  priority: priority.default(3),
  ready: z.boolean().default(false),
  flowId: idSchema.optional(),
  actorId: idSchema.optional(),
  repositoryId: idSchema.optional(),
  requiresReview: z.boolean().default(false),
  prMode: prModeSchema.default('auto'),
  targetBranch: branch.default('main'),
  dependsOn: z.array(idSchema).max(100).default([]),
  listOrder: listOrderSchema.optional(),
  /** null or absent: the project's policy. */
  agentPermissionPolicy: agentPermissionPolicySchema.nullable().optional(),
});
export type CreateMissionInput = z.infer<typeof createMissionBody>;

export const updateMissionBody = z
  .strictObject({
    title,
    description: description.nullable(),
    clarification: description.nullable(),
    priority,
    ready: z.boolean(),
    flowId: idSchema.nullable(),
    stage,
    actorId: idSchema.nullable(),
    repositoryId: idSchema.nullable(),
    requiresReview: z.boolean(),
    prMode: prModeSchema,
    targetBranch: branch,
    dependsOn: z.array(idSchema).max(100),
    agentPermissionPolicy: agentPermissionPolicySchema.nullable(),
  })
  .partial();
export type UpdateMissionInput = z.infer<typeof updateMissionBody>;

export const moveMissionBody = z.strictObject({
  list: missionListSchema,
  listOrder: listOrderSchema.optional(),
});

export const reviewMissionBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  feedback: z.string().trim().min(1).max(100_000).optional(),
});

export const listMissionsQuery = z.strictObject({
  list: missionListSchema.optional(),
  ready: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(512).optional(),
});

/** Why a mission is (not) running: computed by the control plane from the board, workstations and limits. */
export const dispatchStates = ['not_ready', 'blocked', 'queued', 'running', 'in_review', 'done'] as const;
export const dispatchReasonCodes = [
  'no_repository', 'not_ready', 'no_workstation_mapped', 'no_workstation_online', 'no_free_slot',
  'blocked_by_dependencies', 'agent_limited', 'budget_reached', 'waiting_for_review', 'question_open', 'workstation_paused',
] as const;
export const dispatchReasonSchema = z.object({
  code: z.enum(dispatchReasonCodes),
  message: z.string().describe('one sentence a human reads'),
  fix: z.string().describe('what to do, one sentence'),
});
export type DispatchReason = z.infer<typeof dispatchReasonSchema>;
export const missionDispatchSchema = z.object({
  state: z.enum(dispatchStates),
  reasons: z.array(dispatchReasonSchema).describe('empty when nothing holds the mission back'),
});
export type MissionDispatch = z.infer<typeof missionDispatchSchema>;

export const missionSchema = z.object({
  id: idSchema,
  projectId: idSchema,
  title: z.string(),
  description: z.string().nullable(),
  clarification: z.string().nullable(),
  priority: z.number().int(),
  list: missionListSchema,
  listOrder: z.number(),
  flowId: z.string().nullable(),
  stage: z.string(),
  requiresReview: z.boolean(),
  actorId: z.string().nullable(),
  repositoryId: z.string().nullable(),
  workstationId: z.string().nullable().describe('handed to this workstation by a person (POST /missions/{id}/handoff): only it runs the mission; null = any serving the project'),
  targetBranch: z.string(),
  prMode: prModeSchema,
  prBranchName: z.string().nullable(),
  githubPrNumber: z.number().int().nullable(),
  ready: z.boolean(),
  origin: missionOriginSchema,
  fallbackItemId: z.string().nullable(),
  agentSessionStatus: agentSessionStatusSchema,
  solutionPath: z.string().nullable(),
  tasksPath: z.string().nullable(),
  reviewStatus: reviewStatusSchema.nullable(),
  reviewFeedback: z.string().nullable(),
  dependencyCount: z.number().int().describe('dependencies not yet Done'),
  dependsOn: z.array(idSchema),
  agentPermissionPolicy: agentPermissionPolicySchema.nullable().describe("this mission's override; null = the project's policy"),
  lastEventAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  dispatch: missionDispatchSchema.describe("why the mission is or is not running, and what to do about it"),
  question: z.object({ id: z.string(), text: z.string(), askedAt: z.string() }).nullable().optional()
    .describe("the agent's open question (mission_ask) while the mission waits in Review; answer with POST /missions/{id}/answer"),
  progress: z.object({ line: z.string(), at: z.string() }).nullable().optional()
    .describe("the agent's latest mission_progress line in the running attempt, while the mission is in Doing"),
});
export type Mission = z.infer<typeof missionSchema>;

export const backlogSchema = z.object({ count: z.number().int(), threshold: z.number().int() });

export const attemptStatusSchema = z.enum(['assigned', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'lost', 'limited']);

/** One attempt: a mission handed to a workstation, with what its agent used. */
export const missionAttemptSchema = z.object({
  id: idSchema,
  attemptNumber: z.number().int(),
  status: attemptStatusSchema,
  agentType: z.string().nullable(),
  workstationId: z.string().nullable(),
  stage: z.string().nullable(),
  reason: z.string().nullable(),
  permissionDenials: z.number().int().describe('tool calls the permission policy refused'),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
  costUsd: z.number().nullable().describe('as the agent reported it; null = unknown'),
  numTurns: z.number().int().nullable(),
  apiMs: z.number().int().nullable(),
  wallMs: z.number().int().nullable().describe('finishedAt − startedAt; null while running'),
  agentSessionId: z.string().nullable(),
  resumedFromAttemptId: z.string().nullable(),
  limitedUntil: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type MissionAttempt = z.infer<typeof missionAttemptSchema>;

export const missionAttemptsSchema = z.object({
  items: z.array(missionAttemptSchema).describe('newest first, at most 200'),
  totals: z.object({
    attempts: z.number().int(),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    cacheReadTokens: z.number().int(),
    cacheWriteTokens: z.number().int(),
    costUsd: z.number().nullable().describe('sum of the reported costs; null when no attempt reported one'),
    numTurns: z.number().int(),
    wallMs: z.number().int(),
    permissionDenials: z.number().int(),
  }).describe("over all the mission's attempts (merges included), not only the 200 listed"),
});
export type MissionAttempts = z.infer<typeof missionAttemptsSchema>;

/** At most this many missions per GET /projects/:id/attempt-summaries (a board asks a page at a time). */
export const ATTEMPT_SUMMARIES_MAX = 100;

export const attemptSummariesQuery = z.strictObject({
  missionIds: z.string().max(ATTEMPT_SUMMARIES_MAX * 27)
    .transform((v) => [...new Set(v.split(','))])
    .pipe(z.array(idSchema).min(1).max(ATTEMPT_SUMMARIES_MAX))
    .describe(`comma-separated mission ids, at most ${ATTEMPT_SUMMARIES_MAX}`),
});

/** What a board card says about a mission's agent, for many missions in one request. */
export const attemptSummarySchema = z.object({
  missionId: idSchema,
  latest: z.object({
    status: attemptStatusSchema,
    permissionDenials: z.number().int(),
    limitedUntil: z.string().nullable(),
  }).nullable().describe('the newest attempt; null before the first'),
  costUsd: z.number().nullable().describe('sum of the reported costs over all attempts; null when none reported one'),
});
export const attemptSummariesSchema = z.object({
  items: z.array(attemptSummarySchema).describe("the asked missions that are in the project, in no particular order"),
});
export type AttemptSummary = z.infer<typeof attemptSummarySchema>;

/** Hand a mission to one workstation (null: back to any workstation mapped to the project). */
export const handOffMissionBody = z.strictObject({
  workstationId: idSchema.nullable(),
  reason: z.string().trim().max(2000).optional(),
});

/** Run a mission again from the start of a fresh attempt; the reason goes on the timeline. */
export const retryMissionBody = z.strictObject({ reason: z.string().trim().min(1).max(2000) });
