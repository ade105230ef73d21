import type { MissionAssignFrame } from '@solo-unicorn/shared';
import type { Db } from '../db/types.ts';
import type { MissionDocs } from '../modules/missions/mission-docs.ts';
import { createHash } from 'node:crypto';
import { createDispatchRepository } from './dispatch.repository.ts';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

/** The `mission.assign` payload: the mission, its repository, flow stage, actor and stored docs. */
export async function buildAssignment(
  db: Db,
  docs: MissionDocs,
  a: { attemptId: string; missionId: string; agentType: string; leaseVersion: number; leaseExpiresAt: Date | null; purpose: 'run' | 'merge'; prMode: 'enabled' | 'disabled' },
): Promise<MissionAssignFrame['payload'] | undefined> {
  const ctx = await createDispatchRepository(db).assignmentContext(a.missionId);
  if (!ctx?.repository) return undefined;
  const m = ctx.mission;
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
    // The project's policy and the mission's override land with #13's permission settings; until then, edits.
    permissionPolicy: 'edits',
    resume: null,
    resumeNote: null,
    prompt: ctx.memory ?? '',
    docs: (await docs.read(m.id)).map((d) => ({ ...d, contentHash: sha(d.content) })),
  };
}
