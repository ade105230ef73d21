import {
  clipText, defaultFlowStages, missionCreateCapPerAttempt, missionToolInputs, type MissionToolCreated, type MissionToolMissionAnswer,
  type ToolRequestFrame, type ToolResponseFrame,
} from '@solo-unicorn/shared';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, Tx } from '../../db/types.ts';
import type { Clock } from '../../lib/time.ts';
import { createPullRequestsRepository } from '../github/pull-requests.repository.ts';
import { createMissionEventsRepository } from '../missions/mission-events.repository.ts';
import { createMissionsRepository } from '../missions/missions.repository.ts';
import { rowsOf } from '../../db/rows.ts';
import { createSessionsRepository, isLiveAttempt, type AttemptRow } from '../../sessions/sessions.repository.ts';
import { createToolRequestsRepository } from './tool-requests.repository.ts';

type Request = ToolRequestFrame['payload'];
type Response = Omit<ToolResponseFrame['payload'], 'refId'>;

const fail = (code: string, message: string): Response => ({ ok: false, error: { code, message: clipText(message, 2000, '') } });
const createInput = missionToolInputs.mission_create.extend({ requestKey: z.string().min(1).max(64) });

/**
 * Answers an agent tool that needs the control plane (`mission_get`, `mission_create`), for the
 * workstation the frame came over. Fenced like stored frames: the attempt must be this
 * workstation's, of this mission, with this lease, and still live. Never throws on bad input.
 */
