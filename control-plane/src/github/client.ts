import type { Octokit } from '@octokit/rest';

/** The parts of GitHub's objects we use (GitHub sends many more fields). */
export interface GhPull {
  number: number;
  html_url: string;
  state: string;
  merged?: boolean;
  merged_at: string | null;
  closed_at: string | null;
  title: string;
  head: { ref: string };
  base: { ref: string };
}
export interface GhUser { login: string }
export interface GhReview { id: number; user: GhUser | null; body: string | null; state: string; author_association: string; html_url?: string }
export interface GhIssueComment { id: number; user: GhUser | null; body?: string | null; author_association: string; html_url?: string }
export interface GhReviewComment { id: number; user: GhUser | null; body: string; path: string; line?: number | null; pull_request_review_id: number | null; author_association: string; html_url?: string }

export interface RepoRef { owner: string; repo: string }
/** A conditional GET: `undefined` data means 304, unchanged since the ETag we sent. */
export interface Conditional<T> { data?: T; etag?: string }

/** A GitHub API failure, with the status and GitHub's message (never the request's token). */
export class GitHubError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'GitHubError';
  }
}

const PAGE = 100;

/**
 * GitHub's REST API through Octokit, for one token and API root (api.github.com or a GitHub
 * Enterprise `/api/v3`). Loaded lazily: a control plane without GitHub never pays for Octokit.
 */
export async function createGitHubClient(opts: { token: string; baseUrl: string }) {
  const { Octokit: OctokitClass } = await import('@octokit/rest');
  const octokit: Octokit = new OctokitClass({
    auth: opts.token,
    baseUrl: opts.baseUrl,
    userAgent: 'solo-unicorn-control-plane',
    // Octokit's own logging would print request URLs; we log outcomes ourselves.
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });

  async function call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const e = error as { status?: number; message?: string; response?: { data?: { message?: string; errors?: { message?: string }[] } } };
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
  async function conditionalList<T>(route: string, params: Record<string, unknown>, etag?: string): Promise<Conditional<T[]>> {
    return call(async () => {
      try {
        const first = await octokit.request(route, { ...params, per_page: PAGE, page: 1, headers: etag ? { 'if-none-match': etag } : {} });
        const items = first.data as T[];
        if (items.length < PAGE) return { data: items, etag: first.headers.etag };
        const all = await octokit.paginate(route, { ...params, per_page: PAGE }) as T[];
        return { data: all };
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
      return (res.data as GhPull[]).sort((a, b) => b.number - a.number)[0];
    },
    async createPull(ref: RepoRef, p: { title: string; head: string; base: string; body: string }): Promise<GhPull> {
      return (await call(() => octokit.rest.pulls.create({ ...ref, ...p }))).data as GhPull;
    },
    async updatePull(ref: RepoRef, number: number, p: { title?: string; body?: string; state?: 'open' | 'closed' }): Promise<GhPull> {
      return (await call(() => octokit.rest.pulls.update({ ...ref, pull_number: number, ...p }))).data as GhPull;
    },
    async getPull(ref: RepoRef, number: number, etag?: string): Promise<Conditional<GhPull>> {
      return call(async () => {
        try {
          const res = await octokit.rest.pulls.get({ ...ref, pull_number: number, headers: etag ? { 'if-none-match': etag } : {} });
          return { data: res.data as GhPull, etag: res.headers.etag };
        } catch (error) {
          if ((error as { status?: number }).status === 304) return { etag };
          throw error;
        }
      });
    },
    reviews: (ref: RepoRef, number: number, etag?: string) =>
      conditionalList<GhReview>('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { ...ref, pull_number: number }, etag),
    reviewComments: (ref: RepoRef, number: number, etag?: string) =>
      conditionalList<GhReviewComment>('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', { ...ref, pull_number: number }, etag),
    issueComments: (ref: RepoRef, number: number, etag?: string) =>
      conditionalList<GhIssueComment>('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...ref, issue_number: number }, etag),
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
