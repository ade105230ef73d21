import { z } from 'zod';
import { idSchema } from '../ids.ts';

/** `PUT /projects/:id/github` and `PUT /organizations/:id/github`: connect GitHub (a project's own wins). */
export const putGithubIntegrationBody = z.strictObject({
  /** A fine-grained or classic token (or a GitHub App installation token) with pull-request write access. */
  // GitHub tokens are printable ASCII: anything else is refused here, not cut mid-character into
  // its hint (a lone surrogate the database refuses).
  token: z.string().trim().min(8, 'too short to be a GitHub token').max(500).regex(/^[\x21-\x7e]+$/, 'a token is printable ASCII, without spaces'),
  /** The secret configured on the repository's webhook; deliveries are checked against it. */
  webhookSecret: z.string().min(16, 'use at least 16 characters').max(200).optional(),
  /**
   * GitHub Enterprise: `https://HOST/api/v3`. Defaults to the server's SU_GITHUB_API_URL. Public
   * https only (else 400 SU_ERR_URL_NOT_ALLOWED) unless the operator's SU_OUTBOUND_ALLOW names the host.
   */
  apiBaseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(500).optional(),
  /** PR-comment change requests per pull request before a person is notified instead (default 3). */
  maxFeedbackCycles: z.number().int().min(0).max(50).optional(),
});
export type PutGithubIntegrationBody = z.infer<typeof putGithubIntegrationBody>;

/** What the API shows of a connection: never the token, only its last characters. */
export const githubIntegrationSchema = z.object({
  scope: z.enum(['project', 'organization']),
  organizationId: idSchema,
  projectId: idSchema.nullable(),
  tokenHint: z.string(),
  webhookSecretSet: z.boolean(),
  apiBaseUrl: z.string(),
  maxFeedbackCycles: z.number().int(),
  updatedAt: z.string(),
});
export type GithubIntegration = z.infer<typeof githubIntegrationSchema>;

export const pullRequestCommentSchema = z.object({
  id: idSchema,
  githubCommentId: z.number().int(),
  kind: z.enum(['review', 'review_comment', 'issue_comment']),
  authorLogin: z.string().nullable(),
  body: z.string().nullable(),
  path: z.string().nullable(),
  requestsChanges: z.boolean(),
  processedAt: z.string().nullable(),
  createdAt: z.string(),
});

export const pullRequestSchema = z.object({
  id: idSchema,
  missionId: idSchema,
  repositoryId: idSchema,
  number: z.number().int(),
  /** GitHub's page of the PR: an http(s) URL, or null when GitHub sent none we may show. */
  url: z.string().nullable(),
  title: z.string().nullable(),
  state: z.enum(['open', 'closed', 'merged']),
  headBranch: z.string(),
  baseBranch: z.string(),
  headCommit: z.string().nullable(),
  reviewState: z.string().nullable(),
  feedbackCycles: z.number().int(),
  mergedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  createdAt: z.string(),
  comments: z.array(pullRequestCommentSchema),
});
export type PullRequest = z.infer<typeof pullRequestSchema>;
