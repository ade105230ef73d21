import { clipText, defaultFlowStages, missionToolEventKinds, type SequencedFrame } from '@solo-unicorn/shared';
import { eq, sql } from 'drizzle-orm';
import { flows, missions } from '../db/schema/index.ts';
import type { Tx } from '../db/types.ts';
import type { Clock } from '../lib/time.ts';
import { changeList } from '../modules/missions/mission-board.service.ts';
import type { MissionDocs } from '../modules/missions/mission-docs.ts';
import { createMissionsRepository } from '../modules/missions/missions.repository.ts';
import type { AttemptRow } from '../sessions/sessions.repository.ts';
import { createPrJobsRepository } from '../modules/github/pr-jobs.repository.ts';
import { createMissionEventsRepository } from '../modules/missions/mission-events.repository.ts';
import { accountAgentEvent, permissionDenialsOf } from './attempt-accounting.ts';
import { conflictRounds, isMergeConflict, MAX_CONFLICT_ROUNDS } from './merge-conflicts.ts';
import { recordUsageLimit } from './usage-limits.ts';
import { endAsTheAgentAsked } from '../modules/mission-tools/tool-endings.ts';

export interface AttemptEffectsDeps {
  clock: Clock;
  docs: MissionDocs;
  /** Attempts a mission gets for transient failures before it goes back to Todo not ready. */
  maxAttempts: number;
}

/** Failures a retry cannot fix: a merge conflict needs a person (or a new attempt they ask for). */
const permanent = /^(merge conflict|conflict|repository unavailable|agent not installed)/i;

/**
 * What a stored attempt frame does to its mission, inside the transaction that stores it — so the
 * mission's state and its timeline can never disagree, and a resent frame (skipped as already
 * stored) never applies twice.
 */
