import type { Octokit } from '@octokit/rest';
import type { z } from 'zod';
import { OutboundUrlRefused } from '../../lib/outbound-url.ts';
import { firstIssue, ghIssueComment, ghPull, ghReview, ghReviewComment, type GhPull } from './payloads.ts';

export type { GhIssueComment, GhPull, GhReview, GhReviewComment } from './payloads.ts';

export interface RepoRef { owner: string; repo: string }
/** A conditional GET: `undefined` data means 304, unchanged since the ETag we sent. */
export interface Conditional<T> { data?: T; etag?: string }

/**
 * A GitHub API failure, with the status and GitHub's message (never the request's token).
 * `permanent`: no retry helps (the API address is refused by the outbound policy).
 */
export class GitHubError extends Error {
  constructor(readonly status: number, message: string, readonly permanent = false) {
    super(message);
    this.name = 'GitHubError';
  }
}

/** An answer we cannot use: a GitHub object outside what we store (a hostile or broken API). */
function parsed<S extends z.ZodType>(schema: S, data: unknown, what: string): z.output<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const { field, message } = firstIssue(r.error, what);
  throw new GitHubError(502, `GitHub answered with an unusable ${what} (${field}: ${message})`);
}
/** The items of a list we can use; an unusable one is skipped rather than blocking the rest. */
const usable = <S extends z.ZodType>(schema: S, items: unknown): z.output<S>[] =>
  (Array.isArray(items) ? items : []).flatMap((x) => {
    const r = schema.safeParse(x);
    return r.success ? [r.data] : [];
  });

const PAGE = 100;

/**
 * GitHub's REST API through Octokit, for one token and API root (api.github.com or a GitHub
 * Enterprise `/api/v3`). Loaded lazily: a control plane without GitHub never pays for Octokit.
 */
export async function createGitHubClient(opts: { token: string; baseUrl: string; fetch: typeof fetch }) {
  const { Octokit: OctokitClass } = await import('@octokit/rest');
  const octokit: Octokit = new OctokitClass({
    auth: opts.token,
    baseUrl: opts.baseUrl,
    userAgent: 'solo-unicorn-control-plane',
    // Every request (pagination links and redirects included) goes through the outbound policy.
    request: { fetch: opts.fetch },
    // Octokit's own logging would print request URLs; we log outcomes ourselves.
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });

  async function call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const e = error as { status?: number; message?: string; cause?: unknown; response?: { data?: { message?: string; errors?: { message?: string }[] } } };
      if (error instanceof GitHubError) throw error;
      if (e.cause instanceof OutboundUrlRefused) throw new GitHubError(0, `the GitHub API address is refused: ${e.cause.message}`, true);
      if (typeof e.status !== 'number') throw new GitHubError(0, `GitHub unreachable: ${e.message ?? String(error)}`);
      const data = e.response?.data;
      const detail = data?.errors?.map((x) => x.message).filter(Boolean).join('; ');
      throw new GitHubError(e.status, `${data?.message ?? e.message ?? 'GitHub error'}${detail ? ` (${detail})` : ''}`);
    }
  }

  /**
   * A list, conditionally when it fits one page: a new item on page 2 would not change page 1's
   * ETag, so longer lists are fetched whole (and without an ETag for next time).
   */
  async function conditionalList<S extends z.ZodType>(route: string, params: Record<string, unknown>, schema: S, etag?: string): Promise<Conditional<z.output<S>[]>> {
    return call(async () => {
      try {
        const first = await octokit.request(route, { ...params, per_page: PAGE, page: 1, headers: etag ? { 'if-none-match': etag } : {} });
        const items = Array.isArray(first.data) ? first.data : [];
        if (items.length < PAGE) return { data: usable(schema, items), etag: first.headers.etag };
        const all = await octokit.paginate(route, { ...params, per_page: PAGE });
        return { data: usable(schema, all) };
      } catch (error) {
        if ((error as { status?: number }).status === 304) return { etag };
        throw error;
      }
    });
  }

  return {
    /** The newest pull request (any state) from `branch` of the repository itself, if any. */
    async findPullByHead(ref: RepoRef, branch: string): Promise<GhPull | undefined> {
      const res = await call(() => octokit.rest.pulls.list({ ...ref, head: `${ref.owner}:${branch}`, state: 'all', per_page: 10 }));
      return usable(ghPull, res.data).sort((a, b) => b.number - a.number)[0];
    },
    async createPull(ref: RepoRef, p: { title: string; head: string; base: string; body: string }): Promise<GhPull> {
      return parsed(ghPull, (await call(() => octokit.rest.pulls.create({ ...ref, ...p }))).data, 'pull request');
    },
    async updatePull(ref: RepoRef, number: number, p: { title?: string; body?: string; state?: 'open' | 'closed' }): Promise<GhPull> {
      return parsed(ghPull, (await call(() => octokit.rest.pulls.update({ ...ref, pull_number: number, ...p }))).data, 'pull request');
    },
    async getPull(ref: RepoRef, number: number, etag?: string): Promise<Conditional<GhPull>> {
      return call(async () => {
        try {
          const res = await octokit.rest.pulls.get({ ...ref, pull_number: number, headers: etag ? { 'if-none-match': etag } : {} });
          return { data: parsed(ghPull, res.data, 'pull request'), etag: res.headers.etag };
        } catch (error) {
          if ((error as { status?: number }).status === 304) return { etag };
          throw error;
        }
      });
    },
    reviews: (ref: RepoRef, number: number, etag?: string) =>
      conditionalList('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { ...ref, pull_number: number }, ghReview, etag),
    reviewComments: (ref: RepoRef, number: number, etag?: string) =>
      conditionalList('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', { ...ref, pull_number: number }, ghReviewComment, etag),
    issueComments: (ref: RepoRef, number: number, etag?: string) =>
      conditionalList('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...ref, issue_number: number }, ghIssueComment, etag),
    /** `admin`, `write`, `read` or `none`: GitHub's permission of a user on the repository. */
    async permission(ref: RepoRef, login: string): Promise<string> {
      try {
        const res = await call(() => octokit.rest.repos.getCollaboratorPermissionLevel({ ...ref, username: login }));
        return res.data.permission;
      } catch (error) {
        if (error instanceof GitHubError && error.status === 404) return 'none'; // not a collaborator
        throw error;
      }
    },
  };
}
export type GitHubClient = Awaited<ReturnType<typeof createGitHubClient>>;
