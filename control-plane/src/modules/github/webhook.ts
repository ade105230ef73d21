import { createHmac, timingSafeEqual } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { projectRepositories } from '../../db/schema/index.ts';
import type { Db } from '../../db/types.ts';
import { AppError, invalidField } from '../../errors.ts';
import type { GithubIntegrationsService } from './github-integrations.service.ts';
import { fromIssueComment, fromReview, fromReviewComment, type PrFeedback } from './pr-feedback.ts';
import { GitHubError } from './client.ts';
import { firstIssue, ghIssueComment, ghPullState, ghRepository, ghReview, ghReviewComment, prNumber } from './payloads.ts';
import { createPullRequestsRepository, type TrackedPullRequest } from './pull-requests.repository.ts';

const payloads = {
  pull_request: z.looseObject({ action: z.string().max(64), repository: ghRepository, pull_request: ghPullState }),
  pull_request_review: z.looseObject({ action: z.string().max(64), repository: ghRepository, pull_request: ghPullState, review: ghReview }),
  pull_request_review_comment: z.looseObject({ action: z.string().max(64), repository: ghRepository, pull_request: ghPullState, comment: ghReviewComment }),
  issue_comment: z.looseObject({
    action: z.string().max(64), repository: ghRepository,
    issue: z.looseObject({ number: prNumber, pull_request: z.unknown().optional() }),
    comment: ghIssueComment,
  }),
};

/** `sha256=…` of the body under the secret, compared in constant time. */
export function signatureMatches(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * `POST /api/v1/github/webhook`: GitHub's deliveries about our pull requests. Authenticated by
 * signature only — the secret of a project (or organization) linked to the delivery's repository
 * — and checked before anything is read or written. Redeliveries are harmless (comments are
 * deduplicated by id, state changes are idempotent).
 */
export function createWebhookHandler(deps: { db: Db; integrations: GithubIntegrationsService; feedback: PrFeedback }) {
  /**
   * The projects linked to the repository whose own webhook secret signed this delivery. Only
   * their pull requests are touched: anyone may link any GitHub repository to a project of theirs,
   * so a secret must never speak for another project's PRs.
   */
  async function signedFor(owner: string, name: string, raw: Buffer, signature: string | undefined): Promise<Set<string>> {
    const projects = await deps.db.selectDistinct({ projectId: projectRepositories.projectId }).from(projectRepositories)
      .where(sql`lower(${projectRepositories.githubOwner}) = lower(${owner}) AND lower(${projectRepositories.githubName}) = lower(${name})`);
    const signed = new Set<string>();
    for (const { projectId } of projects) {
      const secret = (await deps.integrations.forProject(projectId))?.webhookSecret;
      if (secret && signatureMatches(secret, raw, signature)) signed.add(projectId);
    }
    return signed;
  }

  async function apply(event: string, p: { action: string }, tracked: TrackedPullRequest[]): Promise<number> {
    let added = 0;
    for (const pr of tracked) {
      if (event === 'pull_request') {
        const d = p as z.infer<typeof payloads.pull_request>;
        if (d.action === 'closed' || d.action === 'reopened') await deps.feedback.applyState(pr, d.pull_request);
      } else if (event === 'pull_request_review' && p.action === 'submitted') {
        added += await deps.feedback.ingest(pr, [fromReview((p as z.infer<typeof payloads.pull_request_review>).review)]);
      } else if (event === 'pull_request_review_comment' && p.action === 'created') {
        added += await deps.feedback.ingest(pr, [fromReviewComment((p as z.infer<typeof payloads.pull_request_review_comment>).comment)]);
      } else if (event === 'issue_comment' && p.action === 'created') {
        added += await deps.feedback.ingest(pr, [fromIssueComment((p as z.infer<typeof payloads.issue_comment>).comment)]);
      }
    }
    return added;
  }

  return async function handle(event: string, signature: string | undefined, raw: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      // Unsigned garbage and signed garbage are both refused; neither is worth more detail.
      throw new AppError(400, 'SU_ERR_MALFORMED_JSON', 'the delivery body is not JSON (set the webhook content type to application/json)');
    }
    const repo = ghRepository.safeParse((json as { repository?: unknown } | null)?.repository);
    if (!repo.success) {
      if (event === 'ping') throw new AppError(401, 'SU_ERR_WEBHOOK_SIGNATURE', 'a ping without a repository cannot be verified: add the webhook on the repository');
      if ((json as { repository?: unknown } | null)?.repository === undefined) throw invalidField('body.repository', 'a GitHub delivery names its repository');
      const { field, message } = firstIssue(repo.error, 'body.repository');
      throw invalidField(field, message);
    }
    const { name, owner } = repo.data;
    const signed = await signedFor(owner.login, name, raw, signature);
    if (signed.size === 0) {
      throw new AppError(401, 'SU_ERR_WEBHOOK_SIGNATURE', `X-Hub-Signature-256 does not match the webhook secret of any project linked to ${owner.login}/${name}`);
    }
    if (event === 'ping') return { status: 200, body: { ok: true } };
    if (!Object.hasOwn(payloads, event)) return { status: 202, body: { ignored: `event ${event}` } };
    // Signed, but not something GitHub sends (a PR number of 1e20, a string id): 400 naming the
    // field. GitHub does not redeliver on its own, so refusing costs no retry storm, and the
    // failed delivery shows in the webhook's log where a person can see why.
    const parsed = payloads[event as keyof typeof payloads].safeParse(json);
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.error, 'body');
      throw invalidField(field, message);
    }
    const p = parsed.data as { action: string; pull_request?: { number: number }; issue?: { number: number; pull_request?: unknown } };
    if (p.issue && !p.issue.pull_request) return { status: 202, body: { ignored: 'a comment on an issue, not a pull request' } };
    const number = p.pull_request?.number ?? p.issue!.number;
    const tracked = (await createPullRequestsRepository(deps.db).byGithubNumber(owner.login, name, number)).filter((pr) => signed.has(pr.projectId));
    if (tracked.length === 0) return { status: 202, body: { ignored: `pull request #${number} is not one of ours` } };

    let added = 0;
    try {
      added = await apply(event, p, tracked);
    } catch (error) {
      // GitHub could not tell us who may write (rate limit, outage): nothing was stored, so a
      // redelivery (or the poller) brings the comment back.
      if (error instanceof GitHubError) throw new AppError(503, 'SU_ERR_GITHUB_UNAVAILABLE', `GitHub did not answer a permission check (${error.message}); redeliver later`);
      throw error;
    }
    return { status: 200, body: { received: true, pullRequests: tracked.map((t) => t.number), newComments: added } };
  };
}
export type WebhookHandler = ReturnType<typeof createWebhookHandler>;