export function createAttemptEffects(deps: AttemptEffectsDeps) {
  async function stagesOf(tx: Tx, flowId: string | null) {
    if (!flowId) return defaultFlowStages;
    const [flow] = await tx.select({ stages: flows.stages }).from(flows).where(eq(flows.id, flowId));
    return flow?.stages ?? defaultFlowStages;
  }

  /**
   * mission_set_stage: the agent says its stage is done, so the board shows the next one at once
   * (the runner starts it when the agent's turn ends). Only the stage after the mission's current
   * one in its own flow, and never past a stage that needs review: a late or forged event moves
   * nothing.
   */
  async function advanceAsTheAgentSaid(tx: Tx, missionId: string, data: Record<string, unknown>) {
    const [mission] = await tx.select({ stage: missions.stage, flowId: missions.flowId }).from(missions).where(eq(missions.id, missionId));
    if (!mission || data.stage !== mission.stage) return;
    const stages = await stagesOf(tx, mission.flowId);
    const at = stages.findIndex((s) => s.name === mission.stage);
    // A stage a person reviews ends in Review, whatever the agent says: moving on would skip it.
    if (at < 0 || stages[at]!.requiresReview) return;
    const next = stages[at + 1];
    if (next && data.next === next.name) await tx.update(missions).set({ stage: next.name }).where(eq(missions.id, missionId));
  }

  return {
    async onStored(tx: Tx, attempt: AttemptRow, frame: SequencedFrame, at: Date): Promise<void> {
      if (frame.type === 'mission.docs') {
        await deps.docs.write(attempt.missionId, frame.payload.path, frame.payload.content);
        const set = frame.payload.path === 'solution.md'
          ? { solutionPath: deps.docs.solutionPath(attempt.missionId) }
          : { tasksPath: deps.docs.tasksPath(attempt.missionId) };
        await tx.update(missions).set(set).where(eq(missions.id, attempt.missionId));
        return;
      }
      if (frame.type === 'mission.event') {
        const { kind, data } = frame.payload;
        if (kind === 'stage.changed' && typeof data.stage === 'string') {
          await tx.update(missions).set({ stage: clipText(data.stage, 64, '') }).where(eq(missions.id, attempt.missionId));
        } else if (kind === missionToolEventKinds.stageCompleted) {
          await advanceAsTheAgentSaid(tx, attempt.missionId, data);
        } else if (kind === 'git.pushing') {
          await tx.update(missions).set({ agentSessionStatus: 'pushing' }).where(eq(missions.id, attempt.missionId));
        } else {
          await accountAgentEvent(tx, attempt.id, kind, data);
        }
        return;
      }
      await finished(tx, attempt, frame.payload);
    },
  };

  async function finished(tx: Tx, attempt: AttemptRow, p: Extract<SequencedFrame, { type: 'mission.finished' }>['payload']) {
    const repo = createMissionsRepository(tx);
    const mission = await repo.findForUpdate(attempt.missionId);
    if (!mission) return;
    const branch = p.branch ?? mission.prBranchName;
    const event = (kind: string, data: Record<string, unknown>) => ({ origin: 'system' as const, kind, data: { attemptId: attempt.id, ...data } });
    if (attempt.stage === 'merge') {
      // The merge of an approved direct-mode branch: Done when pushed; a conflict sends it back.
      if (mission.list !== 'review') return;
      if (p.status === 'succeeded') {
        await changeList(tx, deps.clock, mission, { list: 'done', extra: { agentSessionStatus: 'inactive' } }, event('mission.merged', { into: mission.targetBranch, headCommit: p.headCommit ?? null }));
      } else if (p.status === 'failed' && isMergeConflict(p.reason)) {
        await backForConflict(tx, deps.clock, mission, p.reason!, event);
      } else {
        await changeList(
          tx, deps.clock, mission, { list: 'todo', extra: { agentSessionStatus: 'inactive', ready: false, reviewStatus: null } },
          event('mission.failed', { reason: p.reason ?? `merge ${p.status}`, hint: 'resolve the conflict (or give the agent guidance) and mark the mission ready again' }),
        );
      }
      return;
    }
    // The agent waits for its quota on that workstation whatever became of the mission meanwhile.
    const until = p.status === 'limited' ? await recordUsageLimit(tx, attempt, p, deps.clock.now()) : undefined;
    if (mission.list !== 'doing') {
      // Moved away by a person while the agent ran (that is also how a cancel starts).
      await repo.update(mission.id, { agentSessionStatus: 'inactive', prBranchName: branch });
      // Handed to another workstation meanwhile: the process holding its session dispatches (on commit).
      if (mission.workstationId && mission.workstationId !== attempt.workstationId) {
        await tx.execute(sql`SELECT pg_notify('su_realtime', json_build_object('w', ${mission.workstationId}::text)::text)`);
      }
      return;
    }
    if (until) {
      // Not a failure: the mission stays ready for another agent or workstation, or this one after the reset.
      await changeList(
        tx, deps.clock, mission, { list: 'todo', extra: { agentSessionStatus: 'inactive', ready: true, prBranchName: branch } },
        event('mission.waiting_for_quota', { agentType: attempt.agentType, workstationId: attempt.workstationId, until: until.toISOString() }),
      );
      return;
    }
    // The agent asked a question or for review (MCP tools): the mission waits in Review for a person.
    if (p.status === 'succeeded' && await endAsTheAgentAsked(tx, deps.clock, mission, attempt, p)) return;
    // Refused tool calls on a success: the work may be incomplete, so a person looks before Done.
    const denials = p.status === 'succeeded' ? await permissionDenialsOf(tx, attempt.id) : 0;
    const suggestReview = () => createMissionEventsRepository(tx).append({ missionId: mission.id, ...event('mission.review_suggested', { permissionDenials: denials }) }, deps.clock.now());
    if (p.status === 'succeeded' && attempt.prMode === 'enabled') {
      // A pull request is a review: the mission waits in Review while the PR worker opens (or
      // updates) it, outside this transaction; the PR's merge, or an approval, makes it Done.
      await changeList(
        tx, deps.clock, mission,
        { list: 'review', extra: { agentSessionStatus: 'inactive', prBranchName: branch, reviewStatus: 'pending' } },
        event('mission.moved', { reason: 'attempt succeeded; the pull request is being opened or updated', headCommit: p.headCommit ?? null }),
      );
      await createPrJobsRepository(tx).enqueue({ missionId: mission.id, attemptId: attempt.id, headCommit: p.headCommit ?? null }, deps.clock.now());
      if (denials > 0) await suggestReview();
      return;
    }
    if (p.status === 'succeeded') {
      const stage = (await stagesOf(tx, mission.flowId)).find((s) => s.name === mission.stage);
      const review = mission.requiresReview || Boolean(stage?.requiresReview) || denials > 0;
      await changeList(
        tx, deps.clock, mission,
        { list: review ? 'review' : 'done', extra: { agentSessionStatus: 'inactive', prBranchName: branch, reviewStatus: review ? 'pending' : mission.reviewStatus } },
        event('mission.moved', { reason: !review ? 'attempt succeeded' : denials > 0 ? `attempt succeeded, but ${denials} tool call(s) were refused; waiting for review` : 'attempt succeeded; waiting for review', headCommit: p.headCommit ?? null }),
      );
      if (denials > 0) await suggestReview();
      return;
    }
    if (p.status === 'cancelled') {
      await changeList(tx, deps.clock, mission, { list: 'todo', extra: { agentSessionStatus: 'inactive', ready: false, prBranchName: branch } }, event('mission.cancelled', { reason: p.reason ?? 'cancelled' }));
      return;
    }
    const reason = p.reason ?? p.status;
    if (p.status === 'failed' && reason.startsWith('merge conflict in ')) {
      await backForConflict(tx, deps.clock, mission, reason, event); // a direct-mode merge right after the agent
      return;
    }
    const retry = !permanent.test(reason) && attempt.attemptNumber < deps.maxAttempts;
    await changeList(
      tx, deps.clock, mission,
      { list: 'todo', extra: { agentSessionStatus: 'inactive', ready: retry, prBranchName: branch } },
      retry
        ? event('mission.retrying', { reason, attempt: attempt.attemptNumber, maxAttempts: deps.maxAttempts })
        : event('mission.failed', { reason, attempts: attempt.attemptNumber, hint: 'fix the cause, then mark the mission ready again' }),
    );
  }
}
export type AttemptEffects = ReturnType<typeof createAttemptEffects>;

type Event = (kind: string, data: Record<string, unknown>) => { origin: 'system'; kind: string; data: Record<string, unknown> };

/**
 * A merge that conflicted: back to Todo, ready, for an attempt that merges the target into the
 * mission branch and has the agent resolve the conflict (see merge-conflicts.ts); after a few
 * rounds a person decides.
 */
async function backForConflict(tx: Tx, clock: Clock, mission: Parameters<typeof changeList>[2], reason: string, event: Event) {
  const round = await conflictRounds(tx, mission.id);
  const again = round < MAX_CONFLICT_ROUNDS;
  await changeList(
    tx, clock, mission,
    { list: 'todo', extra: { agentSessionStatus: 'inactive', ready: again, reviewStatus: null } },
    again
      ? event('mission.merge_conflict', { reason, round, maxRounds: MAX_CONFLICT_ROUNDS, next: 'an agent merges the target into the mission branch and resolves the conflict; the result comes back for review' })
      : event('mission.failed', { reason, rounds: round, hint: `${round} rounds of conflict resolution did not merge: resolve the conflict on the mission branch by hand (or reject with guidance), then mark the mission ready again` }),
  );
}

