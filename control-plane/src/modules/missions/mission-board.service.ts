import type { MissionList } from '@solo-unicorn/shared';
import type { Db, Tx } from '../../db/types.ts';
import { AppError, conflict, invalidField, notFound } from '../../errors.ts';
import type { Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { createMissionEventsRepository } from './mission-events.repository.ts';
import { createMissionsRepository, type MissionRow, type NewMission } from './missions.repository.ts';
import { rowsOf } from '../../db/rows.ts';
import { presentMissions } from './mission-presenter.ts';
import { and, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import { codeAgentSessions, projects } from '../../db/schema/index.ts';
import { createPullRequestsRepository } from '../github/pull-requests.repository.ts';
import { recordAudit } from '../audit/audit.repository.ts';

/** The PR mode the mission's last run attempt worked in (undefined: it never ran). */
async function lastRunPrMode(tx: Tx, missionId: string): Promise<string | undefined> {
  const [last] = await tx.select({ prMode: codeAgentSessions.prMode }).from(codeAgentSessions)
    .where(and(eq(codeAgentSessions.missionId, missionId), ne(codeAgentSessions.stage, 'merge')))
    .orderBy(desc(codeAgentSessions.createdAt)).limit(1);
  return last?.prMode ?? undefined;
}

/** The mission's attempt that is assigned or running, if any. */
async function liveAttemptOf(tx: Tx, missionId: string) {
  const [live] = await tx.select({ id: codeAgentSessions.id, stage: codeAgentSessions.stage }).from(codeAgentSessions)
    .where(and(eq(codeAgentSessions.missionId, missionId), inArray(codeAgentSessions.status, ['assigned', 'running']))).limit(1);
  return live;
}

/**
 * The agent's pushed work that has not reached the target branch, if any: the newest attempt that
 * pushed a commit — it succeeded, or it failed only on the merge (direct mode with nothing to review
 * merges in the same attempt, and a conflict there fails it after the push) — was a work attempt
 * (not a merge), changed something against the target (its `git.diff` did not say 0 files), did not
 * merge itself, and no pull request of the mission was merged after it. A mission sent back to Todo
 * by a merge conflict is the case this guards.
 */
async function unmergedWork(tx: Tx, missionId: string): Promise<{ branch: string | null; headCommit: string } | undefined> {
  const [row] = rowsOf(await tx.execute(sql`
    SELECT a.branch, a.head_commit FROM (
      SELECT id, stage, branch, head_commit, finished_at FROM code_agent_sessions
      WHERE mission_id = ${missionId} AND head_commit IS NOT NULL
        AND (status = 'succeeded' OR (status = 'failed' AND reason LIKE 'merge conflict in %'))
      ORDER BY finished_at DESC NULLS LAST, created_at DESC LIMIT 1
    ) a
    WHERE a.stage IS DISTINCT FROM 'merge'
      AND NOT EXISTS (SELECT 1 FROM mission_events e WHERE e.mission_id = ${missionId} AND e.attempt_id = a.id AND e.kind = 'git.merged')
      AND NOT EXISTS (SELECT 1 FROM mission_events e WHERE e.mission_id = ${missionId} AND e.attempt_id = a.id AND e.kind = 'git.diff'
                        AND e.data -> 'totalFiles' = '0'::jsonb)
      AND NOT EXISTS (SELECT 1 FROM github_pull_requests p WHERE p.mission_id = ${missionId} AND p.state = 'merged'
                        AND (p.head_commit = a.head_commit OR p.merged_at >= a.finished_at))`));
  return row ? { branch: (row.branch as string | null) ?? null, headCommit: String(row.head_commit) } : undefined;
}

/** Lists a mission may only enter once nothing blocks it. */
const needsUnblocked: MissionList[] = ['doing', 'review', 'done'];

/**
 * Moves a locked mission to a list, records the event, and — when it enters or leaves Done —
 * recounts the missions that depend on it (each gets its own event when its count changes).
 */
export async function changeList(
  tx: Tx,
  clock: Clock,
  before: MissionRow,
  to: { list: MissionList; listOrder?: number; extra?: Partial<NewMission> },
  event: { origin: 'user' | 'system'; kind: string; userId?: string; data?: Record<string, unknown> },
) {
  const repo = createMissionsRepository(tx);
  const events = createMissionEventsRepository(tx);
  const now = clock.now();
  const after = await repo.update(before.id, {
    list: to.list,
    listOrder: to.listOrder ?? (to.list === before.list ? Number(before.listOrder) : await repo.lockedEndOfList(before.projectId, to.list)),
    completedAt: to.list === 'done' ? (before.completedAt ?? now) : null,
    updatedAt: now,
    ...to.extra,
  });
  await events.append(
    { missionId: before.id, origin: event.origin, kind: event.kind, userId: event.userId, data: { from: before.list, to: to.list, listOrder: Number(after.listOrder), ...event.data } },
    now,
  );
  if ((before.list === 'done') !== (to.list === 'done')) {
    const changed = await repo.recountDependencies(await repo.dependents(before.id));
    for (const dependent of changed) {
      await events.append(
        {
          missionId: dependent.id,
          origin: 'system',
          kind: 'mission.dependencies_changed',
          data: { dependencyCount: dependent.dependencyCount, because: before.id, blockerList: to.list },
        },
        now,
      );
    }
  }
  return after;
}

/**
 * Board moves obey the same rules as the rest of the API. Doing means "an agent works on it": only
 * the dispatcher puts a mission there, with an attempt, so a person's move would park it with no
 * agent. Review → Done would skip the approval and the merge: POST /review approves (and merges).
 */
function refuseSkippingMoves(before: MissionRow, to: MissionList) {
  if (to === before.list) return;
  if (to === 'doing') {
    throw conflict(
      'SU_ERR_MISSION_MOVE_NEEDS_AGENT',
      'list: only an agent moves a mission to Doing, when the dispatcher hands it over; mark the mission ready (PATCH ready: true) and it is dispatched (its dispatch field says what else holds it back)',
      { list: to },
    );
  }
  if (to === 'done' && before.list === 'review') {
    throw conflict(
      'SU_ERR_MISSION_REVIEW_REQUIRED',
      before.reviewStatus === 'approved'
        ? 'list: the mission is approved and its merge is pending; it moves to Done by itself once the branch is merged'
        : 'list: moving a mission in Review to Done would skip the approval and the merge; approve it with POST /api/v1/missions/:missionId/review {"decision":"approve"}',
      { list: to, reviewStatus: before.reviewStatus },
    );
  }
}

export function createMissionBoardService(db: Db, access: AccessService, clock: Clock) {
  /**
   * A person can always reject with guidance (#15), from Todo (e.g. after a merge conflict), Doing
   * (an agent going wrong) and Review: the mission goes back to Todo, ready, and the feedback reaches
   * the agent's next prompt (reviewFeedback). From Doing the move out of Doing cancels the running
   * attempt: the dispatcher sends mission.cancel on the board change, and dispatches no new attempt
   * while the old one is still live. Refused: Done (merged work cannot be un-merged — a follow-up
   * mission changes it) and an approved mission whose merge is running right now (it may already be
   * pushed; wait for it to finish).
   */
  async function rejectWithGuidance(tx: Tx, caller: UserPrincipal, before: MissionRow, feedback: string, pullRequest: number | null) {
    if (before.list === 'done') {
      throw conflict(
        'SU_ERR_MISSION_ALREADY_DONE',
        'the mission is Done: its work reached the target branch (or its pull request) and cannot be un-merged; create a follow-up mission with your guidance instead',
        { list: before.list },
      );
    }
    const live = await liveAttemptOf(tx, before.id);
    if (live?.stage === 'merge') {
      throw conflict(
        'SU_ERR_MISSION_MERGING',
        'the approved branch is being merged right now and may already be pushed; wait for the merge to finish (Done), or for it to fail back to Todo, then reject',
        { attemptId: live.id },
      );
    }
    return changeList(
      tx,
      clock,
      before,
      { list: 'todo', extra: { reviewStatus: 'rejected', reviewedBy: caller.userId, reviewFeedback: feedback, ready: true, agentSessionStatus: 'inactive' } },
      {
        origin: 'user', kind: 'mission.reviewed', userId: caller.userId,
        data: { decision: 'reject', feedback, pullRequest, ...(live ? { cancelledAttemptId: live.id } : {}) },
      },
    );
  }

  async function lockedMission(tx: Tx, missionId: string) {
    const row = await createMissionsRepository(tx).findForUpdate(missionId);
    if (!row) throw notFound('mission');
    return row;
  }
  async function present(tx: Tx, row: MissionRow) {
    return (await presentMissions(tx, [row], clock.now()))[0]!;
  }

  return {
    async move(caller: UserPrincipal, missionId: string, input: { list: MissionList; listOrder?: number }) {
      await access.requireMission(caller, missionId, 'write');
      return db.transaction(async (tx) => {
        const before = await lockedMission(tx, missionId);
        refuseSkippingMoves(before, input.list);
        if (input.list === 'done' && before.list !== 'done') {
          const work = await unmergedWork(tx, before.id);
          if (work) {
            throw conflict(
              'SU_ERR_MISSION_REVIEW_REQUIRED',
              `list: the agent's work (branch ${work.branch ?? '?'}, commit ${work.headCommit.slice(0, 12)}) is not merged into ${before.targetBranch}; moving the mission to Done would leave it out. Move it to Review and approve it (which merges), or reject it with guidance`,
              { list: input.list, branch: work.branch, headCommit: work.headCommit },
            );
          }
        }
        if (input.list !== before.list && needsUnblocked.includes(input.list) && before.dependencyCount > 0) {
          throw conflict(
            'SU_ERR_MISSION_ILLEGAL_MOVE',
            `list: the mission waits on ${before.dependencyCount} unfinished dependenc${before.dependencyCount === 1 ? 'y' : 'ies'}; finish them first`,
            { dependencyCount: before.dependencyCount },
          );
        }
        const kind = input.list === before.list ? 'mission.reordered' : 'mission.moved';
        const after = await changeList(tx, clock, before, input, { origin: 'user', kind, userId: caller.userId });
        return present(tx, after);
      });
    },

    async review(caller: UserPrincipal, missionId: string, input: { decision: 'approve' | 'reject'; feedback?: string }) {
      await access.requireMission(caller, missionId, 'write');
      if (input.decision === 'reject' && !input.feedback) {
        throw invalidField('body.feedback', 'required when rejecting: tell the agent what to change');
      }
      return db.transaction(async (tx) => {
        // The PR row before the mission: the order the PR worker and the feedback loop lock in.
        const known = await createPullRequestsRepository(tx).latestFor(missionId);
        const pr = known && (await createPullRequestsRepository(tx).lockTracked(known.id));
        const before = await lockedMission(tx, missionId);
        const approved = input.decision === 'approve';
        // In the review's transaction: a refused review (rolled back) leaves no audit event. No feedback text: it is prompt text.
        const [project] = await tx.select({ organizationId: projects.organizationId }).from(projects).where(eq(projects.id, before.projectId));
        await recordAudit(tx, {
          organizationId: project?.organizationId ?? null, actorType: 'user', actorId: caller.userId, action: approved ? 'mission.approved' : 'mission.rejected',
          targetType: 'mission', targetId: before.id, data: { projectId: before.projectId, from: before.list },
        });
        if (!approved) return present(tx, await rejectWithGuidance(tx, caller, before, input.feedback!, pr?.number ?? null));
        if (before.list !== 'review') {
          throw new AppError(409, 'SU_ERR_MISSION_NOT_IN_REVIEW', `the mission is in ${before.list}, not review; only missions in Review can be approved (rejecting with feedback works from Todo, Doing and Review)`);
        }
        const mode = await lastRunPrMode(tx, before.id);
        if (mode === 'enabled' && (!pr || pr.state === 'merged')) {
          // Done would leave the pushed branch unmerged and unreviewed on GitHub.
          throw conflict(
            'SU_ERR_PULL_REQUEST_MISSING',
            'the pull request of this mission is not open (see its pr.failed event): fix the GitHub connection and POST /api/v1/missions/:missionId/pull-request, or move the mission yourself',
          );
        }
        // Direct mode: an approved branch still has to be merged; a workstation does that next
        // (a merge attempt), and the mission reaches Done when the merge is pushed.
        if (mode !== 'enabled' && before.prBranchName) {
          const now = clock.now();
          const after = await createMissionsRepository(tx).update(before.id, { reviewStatus: 'approved', reviewedBy: caller.userId, updatedAt: now });
          await createMissionEventsRepository(tx).append(
            { missionId: before.id, origin: 'user', kind: 'mission.reviewed', userId: caller.userId, data: { decision: 'approve', feedback: input.feedback ?? null, merge: 'pending' } },
            now,
          );
          return present(tx, after);
        }
        const after = await changeList(
          tx,
          clock,
          before,
          { list: 'done', extra: { reviewStatus: 'approved', reviewedBy: caller.userId } },
          { origin: 'user', kind: 'mission.reviewed', userId: caller.userId, data: { decision: input.decision, feedback: input.feedback ?? null, pullRequest: mode === 'enabled' ? (pr?.number ?? null) : null } },
        );
        if (mode === 'enabled' && pr) {
          // Approval on the board is recorded on the PR's timeline; merging it stays on GitHub.
          const now = clock.now();
          await createPullRequestsRepository(tx).update(pr.id, { reviewState: 'approved', updatedAt: now });
          await createMissionEventsRepository(tx).append(
            { missionId: before.id, origin: 'user', kind: 'pr.approved', userId: caller.userId, data: { number: pr.number, url: pr.url, state: pr.state } },
            now,
          );
        }
        return present(tx, after);
      });
    },
  };
}
export type MissionBoardService = ReturnType<typeof createMissionBoardService>;
