import { clipText, isStorableText, sanitizeText } from '@solo-unicorn/shared';
import { z } from 'zod';

/**
 * The parts of GitHub's objects we use (GitHub sends many more fields), checked where they enter:
 * webhook deliveries and API answers alike. Numbers must fit the columns they are stored in
 * (a 1e20 PR number used to reach PostgreSQL and come back as a 500); text is kept as written,
 * with NUL and lone surrogates replaced (PostgreSQL refuses them) and clipped to what we store.
 */

/** PostgreSQL `integer`: PR numbers (github_pull_requests.number, missions.github_pr_number). */
export const PG_INTEGER_MAX = 2_147_483_647;
export const prNumber = z.number().int().min(1).max(PG_INTEGER_MAX);
/** GitHub ids: stored in `bigint` read as a JavaScript number, so at most 2^53 - 1. */
export const githubId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
/** GitHub limits a comment to 65,536 characters. */
export const MAX_BODY = 65_536;

const text = (max: number) => z.string().transform((s) => clipText(sanitizeText(s), max));
/** A time we may store: ISO 8601 between 1970 and 9999 (timestamptz takes those; `new Date('x')` does not). */
const time = z.string().max(64).refine((s) => {
  const at = Date.parse(s);
  return Number.isFinite(at) && at >= 0 && at < Date.UTC(10_000, 0, 1);
}, 'must be an ISO 8601 time');
/** A link as GitHub sent it; whether it may be shown is decided when it is stored (OutboundPolicy.link). */
const link = z.string().max(4096).optional();
const user = z.looseObject({ login: z.string().min(1).max(100).transform(sanitizeText) }).nullable();
const association = text(32);

/** What a pull request's state needs: webhooks and API answers. */
export const ghPullState = z.looseObject({
  number: prNumber,
  state: z.string().max(32),
  merged: z.boolean().optional(),
  merged_at: time.nullable().default(null),
  closed_at: time.nullable().default(null),
});
export const ghPull = ghPullState.extend({
  html_url: link,
  title: text(500),
  head: z.looseObject({ ref: z.string().max(255) }),
  base: z.looseObject({ ref: z.string().min(1).max(255).transform(sanitizeText) }),
});
export const ghReview = z.looseObject({
  id: githubId, user, body: text(MAX_BODY).nullable(), state: z.string().max(32), author_association: association, html_url: link,
});
export const ghReviewComment = z.looseObject({
  id: githubId, user, body: text(MAX_BODY), path: text(4096), line: z.number().int().min(0).max(PG_INTEGER_MAX).nullable().optional(),
  pull_request_review_id: githubId.nullable().default(null), author_association: association, html_url: link,
});
export const ghIssueComment = z.looseObject({
  id: githubId, user, body: text(MAX_BODY).nullable().optional(), author_association: association, html_url: link,
});
/** owner/name, as they are matched against linked repositories (before the signature is known to be good). */
const coordinate = z.string().min(1).max(100).refine(isStorableText, 'contains a NUL character or an unpaired UTF-16 surrogate');
export const ghRepository = z.looseObject({ name: coordinate, owner: z.looseObject({ login: coordinate }) });

export type GhPullState = z.output<typeof ghPullState>;
export type GhPull = z.output<typeof ghPull>;
export type GhReview = z.output<typeof ghReview>;
export type GhReviewComment = z.output<typeof ghReviewComment>;
export type GhIssueComment = z.output<typeof ghIssueComment>;

/** The first problem of a failed parse, as `path: message`. */
export function firstIssue(error: z.ZodError, prefix: string): { field: string; message: string } {
  const issue = error.issues[0]!;
  return { field: [prefix, ...issue.path.map(String)].join('.'), message: issue.message };
}
