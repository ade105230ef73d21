import type { AgentPermissionPolicy, MissionAssignFrame } from '@solo-unicorn/shared';
import type { Db } from '../db/types.ts';
import type { MissionDocs } from '../modules/missions/mission-docs.ts';
import { createHash } from 'node:crypto';
import { createDispatchRepository } from './dispatch.repository.ts';
import { docsInRepository } from '../modules/projects/projects.service.ts';
import { conflictToResolve } from './merge-conflicts.ts';
import { chooseResume, comebackReason, firstAttemptNote, type ResumeChoice } from './resume-selection.ts';
import type { codeAgentSessions } from '../db/schema/index.ts';

type AttemptRow = typeof codeAgentSessions.$inferSelect;

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

/**
 * The `mission.assign` payload: the mission, its repository, flow stage, actor, stored docs, the
 * permission policy to run the agent with and the earlier agent session to resume, if any.
 */
export async function buildAssignment(
  db: Db,
  docs: MissionDocs,
  a: {
    attemptId: string; missionId: string; agentType: string; leaseVersion: number; leaseExpiresAt: Date | null; purpose: 'run' | 'merge'; prMode: 'enabled' | 'disabled';
    /** The attempt's row, when the caller has it (the claim that inserted it): not read again. */
    attempt?: AttemptRow;
    /** The claim saw no earlier attempt of the mission: nothing to resume, no conflict to resolve. */
    firstAttempt?: boolean;
  },
): Promise<MissionAssignFrame['payload'] | undefined> {
  const repo = createDispatchRepository(db);
  const ctx = await repo.assignmentContext(a.missionId);
  if (!ctx?.repository) return undefined;
  const m = ctx.mission;
  const attempt = a.purpose === 'merge' || a.firstAttempt ? undefined : a.attempt ?? await repo.attempt(a.attemptId);
  const { resume, resumeNote } = attempt ? await resumeFor(db, attempt, a.agentType, m) : { resume: null, resumeNote: a.firstAttempt && a.purpose === 'run' ? firstAttemptNote : null };
  return {
    attemptId: a.attemptId,
    purpose: a.purpose,
    leaseVersion: a.leaseVersion,
    leaseExpiresAt: a.leaseExpiresAt?.toISOString() ?? null,
    agentType: a.agentType,
    mission: {
      // The attempt's own mode (`auto` already resolved): the daemon opens no PR itself, it only
      // needs to know whether to merge into the target (disabled) or leave the branch for a PR.
      id: m.id, projectId: m.projectId, title: m.title, description: m.description, stage: m.stage, prMode: a.prMode,
      targetBranch: m.targetBranch, clarification: m.clarification, requiresReview: m.requiresReview,
      branch: m.prBranchName, reviewFeedback: m.reviewStatus === 'rejected' ? m.reviewFeedback : null,
    },
    repository: { id: ctx.repository.id, url: ctx.repository.url, defaultBranch: ctx.repository.defaultBranch },
    flow: ctx.flow ? { id: ctx.flow.id, name: ctx.flow.name, stages: ctx.flow.stages } : null,
    actor: ctx.actor ? { id: ctx.actor.id, name: ctx.actor.name, instructions: ctx.actor.instructions } : null,
    // The mission's override, else the project's. The daemon still caps `full` by the
    // workstation's own opt-in and runs clarify/plan stages readonly.
    permissionPolicy: (m.agentPermissionPolicy ?? ctx.projectPolicy) as AgentPermissionPolicy,
    resume,
    resumeNote,
    resolveConflict: attempt ? await conflictToResolve(db, attempt) : null,
    docsInRepository: docsInRepository(ctx.projectSettings),
    prompt: ctx.memory ?? '',
    docs: (await docs.read(m.id)).map((d) => ({ ...d, contentHash: sha(d.content) })),
  };
}

/**
 * The earlier agent session this attempt continues, if any (see chooseResume), recorded on the
 * attempt as `resumed_from_attempt_id` so its row says what the agent was handed.
 */
async function resumeFor(db: Db, attempt: AttemptRow, agentType: string, m: { id: string; stage: string; reviewStatus: string | null }): Promise<ResumeChoice> {
  const repo = createDispatchRepository(db);
  const attemptId = attempt.id;
  const earlier = await repo.earlierAgentAttempts(attempt);
  const sentBackBy = m.reviewStatus === 'rejected' ? await repo.lastSentBackBy(m.id) : undefined;
  const cameBack = earlier[0] ? comebackReason(earlier[0], m, sentBackBy) : '';
  const choice = chooseResume({ workstationId: attempt.workstationId, agentType }, earlier, cameBack);
  if (!choice.resume) return choice;
  await repo.updateAttempt(attemptId, { resumedFromAttemptId: choice.resume.fromAttemptId });
  const usageSoFar = await repo.sessionUsage(attempt.workstationId!, choice.resume.agentSessionId);
  return { ...choice, resume: { ...choice.resume, usageSoFar } };
}

