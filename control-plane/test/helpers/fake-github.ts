import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake of the slice of GitHub's REST API the control plane uses, served over real HTTP so that
 * `@octokit/rest` (with `baseUrl` pointed here) exercises its whole request path. Start one per test.
 */

export interface FakeGitHubOptions {
  /** The only token accepted; default 'ghp_fake_token_0123456789'. */
  token?: string;
  /** A pull's `html_url` (default https://github.com/OWNER/REPO/pull/N): a hostile API may send anything. */
  htmlUrl?: (pull: { owner: string; repo: string; number: number }) => string;
}

export interface FakeCall {
  method: string;
  /** pathname + search */
  path: string;
  status: number;
  /** The parsed JSON body (the raw text when it did not parse). */
  body?: unknown;
  ifNoneMatch?: string;
}

export interface FakePull {
  id: number;
  number: number;
  owner: string;
  repo: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  merged: boolean;
  merged_at: string | null;
  closed_at: string | null;
  /** branch ref */
  head: string;
  base: string;
  draft: boolean;
  created_at: string;
  updated_at: string;
}

export interface GhUser {
  login: string;
  id: number;
}

export interface GhReview {
  id: number;
  user: GhUser;
  body: string;
  state: 'CHANGES_REQUESTED' | 'COMMENTED' | 'APPROVED';
  author_association: string;
  submitted_at: string;
  html_url: string;
  pull_request_url: string;
}

export interface GhIssueComment {
  id: number;
  user: GhUser;
  body: string;
  author_association: string;
  created_at: string;
  updated_at: string;
  html_url: string;
  issue_url: string;
}

export interface GhReviewComment {
  id: number;
  pull_request_review_id: number | null;
  user: GhUser;
  body: string;
  path: string;
  line: number | null;
  author_association: string;
  created_at: string;
  updated_at: string;
  html_url: string;
}

export type FakePermission = 'admin' | 'write' | 'read' | 'none';

export interface FakeGitHub {
  /** e.g. http://127.0.0.1:54321 (no trailing slash) */
  baseUrl: string;
  /** the only token accepted */
  token: string;
  /** every request, in order */
  calls: FakeCall[];
  pulls: FakePull[];
  callsTo(method: string, pathPattern: RegExp): FakeCall[];
  /** Unknown logins have 'read'. */
  setPermission(login: string, permission: FakePermission): void;
  addReview(
    owner: string, repo: string, number: number,
    r: { login: string; state: GhReview['state']; body: string; authorAssociation?: string },
  ): GhReview;
  addIssueComment(owner: string, repo: string, number: number, c: { login: string; body: string; authorAssociation?: string }): GhIssueComment;
  addReviewComment(
    owner: string, repo: string, number: number,
    c: { login: string; body: string; path: string; line?: number; reviewId?: number | null; authorAssociation?: string },
  ): GhReviewComment;
  /** Closes the pull as merged (merged_at and closed_at now). */
  merge(owner: string, repo: string, number: number): FakePull;
  /** Closes the pull without merging. */
  close(owner: string, repo: string, number: number): FakePull;
  /** Builds the webhook payload GitHub would send for these events (JSON objects). */
  payloads: {
    /** event 'pull_request_review', action 'submitted' */
    review(pull: FakePull, review: GhReview): object;
    /** event 'pull_request_review_comment', action 'created' */
    reviewComment(pull: FakePull, comment: GhReviewComment): object;
    /** event 'issue_comment', action 'created' (the issue has a pull_request field) */
    issueComment(pull: FakePull, comment: GhIssueComment): object;
    /** event 'pull_request' */
    pullRequest(pull: FakePull, action: 'closed' | 'reopened' | 'opened'): object;
  };
  stop(): Promise<void>;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface RouteRequest {
  params: string[];
  url: URL;
  body: unknown;
}

interface Thread {
  reviews: GhReview[];
  issueComments: GhIssueComment[];
  reviewComments: GhReviewComment[];
}

const JSON_TYPE = 'application/json; charset=utf-8';
const NOT_FOUND: Reply = { status: 404, body: { message: 'Not Found' } };
const BAD_CREDENTIALS: Reply = { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } };
const BAD_JSON: Reply = { status: 400, body: { message: 'Problems parsing JSON' } };
/** The author of every pull the fake opens (the control plane's bot account). */
const BOT: GhUser = { login: 'su-bot', id: 1 };

