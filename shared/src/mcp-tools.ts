import { z } from 'zod';
import { missionDocPathPattern } from './protocol/daemon-to-server.ts';

/**
 * The agent tools the daemon serves over MCP (issue #14), one schema per tool. Inputs are strict
 * objects: no tool takes a mission id, because the run's token is the scope, so a smuggled
 * `missionId` is a schema error the agent sees. Every limit here is what the endpoint enforces
 * (Codex drops min/max lengths from what it shows the model, so the server's check is the one
 * that counts).
 */

/** The MCP server name both CLIs see: tools are `mcp__solo_unicorn__<tool>` (Claude) and namespace `mcp__solo_unicorn` (Codex). */
export const mcpServerName = 'solo_unicorn';

export const missionToolNames = [
  'mission_get', 'mission_update_docs', 'mission_progress', 'mission_set_stage', 'mission_request_review', 'mission_ask', 'mission_create',
] as const;
export type MissionToolName = (typeof missionToolNames)[number];

export const missionToolInputs = {
  mission_get: z.strictObject({}),
  mission_update_docs: z.strictObject({
    path: z.string().regex(missionDocPathPattern, 'solution.md or tasks/{n}.md'),
    content: z.string().max(1024 * 1024),
  }),
  mission_progress: z.strictObject({ line: z.string().min(1).max(200) }),
  mission_set_stage: z.strictObject({ stage: z.string().min(1).max(64) }),
  mission_request_review: z.strictObject({ summary: z.string().min(1).max(4000) }),
  mission_ask: z.strictObject({
    question: z.string().min(1).max(4000),
    options: z.array(z.string().min(1).max(200)).max(10).optional(),
  }),
  mission_create: z.strictObject({
    title: z.string().min(1).max(500),
    description: z.string().max(20_000).optional(),
  }),
} as const satisfies Record<MissionToolName, z.ZodType>;
export type MissionToolInput<T extends MissionToolName> = z.infer<(typeof missionToolInputs)[T]>;

/** One line per tool: what the model reads in `tools/list`. */
export const missionToolDescriptions: Record<MissionToolName, string> = {
  mission_get: 'Read your mission: title, description, acceptance criteria (clarification), flow and current stage, actor instructions, review feedback, its pull request with the review comments, dependencies, and the mission docs as they stand.',
  mission_update_docs: "Write one mission doc (solution.md or tasks/{n}.md) in the mission's docs folder; it is stored like a doc you wrote by hand.",
  mission_progress: 'Report a one-line status (e.g. "running tests, 3 failing"), shown live on the mission card.',
  mission_set_stage: 'Say you finished the current stage; name the next stage of the flow. End your turn afterwards.',
  mission_request_review: 'Finish with a summary: the run ends and the mission goes to Review. End your turn afterwards.',
  mission_ask: 'Ask a human a question. The mission waits in Review; you are resumed with the answer. End your turn afterwards.',
  mission_create: 'Propose a follow-up mission in this project (not ready until a person marks it so). At most 3 per run.',
};

/** What `mission_get` returns (as JSON text). */
export const missionToolMissionSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  clarification: z.string().nullable(),
  stage: z.string().nullable(),
  flow: z.object({ name: z.string(), stages: z.array(z.string()) }).nullable(),
  actor: z.object({ name: z.string(), instructions: z.string().nullable() }).nullable(),
  reviewFeedback: z.string().nullable(),
  dependencies: z.array(z.object({ id: z.string(), title: z.string(), list: z.string() })),
  /** The mission's latest pull request and its review comments (the newest 50, bodies clipped), if it has one. */
  pullRequest: z.object({
    number: z.number(), url: z.string().nullable(), state: z.string(), reviewState: z.string().nullable(),
    comments: z.array(z.object({
      kind: z.string(), author: z.string().nullable(), path: z.string().nullable(), body: z.string(), requestsChanges: z.boolean(), at: z.string(),
      /** Came after the mission branch was last pushed: no work has answered it yet. */
      open: z.boolean(),
    })),
  }).nullable().optional(),
  docs: z.array(z.object({ path: z.string(), content: z.string() })),
  /** Set when parts were cut to keep the answer under its cap. */
  clipped: z.string().optional(),
});
export type MissionToolMission = z.infer<typeof missionToolMissionSchema>;
/** What the control plane answers to `mission_get` (the daemon adds the docs from the worktree). */
export const missionToolMissionAnswerSchema = missionToolMissionSchema.omit({ docs: true, clipped: true });
export type MissionToolMissionAnswer = z.infer<typeof missionToolMissionAnswerSchema>;

/** What `mission_create` returns (as JSON text). */
export const missionToolCreatedSchema = z.object({
  id: z.string(),
  title: z.string(),
  list: z.literal('todo'),
  ready: z.literal(false),
  parentMissionId: z.string(),
});
export type MissionToolCreated = z.infer<typeof missionToolCreatedSchema>;

/** Follow-ups one attempt may propose. */
export const missionCreateCapPerAttempt = 3;

/** Codes a tool error starts with (`SU_ERR_…: message`). */
export const missionToolErrorCodes = [
  'SU_ERR_MISSION_ENDED', 'SU_ERR_ATTEMPT_FENCED', 'SU_ERR_STAGE_INVALID', 'SU_ERR_MISSION_CREATE_CAP', 'SU_ERR_RATE_LIMITED',
  'SU_ERR_UNAVAILABLE', 'SU_ERR_VALIDATION', 'SU_ERR_NOT_FOUND', 'SU_ERR_INTERNAL',
] as const;
export type MissionToolErrorCode = (typeof missionToolErrorCodes)[number];

/** Mission event kinds the tools write (timeline). */
export const missionToolEventKinds = {
  call: 'mcp.tool_call',
  progress: 'agent.progress',
  stageCompleted: 'agent.stage_completed',
  reviewRequested: 'agent.review_requested',
  question: 'agent.question',
} as const;

/** Starts the feedback an answered question leaves for the next attempt (the prompt shows it as an answer, not a rejection). */
export const questionAnswerPrefix = 'The human answered the question you asked with mission_ask.';

/** `POST /missions/{id}/answer`. */
export const answerQuestionBody = z.strictObject({ text: z.string().trim().min(1).max(8000) });

export const missionQuestionSchema = z.object({ id: z.string(), text: z.string(), askedAt: z.string() });
export type MissionQuestion = z.infer<typeof missionQuestionSchema>;
