import { clipText } from '@solo-unicorn/shared';
import type { Db, Tx } from '../../db/types.ts';
import type { Clock } from '../../lib/time.ts';
import { changeList } from '../missions/mission-board.service.ts';
import { createMissionEventsRepository } from '../missions/mission-events.repository.ts';
import { createMissionsRepository } from '../missions/missions.repository.ts';
import { notifyProjectAdmins } from '../notifications/notify.ts';
import { createGithubIntegrationsRepository } from './github-integrations.repository.ts';
import type { GithubIntegrationsService } from './github-integrations.service.ts';
import type { GhIssueComment, GhPullState, GhReview, GhReviewComment } from './payloads.ts';
import { createPullRequestsRepository, type PrCommentRow, type TrackedPullRequest } from './pull-requests.repository.ts';

/** A comment, review or inline comment from GitHub, in one shape whatever way it arrived. */
export interface IncomingComment {
  kind: 'review' | 'review_comment' | 'issue_comment';
  githubId: number;
  login: string | null;
  association: string;
  body: string;
  path?: string | null;
  line?: number | null;
  reviewState?: string;
  /** As GitHub sent it: stored only when it is a link people may follow (OutboundPolicy.link). */
  url?: string;
}

/** A comment starting with this asks the agent for changes (e.g. on a PR opened with your own token, where GitHub forbids requesting changes). */
export const COMMAND = '/solo-unicorn';
const WRITE = new Set(['admin', 'maintain', 'write']);
const PERMISSION_TTL_MS = 5 * 60_000;

export const fromReview = (r: GhReview): IncomingComment => ({ kind: 'review', githubId: r.id, login: r.user?.login ?? null, association: r.author_association, body: r.body ?? '', reviewState: r.state.toUpperCase(), url: r.html_url });
export const fromReviewComment = (c: GhReviewComment): IncomingComment => ({ kind: 'review_comment', githubId: c.id, login: c.user?.login ?? null, association: c.author_association, body: c.body, path: c.path, line: c.line ?? null, url: c.html_url });
export const fromIssueComment = (c: GhIssueComment): IncomingComment => ({ kind: 'issue_comment', githubId: c.id, login: c.user?.login ?? null, association: c.author_association, body: c.body ?? '', url: c.html_url });

function requestsChanges(c: IncomingComment): boolean {
  if (c.kind === 'review' && c.reviewState === 'CHANGES_REQUESTED') return true;
  return c.body.trimStart().toLowerCase().startsWith(COMMAND);
}

/**
 * The PR-comment loop. Comments from people with write access become mission events; a change
 * request sends the mission back to Todo for another attempt on the same branch, at most
 * `maxFeedbackCycles` times per PR, after which a person is notified instead. Everything is
 * deduplicated by GitHub's comment id (a unique index), so a redelivered webhook or an overlapping
 * poll changes nothing; the mission's change and its events commit together.
 */