export async function answerToolRequest(db: Db, clock: Clock, workstationId: string, req: Request): Promise<Response> {
  return db.transaction(async (tx) => {
    const [attempt] = await createSessionsRepository(tx).lockAttempts([req.attemptId]);
    const fenced = fencing(attempt, workstationId, req);
    if (fenced) return fail('SU_ERR_ATTEMPT_FENCED', fenced);
    if (req.tool === 'mission_get') return missionGet(tx, req.missionId);
    const input = createInput.safeParse(req.input);
    if (!input.success) return fail('SU_ERR_VALIDATION', input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return missionCreate(tx, clock, attempt!, input.data);
  });
}

function fencing(attempt: AttemptRow | undefined, workstationId: string, req: Request): string | undefined {
  if (!attempt || attempt.workstationId !== workstationId || attempt.missionId !== req.missionId) return 'attempt is not assigned to this workstation';
  if (attempt.leaseVersion !== req.leaseVersion) return `lease version ${req.leaseVersion} is stale (current ${attempt.leaseVersion})`;
  if (!isLiveAttempt(attempt.status)) return `attempt is already ${attempt.status}`;
  return undefined;
}

async function missionGet(tx: Tx, missionId: string): Promise<Response> {
  const mission = await createMissionsRepository(tx).find(missionId);
  if (!mission) return fail('SU_ERR_NOT_FOUND', 'the mission no longer exists');
  const q = createToolRequestsRepository(tx);
  const [flow, actor, dependencies, pullRequest] = await Promise.all([
    q.flowOf(mission.flowId), q.actorOf(mission.actorId), q.dependenciesOf(mission.id), latestPullRequest(tx, mission.id),
  ]);
  return {
    ok: true,
    result: {
      id: mission.id,
      title: mission.title,
      description: mission.description,
      clarification: mission.clarification,
      stage: mission.stage,
      flow: { name: flow?.name ?? 'default', stages: (flow?.stages ?? defaultFlowStages).map((s) => s.name) },
      actor: actor ? { name: actor.name, instructions: actor.instructions } : null,
      reviewFeedback: mission.reviewFeedback,
      dependencies,
      pullRequest,
    } satisfies MissionToolMissionAnswer,
  };
}

/**
 * The newest PR of the mission with its newest 50 comments, oldest first, each body clipped: what
 * reviewers asked. A comment is `open` when it came after the mission branch was last pushed: no
 * work has answered it yet (GitHub's REST API does not say which threads were resolved).
 */
async function latestPullRequest(tx: Tx, missionId: string) {
  const latest = (await createPullRequestsRepository(tx).listForMission(missionId)).at(-1);
  if (!latest) return null;
  const { pr, comments } = latest;
  const [push] = rowsOf(await tx.execute(sql`SELECT max(created_at) AS at FROM mission_events WHERE mission_id = ${missionId} AND kind = 'git.pushed'`));
  const lastPush = push?.at ? new Date(push.at as string | Date).getTime() : undefined;
  return {
    number: pr.number, url: pr.url, state: pr.state, reviewState: pr.reviewState,
    comments: comments.slice(-50).map((c) => ({
      kind: c.kind, author: c.authorLogin, path: c.path, body: clipText(c.body ?? '', 2000, '…'), requestsChanges: c.requestsChanges,
      at: c.createdAt.toISOString(), open: lastPush === undefined || c.createdAt.getTime() > lastPush,
    })),
  };
}

async function missionCreate(tx: Tx, clock: Clock, attempt: AttemptRow, input: z.infer<typeof createInput>): Promise<Response> {
  const q = createToolRequestsRepository(tx);
  const repo = createMissionsRepository(tx);
  const events = createMissionEventsRepository(tx);
  const proposed = await q.followupsOf(attempt.missionId, attempt.id);
  // A retry after a lost answer carries the same key: it gets the mission made the first time.
  const again = proposed.find((p) => (p.data as Record<string, unknown>).requestKey === input.requestKey);
  if (again) {
    const child = await repo.find(String((again.data as Record<string, unknown>).childMissionId));
    if (child) return { ok: true, result: createdResult(child, attempt.missionId) };
  }
  if (proposed.length >= missionCreateCapPerAttempt) {
    return fail('SU_ERR_MISSION_CREATE_CAP', `this attempt already proposed ${proposed.length} follow-up missions; at most ${missionCreateCapPerAttempt}`);
  }
  const parent = await repo.find(attempt.missionId);
  if (!parent) return fail('SU_ERR_NOT_FOUND', 'the mission no longer exists');
  const now = clock.now();
  const child = await repo.insert({
    projectId: parent.projectId,
    title: input.title,
    description: input.description ?? null,
    origin: 'agent',
    ready: false,
    flowId: parent.flowId,
    repositoryId: parent.repositoryId,
    targetBranch: parent.targetBranch,
    prMode: parent.prMode,
    listOrder: await repo.endOfList(parent.projectId, 'todo'),
    createdAt: now,
    updatedAt: now,
  });
  // The parent link lives on the timeline of both missions.
  await events.append({
    missionId: child.id, origin: 'agent', kind: 'mission.created',
    data: { title: child.title, list: child.list, ready: false, origin: 'agent', parentMissionId: parent.id, attemptId: attempt.id },
  }, now);
  await events.append({
    missionId: parent.id, origin: 'agent', kind: 'mission.followup_proposed',
    data: { childMissionId: child.id, title: child.title, attemptId: attempt.id, requestKey: input.requestKey },
  }, now);
  return { ok: true, result: createdResult(child, parent.id) };
}

function createdResult(child: { id: string; title: string }, parentMissionId: string): MissionToolCreated {
  return { id: child.id, title: child.title, list: 'todo', ready: false, parentMissionId };
}

/**
 * The session's hook: answers one `tool.request` frame with a `tool.response` of the same id. A
 * database failure is an `SU_ERR_UNAVAILABLE` answer (the agent may retry), never a closed session.
 */
export async function respondToToolRequest(
  deps: { db: Db; clock: Clock; log: { warn(o: object, msg: string): void } },
  workstationId: string,
  frame: ToolRequestFrame,
  send: (payload: ToolResponseFrame['payload']) => void,
): Promise<void> {
  let answer: Response;
  try {
    answer = await answerToolRequest(deps.db, deps.clock, workstationId, frame.payload);
  } catch (err) {
    deps.log.warn({ tool: frame.payload.tool, attemptId: frame.payload.attemptId, err: (err as Error).message }, 'agent tool request failed');
    answer = fail('SU_ERR_UNAVAILABLE', 'the control plane could not answer; try again later');
  }
  send({ refId: frame.id, ...answer });
}