/** GitHub's timestamps are ISO 8601 to the second. */
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

const validationFailed = (...errors: object[]): Reply => ({ status: 422, body: { message: 'Validation Failed', errors } });

const nonEmptyString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

const asObject = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** Splits `owner:branch` (or a bare `branch`, owned by defaultOwner) into its parts. */
function splitHead(head: string, defaultOwner: string): { owner: string; ref: string } {
  const colon = head.indexOf(':');
  return colon === -1 ? { owner: defaultOwner, ref: head } : { owner: head.slice(0, colon), ref: head.slice(colon + 1) };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const token = opts.token ?? 'ghp_fake_token_0123456789';
  const calls: FakeCall[] = [];
  const pulls: FakePull[] = [];
  const threads = new Map<FakePull, Thread>();
  const permissions = new Map<string, FakePermission>();
  // GitHub logins are case-insensitive; ids are stable per login within one fake.
  const userIds = new Map<string, number>([[BOT.login, BOT.id]]);
  const repoIds = new Map<string, number>();
  let nextId = 1000;
  let baseUrl = '';

  const user = (login: string): GhUser => {
    const key = login.toLowerCase();
    if (!userIds.has(key)) userIds.set(key, userIds.size + 1);
    return { login, id: userIds.get(key)! };
  };

  const sameRepo = (pull: FakePull, owner: string, repo: string) =>
    pull.owner.toLowerCase() === owner.toLowerCase() && pull.repo.toLowerCase() === repo.toLowerCase();
  const pullsOf = (owner: string, repo: string) => pulls.filter((p) => sameRepo(p, owner, repo));
  const findPull = (owner: string, repo: string, number: number) => pullsOf(owner, repo).find((p) => p.number === number);
  const openPullWithHead = (owner: string, repo: string, ref: string) =>
    pullsOf(owner, repo).find((p) => p.state === 'open' && p.head === ref);

  const thread = (pull: FakePull): Thread => {
    let found = threads.get(pull);
    if (!found) threads.set(pull, (found = { reviews: [], issueComments: [], reviewComments: [] }));
    return found;
  };

  /** The pull the test helpers act on; a missing one is a mistake in the test. */
  const requirePull = (owner: string, repo: string, number: number): FakePull => {
    const pull = findPull(owner, repo, number);
    if (!pull) throw new Error(`fake GitHub: no pull ${owner}/${repo}#${number}`);
    return pull;
  };

  const apiUrl = (pull: FakePull, kind: 'pulls' | 'issues') => `${baseUrl}/repos/${pull.owner}/${pull.repo}/${kind}/${pull.number}`;
  const htmlUrl = opts.htmlUrl ?? ((pull: FakePull) => `https://github.com/${pull.owner}/${pull.repo}/pull/${pull.number}`);

  const pullJson = (pull: FakePull) => ({
    id: pull.id,
    number: pull.number,
    node_id: `PR_fake${pull.id}`,
    html_url: htmlUrl(pull),
    url: apiUrl(pull, 'pulls'),
    state: pull.state,
    merged: pull.merged,
    merged_at: pull.merged_at,
    closed_at: pull.closed_at,
    title: pull.title,
    body: pull.body,
    draft: pull.draft,
    user: BOT,
    head: { ref: pull.head, label: `${pull.owner}:${pull.head}`, sha: 'f'.repeat(40) },
    base: { ref: pull.base },
    created_at: pull.created_at,
    updated_at: pull.updated_at,
  });

  const repositoryJson = (owner: string, repo: string) => {
    const key = `${owner}/${repo}`.toLowerCase();
    if (!repoIds.has(key)) repoIds.set(key, 7000 + repoIds.size);
    return { id: repoIds.get(key)!, name: repo, full_name: `${owner}/${repo}`, owner: { login: owner } };
  };

  /** One page of items, with GitHub's `link` header when more pages follow. */
  const paginated = (items: unknown[], url: URL): Reply => {
    const positive = (name: string) => {
      const value = Number(url.searchParams.get(name));
      return Number.isInteger(value) && value > 0 ? value : undefined;
    };
    const perPage = Math.min(positive('per_page') ?? 30, 100);
    const page = positive('page') ?? 1;
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const reply: Reply = { status: 200, body: items.slice((page - 1) * perPage, page * perPage) };
    if (page < last) {
      const pageUrl = (n: number) => {
        const params = new URLSearchParams(url.searchParams);
        params.set('page', String(n));
        return `${baseUrl}${url.pathname}?${params}`;
      };
      reply.headers = { link: `<${pageUrl(page + 1)}>; rel="next", <${pageUrl(last)}>; rel="last"` };
    }
    return reply;
  };

  /** Route handlers for one pull: 404 unless `/repos/:o/:r/pulls/:n` (or issues/:n) exists. */
  const onPull = (handle: (pull: FakePull, req: RouteRequest) => Reply) => (req: RouteRequest): Reply => {
    const [owner, repo, number] = req.params as [string, string, string];
    const pull = findPull(owner, repo, Number(number));
    return pull ? handle(pull, req) : NOT_FOUND;
  };

  const listPulls = ({ params, url }: RouteRequest): Reply => {
    const [owner, repo] = params as [string, string];
    const state = url.searchParams.get('state') ?? 'open';
    const headParam = url.searchParams.get('head');
    const head = headParam === null ? undefined : splitHead(headParam, owner);
    const matching = pullsOf(owner, repo)
      .filter((p) => state === 'all' || p.state === state)
      .filter((p) => !head || (p.owner.toLowerCase() === head.owner.toLowerCase() && p.head === head.ref))
      // GitHub's default order: newest first.
      .sort((a, b) => b.number - a.number);
    return paginated(matching.map(pullJson), url);
  };

  const createPull = ({ params, body }: RouteRequest): Reply => {
    const [owner, repo] = params as [string, string];
    const input = asObject(body);
    const title = nonEmptyString(input.title);
    const head = nonEmptyString(input.head);
    const base = nonEmptyString(input.base);
    if (!title || !head || !base) {
      const missing = (['title', 'head', 'base'] as const).filter((field) => !nonEmptyString(input[field]));
      return validationFailed(...missing.map((field) => ({ resource: 'PullRequest', field, code: 'missing_field' })));
    }
    // Forks are out of scope: an `owner:` prefix on head is dropped and the branch lives in this repo.
    const { ref } = splitHead(head, owner);
    const existing = openPullWithHead(owner, repo, ref);
    if (existing) {
      return validationFailed({ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${existing.owner}:${ref}.` });
    }
    const number = Math.max(0, ...pullsOf(owner, repo).map((p) => p.number)) + 1;
    const at = now();
    const pull: FakePull = {
      id: 5000 + number, number, owner, repo, title, body: typeof input.body === 'string' ? input.body : null,
      state: 'open', merged: false, merged_at: null, closed_at: null, head: ref, base, draft: input.draft === true,
      created_at: at, updated_at: at,
    };
    pulls.push(pull);
    return { status: 201, body: pullJson(pull) };
  };

  const updatePull = onPull((pull, { body }) => {
    const input = asObject(body);
    const state = input.state;
    if (state !== undefined && state !== 'open' && state !== 'closed') {
      return validationFailed({ resource: 'PullRequest', field: 'state', code: 'invalid' });
    }
    const reopening = state === 'open' && pull.state === 'closed';
    if (reopening && pull.merged) {
      return validationFailed({ resource: 'PullRequest', code: 'custom', message: 'state cannot be changed. The pull request has been merged.' });
    }
    if (reopening && openPullWithHead(pull.owner, pull.repo, pull.head)) {
      return validationFailed({ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${pull.owner}:${pull.head}.` });
    }
    const at = now();
    if (reopening) {
      pull.state = 'open';
      pull.closed_at = null;
    } else if (state === 'closed' && pull.state === 'open') {
      pull.state = 'closed';
      pull.closed_at = at;
    }
    if (typeof input.title === 'string') pull.title = input.title;
    if (input.body !== undefined) pull.body = typeof input.body === 'string' ? input.body : null;
    if (typeof input.base === 'string') pull.base = input.base;
    pull.updated_at = at;
    return { status: 200, body: pullJson(pull) };
  });

  const permission = ({ params }: RouteRequest): Reply => {
    const login = params[2]!;
    const level = permissions.get(login.toLowerCase()) ?? 'read';
    return { status: 200, body: { permission: level, role_name: level, user: user(login) } };
  };

  const repoPath = String.raw`^/repos/([^/]+)/([^/]+)`;
  const routes: Array<{ method: string; pattern: RegExp; handle: (req: RouteRequest) => Reply }> = [
    { method: 'GET', pattern: new RegExp(`${repoPath}/pulls$`), handle: listPulls },
    { method: 'POST', pattern: new RegExp(`${repoPath}/pulls$`), handle: createPull },
    { method: 'GET', pattern: new RegExp(`${repoPath}/pulls/(\\d+)$`), handle: onPull((pull) => ({ status: 200, body: pullJson(pull) })) },
    { method: 'PATCH', pattern: new RegExp(`${repoPath}/pulls/(\\d+)$`), handle: updatePull },
    { method: 'GET', pattern: new RegExp(`${repoPath}/pulls/(\\d+)/reviews$`), handle: onPull((pull, { url }) => paginated(thread(pull).reviews, url)) },
    { method: 'GET', pattern: new RegExp(`${repoPath}/issues/(\\d+)/comments$`), handle: onPull((pull, { url }) => paginated(thread(pull).issueComments, url)) },
    { method: 'GET', pattern: new RegExp(`${repoPath}/pulls/(\\d+)/comments$`), handle: onPull((pull, { url }) => paginated(thread(pull).reviewComments, url)) },
    { method: 'GET', pattern: new RegExp(`${repoPath}/collaborators/([^/]+)/permission$`), handle: permission },
  ];

  const authorized = (req: IncomingMessage) => {
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    return match?.[1] === token;
  };

  const route = (method: string, url: URL, body: unknown): Reply => {
    for (const candidate of routes) {
      const match = candidate.method === method ? candidate.pattern.exec(url.pathname) : null;
      if (match) return candidate.handle({ params: match.slice(1).map(decodeURIComponent), url, body });
    }
    return NOT_FOUND;
  };

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', baseUrl);
    const ifNoneMatch = req.headers['if-none-match'];
    const raw = await readBody(req);
    let body: unknown;
    let parsed = true;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
      parsed = false;
    }
    const reply = !authorized(req) ? BAD_CREDENTIALS : !parsed ? BAD_JSON : route(method, url, body);

    let status = reply.status;
    let text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    const headers: Record<string, string> = { ...reply.headers };
    if (method === 'GET' && status === 200) {
      headers.etag = `W/"${createHash('sha1').update(text).digest('hex')}"`;
      if (ifNoneMatch === headers.etag) {
        status = 304;
        text = '';
      }
    }
    if (status !== 304) headers['content-type'] = JSON_TYPE;
    calls.push({ method, path: url.pathname + url.search, status, body, ifNoneMatch });
    res.writeHead(status, headers).end(text);
  };

  const server = createServer((req, res) => {
    // A bug in the fake answers 500 so the test fails loudly rather than hanging on the request.
    serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': JSON_TYPE });
      res.end(JSON.stringify({ message: `fake GitHub: ${String(error)}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let stopping: Promise<void> | undefined;

  return {
    baseUrl,
    token,
    calls,
    pulls,
    callsTo: (method, pathPattern) => calls.filter((c) => c.method === method.toUpperCase() && pathPattern.test(c.path)),
    setPermission: (login, level) => void permissions.set(login.toLowerCase(), level),

    addReview(owner, repo, number, r) {
      const pull = requirePull(owner, repo, number);
      const id = nextId++;
      const review: GhReview = {
        id, user: user(r.login), body: r.body, state: r.state, author_association: r.authorAssociation ?? 'COLLABORATOR',
        submitted_at: now(), html_url: `${htmlUrl(pull)}#pullrequestreview-${id}`, pull_request_url: apiUrl(pull, 'pulls'),
      };
      thread(pull).reviews.push(review);
      return review;
    },

    addIssueComment(owner, repo, number, c) {
      const pull = requirePull(owner, repo, number);
      const id = nextId++;
      const at = now();
      const comment: GhIssueComment = {
        id, user: user(c.login), body: c.body, author_association: c.authorAssociation ?? 'COLLABORATOR',
        created_at: at, updated_at: at, html_url: `${htmlUrl(pull)}#issuecomment-${id}`, issue_url: apiUrl(pull, 'issues'),
      };
      thread(pull).issueComments.push(comment);
      return comment;
    },

    addReviewComment(owner, repo, number, c) {
      const pull = requirePull(owner, repo, number);
      const id = nextId++;
      const at = now();
      const comment: GhReviewComment = {
        id, pull_request_review_id: c.reviewId ?? null, user: user(c.login), body: c.body, path: c.path, line: c.line ?? null,
        author_association: c.authorAssociation ?? 'COLLABORATOR', created_at: at, updated_at: at,
        html_url: `${htmlUrl(pull)}#discussion_r${id}`,
      };
      thread(pull).reviewComments.push(comment);
      return comment;
    },

    merge(owner, repo, number) {
      const pull = requirePull(owner, repo, number);
      const at = now();
      pull.state = 'closed';
      pull.merged = true;
      pull.merged_at = pull.closed_at = pull.updated_at = at;
      return pull;
    },

    close(owner, repo, number) {
      const pull = requirePull(owner, repo, number);
      const at = now();
      pull.state = 'closed';
      pull.closed_at = pull.updated_at = at;
      return pull;
    },

    payloads: {
      review: (pull, review) => ({
        action: 'submitted', review, pull_request: pullJson(pull), repository: repositoryJson(pull.owner, pull.repo), sender: review.user,
      }),
      reviewComment: (pull, comment) => ({
        action: 'created', comment, pull_request: pullJson(pull), repository: repositoryJson(pull.owner, pull.repo), sender: comment.user,
      }),
      issueComment: (pull, comment) => ({
        action: 'created',
        issue: {
          number: pull.number, title: pull.title, body: pull.body, state: pull.state, user: BOT,
          url: apiUrl(pull, 'issues'), html_url: htmlUrl(pull),
          pull_request: { url: apiUrl(pull, 'pulls'), html_url: htmlUrl(pull), merged_at: pull.merged_at },
          created_at: pull.created_at, updated_at: pull.updated_at, closed_at: pull.closed_at,
        },
        comment,
        repository: repositoryJson(pull.owner, pull.repo),
        sender: comment.user,
      }),
      pullRequest: (pull, action) => ({
        action, number: pull.number, pull_request: pullJson(pull), repository: repositoryJson(pull.owner, pull.repo), sender: BOT,
      }),
    },

    stop() {
      stopping ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Drop keep-alive sockets (fetch keeps them open), or close() waits for them to time out.
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

/** `sha256=<hex hmac>` of the exact body bytes, as GitHub's X-Hub-Signature-256 header. */
export function signWebhook(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * POSTs a webhook delivery the way GitHub does. X-Hub-Signature-256 is `signature` when given (to send a
 * wrong one), else computed from `secret`, else left off. Returns the status and the body (JSON when it parses).
 */
export async function deliverWebhook(
  url: string, event: string, payload: object, opts: { secret?: string; signature?: string; deliveryId?: string },
): Promise<{ status: number; body: any }> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': opts.deliveryId ?? randomUUID(),
  };
  const signature = opts.signature ?? (opts.secret === undefined ? undefined : signWebhook(opts.secret, body));
  if (signature !== undefined) headers['x-hub-signature-256'] = signature;
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}
