import { vendorFiles } from '../../src/plugins/web-vendor.ts';
import { defaultWebRoot } from '../../src/plugins/web-board.ts';
import { signWebhook } from '../helpers/fake-github.ts';
import { type Answer, anyUser, type Outcome, instanceAdminOnly, org, ownersOwn, project, publicProject, publicRoute, type Rule, workstationOnly } from './helpers/authz-rules.ts';
import { daemonProbe, realtimeProbe, webFiles, type WsProbe } from './helpers/authz-routes.ts';
import { type Principal, templateBody, unique, type World } from './helpers/authz-world.ts';

/**
 * The authorization matrix: one row per route of the app (`METHOD /path` exactly as fastify
 * registers it). Each row says what a caller needs (a rule over the principal, from README
 * "Users and access") and how to build a request an authorized caller would see succeed, aimed
 * at org A's real resources. A route without a row, or a row without a route, fails the suite.
 *
 * Path params are filled from the world by name (:orgId → org A, :projectId → P, …) unless the
 * row's `params` says otherwise; rows that change or delete their target make a fresh one per
 * cell (setup as org A's owner, not counted).
 */
export interface Cell {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  socket?: WsProbe;
}

export interface Row {
  route: string;
  rule: Rule;
  /**
   * The same request against org A's public project Q (and its mission) instead of P, for rows
   * that only need a project or mission and make no P-specific target; undefined otherwise.
   */
  publicRule?: Rule;
  build(w: World, p: Principal, target?: 'P' | 'Q'): Promise<Cell>;
  /** Domain answers that prove the caller got past authorization (a 409 on state, say). */
  passes?: (res: Answer) => boolean;
}

interface RowOptions {
  /** The URL when it is not the route with its params filled (a wildcard route). */
  path?: string;
  params?: (w: World, p: Principal) => Promise<Record<string, string>> | Record<string, string>;
  query?: (w: World) => string;
  body?: unknown | ((w: World, p: Principal) => unknown);
  headers?: (w: World, body: unknown) => Record<string, string>;
  socket?: (w: World, p: Principal, path: string) => WsProbe;
  passes?: (res: Answer) => boolean;
  /** The body names P's own flow, actor or repository: no twin on Q. */
  onlyP?: boolean;
  /** The twin's rule when it is not publicProject(need). */
  publicRule?: Rule;
}

const defaults = (w: World, target: 'P' | 'Q'): Record<string, string> => ({
  orgId: w.orgA, projectId: target === 'P' ? w.project : w.publicProject, missionId: target === 'P' ? w.mission : w.publicMission,
  templateId: w.template, runId: w.run, workstationId: w.workstation, notificationId: w.notification, digestId: w.digest,
});

function row(route: string, rule: Rule, opts: RowOptions = {}): Row {
  const path = route.slice(route.indexOf(' ') + 1);
  const names = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const twin = rule.need && !opts.params && !opts.onlyP && names.length > 0 && names.every((n) => n === 'projectId' || n === 'missionId');
  return {
    route, rule, passes: opts.passes,
    publicRule: twin ? (opts.publicRule ?? publicProject(rule.need!, names.includes('missionId') ? 404 : 403)) : undefined,
    async build(w, p, target = 'P') {
      const params = { ...defaults(w, target), ...(await opts.params?.(w, p)) };
      let url = (opts.path ?? path).replace(/:(\w+)/g, (_, name: string) => {
        if (!params[name]) throw new Error(`row ${route}: no value for :${name}`);
        return params[name]!;
      });
      if (opts.query) url += `?${opts.query(w)}`;
      const body = await (typeof opts.body === 'function' ? (opts.body as (w: World, p: Principal) => unknown)(w, p) : opts.body);
      return { path: url, body, headers: opts.headers?.(w, body), socket: opts.socket?.(w, p, url) };
    },
  };
}

const api = (route: string) => route.replace(' ', ' /api/v1');

/** Project P as anyone signed in who can see it: members of org A and P's outside collaborators (other outsiders do not see P). */
const seesProject: Rule = Object.assign((p: Principal): Outcome => (p.kind !== 'user' ? 401 : p.instanceAdmin || p.orgRole || p.outside ? 'ok' : 404), { need: 'read' as const });

