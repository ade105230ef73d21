import type { Db } from '../../db/types.ts';
import type { Clock } from '../../lib/time.ts';
import type { GithubIntegrationsService } from './github-integrations.service.ts';
import { fromIssueComment, fromReview, fromReviewComment, type IncomingComment, type PrFeedback } from './pr-feedback.ts';
import { createPullRequestsRepository, type TrackedPullRequest } from './pull-requests.repository.ts';
import { createJobTimer } from '../../jobs/job-timer.ts';
import { leaderOnly, type Leadership } from '../../jobs/leadership.ts';

/**
 * For control planes GitHub cannot reach (a laptop behind NAT): polls each open PR for its state,
 * reviews and comments with conditional requests (an unchanged list costs a 304, which GitHub does
 * not count against the rate limit). Webhooks and polls feed the same deduplicated path.
 */
export function createPullRequestPoller(deps: {
  db: Db;
  clock: Clock;
  integrations: GithubIntegrationsService;
  feedback: PrFeedback;
  log: { warn(o: object, m: string): void; error(o: object, m: string): void };
  intervalMs: number;
  batch?: number;
  /** Polls only in the leader instance: N instances would spend N times the GitHub rate limit on the same PRs. */
  leadership?: Leadership;
}) {
  const prs = createPullRequestsRepository(deps.db);
  let running: Promise<number> | undefined;

  async function pollOne(pr: TrackedPullRequest) {
    const integration = await deps.integrations.forProject(pr.projectId);
    if (!integration) return;
    const ref = { owner: pr.owner, repo: pr.repo };
    const etags = { ...pr.etags };
    const pull = await integration.client.getPull(ref, pr.number, etags.pull);
    const [reviews, reviewComments, issueComments] = await Promise.all([
      integration.client.reviews(ref, pr.number, etags.reviews),
      integration.client.reviewComments(ref, pr.number, etags.reviewComments),
      integration.client.issueComments(ref, pr.number, etags.issueComments),
    ]);
    // Inline comments first: they are the context a change request in a review carries.
    const incoming: IncomingComment[] = [
      ...(reviewComments.data ?? []).map(fromReviewComment),
      ...(reviews.data ?? []).filter((r) => r.state !== 'PENDING').map(fromReview),
      ...(issueComments.data ?? []).map(fromIssueComment),
    ];
    if (incoming.length > 0) await deps.feedback.ingest(pr, incoming);
    if (pull.data) await deps.feedback.applyState(pr, pull.data);
    // ETags are kept only once what they cover is stored: a failure above means a full read next time.
    const next = { pull: pull.etag, reviews: reviews.etag, reviewComments: reviewComments.etag, issueComments: issueComments.etag };
    await prs.update(pr.id, {
      etags: Object.fromEntries(Object.entries(next).filter((e): e is [string, string] => typeof e[1] === 'string')),
      updatedAt: deps.clock.now(),
    });
  }

  /** One pass over the open PRs (least recently checked first); returns how many were polled. */
  async function pollOnce(): Promise<number> {
    if (running) return running;
    running = (async () => {
      const open = await prs.openForPolling(deps.batch ?? 100);
      for (const pr of open) {
        try {
          await pollOne(pr);
        } catch (err) {
          deps.log.warn({ err: err instanceof Error ? err.message : String(err), number: pr.number, missionId: pr.missionId }, 'pull request poll failed');
        }
      }
      return open.length;
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  const timer = createJobTimer({
    name: 'pull request polling', everyMs: deps.intervalMs, log: deps.log,
    run: deps.leadership ? leaderOnly(deps.leadership, pollOnce) : pollOnce,
  });
  return { pollOnce, start: timer.start, stop: timer.stop };
}
export type PullRequestPoller = ReturnType<typeof createPullRequestPoller>;
