import type { PullRequest } from '@solo-unicorn/shared';
import type { Db } from '../../db/types.ts';
import { invalidField } from '../../errors.ts';
import { createPrJobsRepository } from './pr-jobs.repository.ts';
import { createPullRequestsRepository } from './pull-requests.repository.ts';
import { iso, isoOrNull, type Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { createMissionEventsRepository } from '../missions/mission-events.repository.ts';
import { createMissionsRepository } from '../missions/missions.repository.ts';

/** A stored link as served: http(s) only (rows stored before links were checked may hold anything). */
const httpUrl = (url: string | null) => (url !== null && /^https?:\/\//i.test(url) ? url : null);

/** A mission's pull requests as the API shows them, and a way to (re)open one by hand. */
export function createPullRequestsService(db: Db, access: AccessService, clock: Clock, onQueued: () => void) {
  return {
    async list(caller: UserPrincipal, missionId: string): Promise<PullRequest[]> {
      await access.requireMission(caller, missionId, 'read');
      return (await createPullRequestsRepository(db).listForMission(missionId)).map(({ pr, comments }) => ({
        id: pr.id, missionId: pr.missionId, repositoryId: pr.repositoryId, number: pr.number, url: httpUrl(pr.url), title: pr.title,
        state: pr.state, headBranch: pr.headBranch, baseBranch: pr.baseBranch, headCommit: pr.headCommit, reviewState: pr.reviewState,
        feedbackCycles: pr.feedbackCycles, mergedAt: isoOrNull(pr.mergedAt), closedAt: isoOrNull(pr.closedAt), createdAt: iso(pr.createdAt),
        comments: comments.map((c) => ({
          id: c.id, githubCommentId: Number(c.githubCommentId), kind: c.kind as 'review' | 'review_comment' | 'issue_comment',
          authorLogin: c.authorLogin, body: c.body, path: c.path, requestsChanges: c.requestsChanges,
          processedAt: isoOrNull(c.processedAt), createdAt: iso(c.createdAt),
        })),
      }));
    },

    /** Opens (or updates) the PR of a mission whose branch is pushed: after fixing a token, say. */
    async request(caller: UserPrincipal, missionId: string) {
      await access.requireMission(caller, missionId, 'write');
      await db.transaction(async (tx) => {
        const mission = await createMissionsRepository(tx).findForUpdate(missionId);
        if (!mission?.prBranchName) throw invalidField('missionId', 'the mission has no pushed branch yet: run it first');
        const now = clock.now();
        await createPrJobsRepository(tx).enqueue({ missionId, attemptId: null, headCommit: null }, now);
        await createMissionEventsRepository(tx).append({ missionId, origin: 'user', kind: 'pr.requested', userId: caller.userId, data: { branch: mission.prBranchName } }, now);
      });
      onQueued();
      return { queued: true };
    },
  };
}
export type PullRequestsService = ReturnType<typeof createPullRequestsService>;