/** As `rule`, except that P's outside collaborators are refused (403): a thing of the organization's, not P's. */
function outsideRefused(rule: Rule): Rule {
  return Object.assign((p: Principal): Outcome => (p.outside && !p.orgRole ? 403 : rule(p)), { need: rule.need });
}

/** A pending request on P by a fresh viewer of org A (a decided one would answer 409 to everyone). */
async function freshAccessRequest(w: World) {
  const email = `${unique('asker')}@authz.example.com`;
  const user = (await w.app.admin.post('/api/v1/users', { email })).body;
  const key = (await w.app.admin.post('/api/v1/api-keys', { userId: user.id, name: email })).body.key;
  await w.owner.post(`/api/v1/organizations/${w.orgA}/members`, { userId: user.id, role: 'viewer' });
  const asked = await w.app.as(key).post(`/api/v1/projects/${w.project}/access-requests`, { role: 'member' });
  if (asked.status !== 201) throw new Error(`access request: ${JSON.stringify(asked.body)}`);
  return asked.body.id as string;
}

export const rows: Row[] = [
  // Outside /api: the board, the docs, health and metrics need no key (a bad one changes nothing).
  ...['/', '/healthz', '/readyz', '/metrics', '/docs', '/docs/', '/docs/json', '/docs/yaml', '/docs/static/index.html', '/docs/static/swagger-initializer.js']
    .map((path) => row(`GET ${path}`, publicRoute)),
  row('GET /docs/*', publicRoute, { path: '/docs/static/swagger-ui.css' }),
  // One route per file of the web board (a file added to web/ gets its row from here).
  ...webFiles(defaultWebRoot()).filter((file) => file !== '/').map((file) => row(`GET ${file}`, publicRoute)),
  ...Object.keys(vendorFiles).map((file) => row(`GET ${file}`, publicRoute)),

  // Users and API keys
  row(api('POST /users'), instanceAdminOnly, { body: () => ({ email: `${unique('new')}@authz.example.com` }) }),
  row(api('GET /users/me'), anyUser),
  row(api('DELETE /users/:userId'), instanceAdminOnly, { params: async (w) => ({ userId: await w.fresh.outsider() }) }),
  row(api('POST /api-keys'), anyUser, { body: { name: 'matrix' } }),
  row(api('GET /api-keys'), anyUser),
  row(api('DELETE /api-keys/:id'), ownersOwn('ok'), { params: async (w) => ({ id: await w.fresh.ownerKey() }) }),
  row(api('POST /realtime/tickets'), anyUser),

  // Organizations
  row(api('POST /organizations'), anyUser, { body: () => ({ name: unique('org') }) }),
  row(api('GET /organizations'), anyUser),
  row(api('GET /organizations/:orgId'), org('read')),
  row(api('POST /organizations/:orgId/members'), org('admin'), { body: async (w: World) => ({ userId: await w.fresh.outsider(), role: 'member' }) }),
  row(api('GET /organizations/:orgId/members'), org('read')),
  row(api('PATCH /organizations/:orgId/members/:userId'), org('admin'), { params: async (w) => ({ userId: await w.fresh.orgMember() }), body: { role: 'viewer' } }),
  row(api('DELETE /organizations/:orgId/members/:userId'), org('admin'), { params: async (w) => ({ userId: await w.fresh.orgMember() }) }),
  row(api('PUT /organizations/:orgId/github'), org('admin'), { body: { token: 'ghp_authzmatrixtoken' } }),
  row(api('GET /organizations/:orgId/github'), org('read')),
  row(api('DELETE /organizations/:orgId/github'), org('admin'), { params: async (w) => (await w.owner.put(`/api/v1/organizations/${w.orgA}/github`, { token: 'ghp_authzmatrixtoken' }), {}) }),

  // Projects
  row(api('POST /projects'), org('write'), { body: (w: World) => ({ organizationId: w.orgA, name: unique('project') }) }),
  row(api('GET /projects'), org('read'), { query: (w) => `organizationId=${w.orgA}` }),
  row(api('GET /projects/:projectId'), project('read'), { publicRule: publicProject('read', 'ok') }),
  row(api('PATCH /projects/:projectId'), project('admin'), { body: { description: 'changed by the authorization matrix' } }),
  row(api('POST /projects/:projectId/members'), project('admin'), { body: async (w: World) => ({ userId: await w.fresh.orgMember(), role: 'viewer' }) }),
  row(api('GET /projects/:projectId/members'), project('read')),
  row(api('DELETE /projects/:projectId/members/:userId'), project('admin'), { params: async (w) => ({ userId: await w.fresh.projectMember() }) }),
  row(api('POST /projects/:projectId/repositories'), project('admin'), { body: () => ({ url: `https://github.com/acme/${unique('repo')}.git` }) }),
  row(api('GET /projects/:projectId/repositories'), project('read'), { publicRule: publicProject('read', 'ok') }),
  row(api('POST /projects/:projectId/flows'), project('admin'), { body: () => ({ name: unique('flow'), stages: ['execute'] }) }),
  row(api('GET /projects/:projectId/flows'), project('read')),
  row(api('POST /projects/:projectId/actors'), project('admin'), { body: () => ({ name: unique('actor') }) }),
  row(api('GET /projects/:projectId/actors'), project('read')),
  row(api('POST /projects/:projectId/workstations'), project('admin'), { body: async (w: World) => ({ workstationId: await w.fresh.workstation() }) }),
  row(api('GET /projects/:projectId/workstations'), project('read')),
  row(api('DELETE /projects/:projectId/workstations/:workstationId'), project('admin'), {
    params: async (w) => {
      const workstationId = await w.fresh.workstation();
      const mapped = await w.owner.post(`/api/v1/projects/${w.project}/workstations`, { workstationId });
      if (mapped.status !== 201) throw new Error(`setup mapping: ${JSON.stringify(mapped.body)}`);
      return { workstationId };
    },
  }),
  row(api('GET /projects/:projectId/usage'), project('read')),
  row(api('GET /projects/:projectId/attempt-summaries'), project('read'), { query: (w) => `missionIds=${w.mission}` }),
  row(api('PUT /projects/:projectId/github'), project('admin'), { body: (w: World) => ({ token: 'ghp_authzmatrixtoken', webhookSecret: w.webhookSecret }) }),
  // A project's connection is often its organization's (the fallback): readers of a public project
  // who are not in the organization see the project, not the organization's GitHub settings.
  // P's outside collaborators read P, not its GitHub connection (often the organization's).
  row(api('GET /projects/:projectId/github'), outsideRefused(project('read')), { publicRule: (p) => (p.kind === 'user' && !p.instanceAdmin && !p.orgRole ? 403 : publicProject('read')(p)) }),
  row(api('DELETE /projects/:projectId/github'), project('admin'), {
    params: async (w) => (await w.owner.put(`/api/v1/projects/${w.project}/github`, { token: 'ghp_authzmatrixtoken', webhookSecret: w.webhookSecret }), {}),
  }),

  // Missions
  row(api('POST /projects/:projectId/missions'), project('write'), { body: () => ({ title: unique('mission') }) }),
  row(api('GET /projects/:projectId/missions'), project('read'), { publicRule: publicProject('read', 'ok') }),
  row(api('GET /projects/:projectId/backlog'), project('read')),
  row(api('GET /missions/:missionId'), project('read')),
  row(api('PATCH /missions/:missionId'), project('write'), { body: { description: 'changed by the authorization matrix' } }),
  row(api('POST /missions/:missionId/move'), project('write'), { body: { list: 'todo' } }),
  row(api('POST /missions/:missionId/review'), project('write'), { params: async (w) => ({ missionId: await w.fresh.missionInReview() }), body: { decision: 'approve' } }),
  row(api('GET /missions/:missionId/docs'), project('read')),
  row(api('POST /missions/:missionId/handoff'), project('write'), { body: { workstationId: null, reason: 'authorization matrix' } }),
  row(api('POST /missions/:missionId/retry'), project('write'), { body: { reason: 'authorization matrix' } }),

  // Access requests (#18): anyone who sees a project may ask (asking for what one has, or twice, is a 409 after the check)
  row(api('POST /projects/:projectId/access-requests'), seesProject, { body: { role: 'member' }, passes: (r) => r.status === 409, publicRule: (p) => (p.kind === 'user' ? 'ok' : 401) }),
  row(api('GET /projects/:projectId/access-requests'), project('admin')),
  row(api('GET /access-requests'), anyUser),
  row(api('GET /access-requests/:accessRequestId'), project('admin'), { params: async (w) => ({ accessRequestId: await freshAccessRequest(w) }) }),
  row(api('POST /access-requests/:accessRequestId/approve'), project('admin'), { params: async (w) => ({ accessRequestId: await freshAccessRequest(w) }), body: {} }),
  row(api('POST /access-requests/:accessRequestId/decline'), project('admin'), { params: async (w) => ({ accessRequestId: await freshAccessRequest(w) }), body: {} }),

  // Stars and the gallery (#18): whoever sees a project may star it; the gallery lists public ones
  row(api('GET /projects/:projectId/stars'), project('read'), { publicRule: publicProject('read', 'ok') }),
  row(api('POST /projects/:projectId/star'), project('read'), { body: {}, publicRule: publicProject('read', 'ok') }),
  row(api('DELETE /projects/:projectId/star'), project('read'), { publicRule: publicProject('read', 'ok') }),
  // The gallery answers without credentials too (only the projects that allow anonymous reading); a bad key is still 401.
  row(api('GET /gallery/projects'), (p) => (p.kind === 'user' || p.kind === 'anonymous' ? 'ok' : 401)),
  row(api('GET /missions/:missionId/events'), project('read')),
  row(api('GET /missions/:missionId/attempts'), project('read')),
  row(api('GET /missions/:missionId/pull-requests'), project('read')),
  // Nothing pushed yet: the 404 saying so comes after the read check.
  row(api('GET /missions/:missionId/diff'), project('read'), { passes: (r) => r.status === 404 && /no diff yet/.test(r.body?.error?.message ?? '') }),
  row(api('GET /missions/:missionId/question'), project('read')),
  // No open question: the 409 comes after the write check.
  row(api('POST /missions/:missionId/answer'), project('write'), { body: { text: 'an answer' }, passes: (r) => r.status === 409 }),
  // The mission has no pushed branch: the 400 naming it comes after the write check.
  row(api('POST /missions/:missionId/pull-request'), project('write'), {
    body: {}, passes: (r) => r.status === 400 && /no pushed branch/.test(r.body?.error?.message ?? ''),
  }),

  // Mission Fallback
  row(api('GET /projects/:projectId/fallback/config'), project('read')),
  row(api('PUT /projects/:projectId/fallback/config'), project('admin'), { body: { backlogThreshold: 10_000 } }),
  row(api('GET /projects/:projectId/fallback/templates'), project('read')),
  row(api('POST /projects/:projectId/fallback/templates'), project('admin'), { body: (w: World) => templateBody(w), onlyP: true }),
  row(api('GET /projects/:projectId/fallback/templates/:templateId'), project('read')),
  row(api('PATCH /projects/:projectId/fallback/templates/:templateId'), project('admin'), { body: { priority: 2 } }),
  row(api('DELETE /projects/:projectId/fallback/templates/:templateId'), project('admin'), { params: async (w) => ({ templateId: await w.fresh.template() }) }),
  row(api('POST /projects/:projectId/fallback/templates/:templateId/launch'), project('write'), { body: {} }),
  row(api('GET /projects/:projectId/fallback/metrics'), project('read')),
  row(api('GET /projects/:projectId/fallback/area'), project('read')),
  row(api('POST /projects/:projectId/fallback/runs'), project('write'), { body: {} }),
  row(api('GET /projects/:projectId/fallback/runs'), project('read')),
  row(api('GET /projects/:projectId/fallback/runs/:runId'), project('read')),
  row(api('POST /projects/:projectId/import'), project('admin'), { body: () => ({ missions: [{ title: unique('imported') }] }) }),
  row(api('POST /fallback/items/:itemId/accept'), project('write'), { params: async (w) => ({ itemId: await w.fresh.proposal() }), body: {} }),
  row(api('POST /fallback/items/:itemId/discard'), project('write'), { params: async (w) => ({ itemId: await w.fresh.proposal() }), body: { feedback: 'not now' } }),

  // Workstations
  row(api('POST /workstations'), org('admin'), { body: (w: World) => ({ organizationId: w.orgA, name: unique('ws') }) }),
  row(api('GET /workstations'), org('read'), { query: (w) => `organizationId=${w.orgA}` }),
  row(api('GET /workstations/:workstationId'), org('read')),
  row(api('GET /workstations/:workstationId/worktrees'), org('read')),
  row(api('POST /workstations/:workstationId/revoke'), org('admin'), { params: async (w) => ({ workstationId: await w.fresh.workstation() }), body: {} }),
  row(api('POST /workstations/:workstationId/pause'), org('admin'), { params: async (w) => ({ workstationId: await w.fresh.workstation() }), body: { reason: 'maintenance' } }),
  row(api('POST /workstations/:workstationId/resume'), org('admin'), { params: async (w) => ({ workstationId: await w.fresh.workstation() }) }),
  row(api('PATCH /workstations/:workstationId'), org('admin'), { params: async (w) => ({ workstationId: await w.fresh.workstation() }), body: { visibility: 'status' } }),

  // Audit: organization admins read their organization's log; project admins their project's timeline
  row(api('GET /audit-events'), org('admin'), { query: (w) => `organizationId=${w.orgA}` }),
  row(api('GET /projects/:projectId/timeline'), project('admin')),

  // Notifications: a person's own
  row(api('GET /notifications'), anyUser),
  row(api('POST /notifications/:notificationId/read'), ownersOwn(404), { body: {} }),
  row(api('GET /notifications/counts'), anyUser),
  row(api('POST /notifications/read-all'), anyUser, { body: {} }),
  row(api('POST /notifications/:notificationId/snooze'), ownersOwn(404), { body: { until: new Date(Date.now() + 86_400_000).toISOString() } }),
  row(api('DELETE /notifications/:notificationId/snooze'), ownersOwn(404)),
  row(api('GET /notification-preferences'), anyUser),
  row(api('PATCH /notification-preferences'), anyUser, { body: {} }),
  row(api('GET /notification-digests'), anyUser),
  row(api('GET /notification-digests/:digestId'), ownersOwn(404)),

  // Sockets: the monitoring socket (every channel kind of org A and P at once: for a private P,
  // project('read') and org('read') agree on every principal here) and the daemon's.
  row(api('GET /realtime'), project('read'), {
    // An outside collaborator reads P's channels but none of org A's: its own test below checks that.
    socket: (w, p, path) => realtimeProbe(path, p.key, [`project:${w.project}:missions`, `project:${w.project}:fallback`, `mission:${w.mission}:events`,
      ...(p.outside ? [] : [`organization:${w.orgA}:workstations`])]),
  }),
  row(api('GET /workstations/connect'), workstationOnly, { socket: (w, p, path) => daemonProbe(path, p.key, p.workstation?.id ?? w.workstation) }),

  // GitHub's deliveries: the signature is the credential, whatever bearer comes along.
  row(api('POST /github/webhook'), publicRoute, {
    params: async (w) => (await w.owner.put(`/api/v1/projects/${w.project}/github`, { token: 'ghp_authzmatrixtoken', webhookSecret: w.webhookSecret }), {}),
    body: (w: World) => JSON.stringify({ zen: 'authz', repository: { name: w.githubRepo.name, owner: { login: w.githubRepo.owner } } }),
    headers: (w, body) => ({ 'content-type': 'application/json', 'x-github-event': 'ping', 'x-hub-signature-256': signWebhook(w.webhookSecret, body as string) }),
  }),
];