export function createPrFeedback(deps: { db: Db; clock: Clock; integrations: GithubIntegrationsService }) {
  const permissions = new Map<string, { writer: boolean; until: number }>();

  async function isWriter(pr: TrackedPullRequest, login: string | null): Promise<boolean> {
    if (!login) return false;
    const key = `${pr.repositoryId}:${login.toLowerCase()}`;
    const cached = permissions.get(key);
    if (cached && cached.until > Date.now()) return cached.writer;
    const integration = await deps.integrations.forProject(pr.projectId);
    if (!integration) return false;
    const writer = WRITE.has(await integration.client.permission({ owner: pr.owner, repo: pr.repo }, login));
    permissions.set(key, { writer, until: Date.now() + PERMISSION_TTL_MS });
    return writer;
  }

  /** Quotes each piece of feedback with who said it and where: the agent reads this in its prompt. */
  function feedbackText(pr: TrackedPullRequest, comments: PrCommentRow[], cycle: number, max: number): string {
    const lines = [`Review feedback from GitHub pull request #${pr.number} (change request ${cycle} of ${max}):`];
    for (const c of comments) {
      const who = `@${c.authorLogin ?? 'someone'}`;
      const body = (c.body ?? '').trim();
      const text = body.replace(new RegExp(`^${COMMAND.replace('/', '\\/')}\\s*`, 'i'), '');
      const where = c.kind === 'review_comment' ? ` on ${c.path ?? 'a file'}` : c.kind === 'review' ? ' (review: changes requested)' : '';
      lines.push('', `${who}${where}:`, ...(text || '(no text)').split('\n').map((l) => `> ${l}`));
    }
    return lines.join('\n');
  }

  /**
   * Gives unprocessed feedback to the mission when it waits on its PR (Review), or adds it to the
   * pending round when the mission is already back in Todo for one. While an attempt runs (Doing)
   * it waits: the PR worker calls this again once that attempt's PR update is done.
   */
  async function applyPending(tx: Tx, pr: TrackedPullRequest): Promise<void> {
    const prs = createPullRequestsRepository(tx);
    const pending = await prs.unprocessed(pr.id);
    if (pending.length === 0) return;
    const asks = pending.some((c) => c.requestsChanges);
    const missions = createMissionsRepository(tx);
    const mission = await missions.findForUpdate(pr.missionId);
    if (!mission) return;
    const waitingForAttempt = mission.list === 'todo' && mission.reviewStatus === 'rejected';
    // Without a request, comments wait for one — unless a round is already pending, which they
    // join (GitHub delivers a review and its inline comments in any order).
    if (!asks && !waitingForAttempt) return;
    const events = createMissionEventsRepository(tx);
    const now = deps.clock.now();
    // Read in this transaction (not through the service's own connection: PGlite has only one).
    const max = (await createGithubIntegrationsRepository(tx).effectiveFor(pr.projectId))?.maxFeedbackCycles ?? 3;
    const ids = pending.map((c) => c.id);
    if (mission.list === 'doing') return;
    if (mission.list === 'done') {
      await prs.markProcessed(ids, now);
      return;
    }
    if (waitingForAttempt) {
      // The mission already waits for its next attempt: this joins that round's feedback.
      const text = feedbackText(pr, pending, pr.feedbackCycles, max);
      await missions.update(mission.id, { reviewFeedback: `${mission.reviewFeedback ?? ''}\n\n${text}`.trim(), updatedAt: now });
      await events.append({ missionId: mission.id, origin: 'system', kind: 'pr.feedback_added', data: { number: pr.number, comments: pending.map((c) => c.githubCommentId) } }, now);
      await prs.markProcessed(ids, now);
      return;
    }
    if (mission.list !== 'review') return;
    if (pr.feedbackCycles >= max) {
      await prs.markProcessed(ids, now);
      await events.append({
        missionId: mission.id, origin: 'system', kind: 'pr.feedback_cap_reached',
        data: { number: pr.number, cycles: pr.feedbackCycles, max, comments: pending.map((c) => c.githubCommentId), hint: 'a person decides now: reject with guidance, or move the mission' },
      }, now);
      await notifyProjectAdmins(tx, {
        projectId: mission.projectId, missionId: mission.id, kind: 'pr.feedback_cap_reached', segment: 'review',
        title: (project) => `${project}: "${mission.title}" got ${max} rounds of PR feedback; a person should look`,
        body: `Pull request #${pr.number} (${pr.url ?? ''}) asked for changes again. The agent already had ${max} rounds, so it was not sent back.`,
        data: { pullRequestId: pr.id, number: pr.number },
      }, now);
      return;
    }
    const cycle = pr.feedbackCycles + 1;
    await prs.update(pr.id, { feedbackCycles: cycle, reviewState: 'changes_requested', updatedAt: now });
    await changeList(
      tx, deps.clock, mission,
      { list: 'todo', extra: { ready: true, reviewStatus: 'rejected', reviewFeedback: feedbackText(pr, pending, cycle, max) } },
      { origin: 'system', kind: 'mission.changes_requested', data: { number: pr.number, cycle, maxCycles: max, comments: pending.map((c) => c.githubCommentId), by: [...new Set(pending.map((c) => c.authorLogin))] } },
    );
    await prs.markProcessed(ids, now);
  }

  return {
    applyPending,

    /** New comments for one PR (from a webhook or a poll); returns how many were new. */
    async ingest(pr: TrackedPullRequest, incoming: IncomingComment[]): Promise<number> {
      const fresh: IncomingComment[] = [];
      const repo = createPullRequestsRepository(deps.db);
      for (const kind of ['review', 'review_comment', 'issue_comment'] as const) {
        const ofKind = incoming.filter((c) => c.kind === kind);
        const known = await repo.knownCommentIds(pr.id, kind, ofKind.map((c) => c.githubId));
        fresh.push(...ofKind.filter((c) => !known.has(c.githubId)));
      }
      if (fresh.length === 0) return 0;
      // Permissions are asked before anything is written: if GitHub cannot answer, nothing is
      // stored and the next delivery or poll tries again.
      const writers = new Map<string, boolean>();
      for (const c of fresh) if (c.login && !writers.has(c.login)) writers.set(c.login, await isWriter(pr, c.login));

      return deps.db.transaction(async (tx) => {
        const locked = await createPullRequestsRepository(tx).lockTracked(pr.id);
        if (!locked) return 0;
        const prs = createPullRequestsRepository(tx);
        const events = createMissionEventsRepository(tx);
        const now = deps.clock.now();
        let added = 0;
        for (const c of fresh) {
          const writer = c.login ? writers.get(c.login) === true : false;
          // Approvals, and comments without a request, are context; only writers are listened to.
          const asks = writer && requestsChanges(c);
          const row = await prs.insertComment(locked.id, {
            githubCommentId: c.githubId, kind: c.kind, authorLogin: c.login, authorAssociation: c.association,
            body: c.body, path: c.path ?? null, requestsChanges: asks,
            // Inline comments stay pending: they go to the agent with the next change request.
            processedAt: writer && (asks || c.kind === 'review_comment') ? null : now, createdAt: now,
          });
          if (!row) continue; // stored meanwhile by another delivery
          added++;
          if (!writer) continue;
          if (c.kind === 'review' && c.reviewState === 'APPROVED') await prs.update(locked.id, { reviewState: 'approved', updatedAt: now });
          await events.append({
            missionId: locked.missionId, origin: 'system', kind: c.kind === 'review' ? 'pr.review' : 'pr.comment',
            data: {
              number: locked.number, commentId: c.githubId, kind: c.kind, author: c.login, state: c.reviewState ?? null,
              path: c.path ?? null, line: c.line ?? null, body: clipText(c.body, 4000), url: deps.integrations.link(c.url) ?? null, requestsChanges: asks,
            },
          }, now);
        }
        await applyPending(tx, locked);
        return added;
      });
    },

    /** GitHub's view of the PR: merged → the mission is Done; closed unmerged → surfaced to people. */
    async applyState(pr: TrackedPullRequest, gh: Pick<GhPullState, 'state' | 'merged' | 'merged_at' | 'closed_at'>): Promise<void> {
      const merged = gh.merged === true || gh.merged_at !== null;
      const state = merged ? 'merged' : gh.state === 'closed' ? 'closed' : 'open';
      await deps.db.transaction(async (tx) => {
        const locked = await createPullRequestsRepository(tx).lockTracked(pr.id);
        if (!locked || locked.state === state) return;
        const now = deps.clock.now();
        await createPullRequestsRepository(tx).update(locked.id, {
          state, mergedAt: merged ? new Date(gh.merged_at ?? now) : null, closedAt: state === 'open' ? null : new Date(gh.closed_at ?? now), updatedAt: now,
        });
        const mission = await createMissionsRepository(tx).findForUpdate(locked.missionId);
        if (!mission) return;
        const data = { number: locked.number, url: locked.url };
        if (merged) {
          if (mission.list === 'done') {
            await createMissionEventsRepository(tx).append({ missionId: mission.id, origin: 'system', kind: 'pr.merged', data }, now);
            return;
          }
          await changeList(tx, deps.clock, mission, { list: 'done', extra: { agentSessionStatus: 'inactive', reviewStatus: 'approved' } }, { origin: 'system', kind: 'pr.merged', data });
          return;
        }
        await createMissionEventsRepository(tx).append({ missionId: mission.id, origin: 'system', kind: state === 'closed' ? 'pr.closed' : 'pr.reopened', data }, now);
        if (state === 'closed') {
          await notifyProjectAdmins(tx, {
            projectId: mission.projectId, missionId: mission.id, kind: 'pr.closed', segment: 'review',
            title: (project) => `${project}: the pull request of "${mission.title}" was closed without merging`,
            body: `Pull request #${locked.number} (${locked.url ?? ''}) was closed unmerged. The mission stays in ${mission.list}: move it to Done, or send it back with guidance.`,
            data: { pullRequestId: locked.id, number: locked.number },
          }, now);
        }
      });
    },
  };
}
export type PrFeedback = ReturnType<typeof createPrFeedback>;
