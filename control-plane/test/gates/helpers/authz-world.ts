import { newId } from '@solo-unicorn/shared';
import { notifyProjectAdmins } from '../../../src/modules/notifications/notify.ts';
import { assembleWeeklyDigests } from '../../../src/modules/notifications/weekly-digest.ts';
import { ADMIN_KEY, type TestApp } from '../../helpers/app.ts';
import type { HttpClient, HttpResponse } from '../../helpers/http.ts';
import { queryRows } from '../../helpers/sql.ts';

export type OrgRole = 'owner' | 'admin' | 'member' | 'viewer';
export type ProjectRole = 'admin' | 'member' | 'viewer';

/**
 * One column of the matrix: who calls, and what the access rules know about them. Every
 * credential is real: API keys and workstation tokens made through the API.
 */
export interface Principal {
  name: string;
  /** The bearer sent (none for `anonymous`). */
  key?: string;
  kind: 'anonymous' | 'revoked' | 'workstation' | 'user';
  userId?: string;
  instanceAdmin?: boolean;
  /** Role in organization A (the organization every row aims at). */
  orgRole?: OrgRole;
  /** Project role on project P (a row in project_members). */
  projectRole?: ProjectRole;
  /** An outside collaborator's role on project P (an approved access request; not in org A). */
  outside?: ProjectRole;
  /** For workstation tokens: which organization, and whether it still counts. */
  workstation?: { id: string; org: 'A' | 'B'; revoked: boolean };
}

export const PRINCIPAL_NAMES = [
  'anonymous', 'revokedKey', 'wsA', 'wsB', 'wsRevoked', 'instanceAdmin', 'ownerA', 'adminA', 'memberA', 'viewerA',
  'projectAdmin', 'projectViewer', 'formerMember', 'outsideMember', 'ownerB', 'memberB', 'noOrg',
] as const;
export type PrincipalName = (typeof PRINCIPAL_NAMES)[number];

/** Org A's resources that rows point at; fresh ones are made per cell by `fresh`. */
export interface World {
  app: TestApp;
  principals: Record<PrincipalName, Principal>;
  /** Org A's owner, for setup and fresh targets. */
  owner: HttpClient;
  orgA: string;
  orgB: string;
  /** Org B's project, where org B's owner may do anything. */
  projectB: string;
  project: string;
  mission: string;
  /** Org A's public project Q and a mission in it. */
  publicProject: string;
  publicMission: string;
  repository: string;
  flow: string;
  actor: string;
  template: string;
  run: string;
  workstation: string;
  /** A notification addressed to org A's owner. */
  notification: string;
  /** A weekly digest of org A's owner. */
  digest: string;
  webhookSecret: string;
  githubRepo: { owner: string; name: string };
  fresh: ReturnType<typeof freshFactories>;
}

let counter = 0;
/** A unique suffix for names and emails within the run. */
export const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

async function must<T = any>(res: Promise<HttpResponse<T>>, what: string, status?: number): Promise<T> {
  const r = await res;
  if (status !== undefined ? r.status !== status : r.status >= 300) throw new Error(`setup ${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function newUser(app: TestApp, label: string) {
  const user = await must(app.admin.post('/api/v1/users', { email: `${unique(label)}@authz.example.com` }), `user ${label}`, 201);
  const key = await must(app.admin.post('/api/v1/api-keys', { userId: user.id, name: label }), `key ${label}`, 201);
  return { id: user.id as string, key: key.key as string, keyId: key.id as string, client: app.as(key.key) };
}

/** Fresh targets for the cells that change or delete what they aim at (made by org A's owner). */
function freshFactories(app: TestApp, owner: HttpClient, ids: { ownerId: string; orgA: string; project: string; template: string; flow: string; actor: string; repository: string }) {
  return {
    /** An API key of org A's owner (the target of DELETE /api-keys/:id). */
    async ownerKey() {
      return (await must(app.admin.post('/api/v1/api-keys', { userId: ids.ownerId, name: unique('spare') }), 'spare key', 201)).id as string;
    },
    /** A user in no organization (to be added to org A). */
    async outsider() {
      return (await newUser(app, 'outsider')).id;
    },
    /** A member of org A (to change or remove). */
    async orgMember() {
      const user = await newUser(app, 'member');
      await must(owner.post(`/api/v1/organizations/${ids.orgA}/members`, { userId: user.id, role: 'member' }), 'add member', 201);
      return user.id;
    },
    /** A member of org A with a project role on P (to remove from P). */
    async projectMember() {
      const userId = await this.orgMember();
      await must(owner.post(`/api/v1/projects/${ids.project}/members`, { userId, role: 'viewer' }), 'project member', 201);
      return userId;
    },
    async template() {
      return (await must(owner.post(`/api/v1/projects/${ids.project}/fallback/templates`, templateBody(ids)), 'template', 201)).id as string;
    },
    async workstation() {
      return (await must(owner.post('/api/v1/workstations', { organizationId: ids.orgA, name: unique('ws') }), 'workstation', 201)).workstation.id as string;
    },
    /** A mission of P waiting in Review. */
    async missionInReview() {
      const m = await must(owner.post(`/api/v1/projects/${ids.project}/missions`, { title: unique('review') }), 'mission', 201);
      await must(owner.post(`/api/v1/missions/${m.id}/move`, { list: 'review' }), 'move to review', 200);
      return m.id as string;
    },
    /** An open fallback proposal of P: a run proposes the new template (the backlog is kept under the threshold). */
    async proposal() {
      const template = await this.template();
      await must(owner.put(`/api/v1/projects/${ids.project}/fallback/config`, { backlogThreshold: 10_000 }), 'threshold', 200);
      const ran = await must(owner.post(`/api/v1/projects/${ids.project}/fallback/runs`, {}), 'run', 201);
      const item = ran.items.find((i: { templateId: string }) => i.templateId === template);
      if (item?.status !== 'proposed') throw new Error(`setup proposal: ${JSON.stringify(ran)}`);
      return item.id as string;
    },
  };
}

export const templateBody = (ids: { flow: string; actor: string; repository: string }) => ({
  name: unique('template'), flowId: ids.flow, actorId: ids.actor, repositoryId: ids.repository, estimatedEffortMinutes: 1,
});

/**
 * Two organizations and the people around them, all made through the API: org A (owner, admin,
 * member, viewer; a project admin and a project viewer who are org members; a former member),
 * org B (owner, member), a user in no organization, a revoked key, and workstation tokens.
 */
export async function buildWorld(app: TestApp): Promise<World> {
  const ownerA = await newUser(app, 'owner-a');
  const owner = ownerA.client;
  const orgA = (await must(owner.post('/api/v1/organizations', { name: 'Org A' }), 'org A', 201)).id as string;
  const project = (await must(owner.post('/api/v1/projects', { organizationId: orgA, name: 'P' }), 'project P', 201)).id as string;

  const inOrgA = async (label: string, role: OrgRole, projectRole?: ProjectRole) => {
    const user = await newUser(app, label);
    await must(owner.post(`/api/v1/organizations/${orgA}/members`, { userId: user.id, role }), `${label} joins A`, 201);
    if (projectRole) await must(owner.post(`/api/v1/projects/${project}/members`, { userId: user.id, role: projectRole }), `${label} on P`, 201);
    return user;
  };
  const adminA = await inOrgA('admin-a', 'admin');
  const memberA = await inOrgA('member-a', 'member');
  const viewerA = await inOrgA('viewer-a', 'viewer');
  const projectAdmin = await inOrgA('project-admin', 'member', 'admin');
  const projectViewer = await inOrgA('project-viewer', 'member', 'viewer');
  // Offboarded through the API; then a project-admin row is put back by hand, as rows written before
  // offboarding removed them: it must grant nothing.
  const formerMember = await inOrgA('former-member', 'member', 'admin');
  await must(owner.delete(`/api/v1/organizations/${orgA}/members/${formerMember.id}`), 'offboard', 204);
  await queryRows(app.db, `INSERT INTO project_members (id, project_id, user_id, role) VALUES ('${newId()}', '${project}', '${formerMember.id}', 'admin')`);

  // An outside collaborator of P: asked while P was public, approved, then P went private again
  // (a collaborator keeps the project; only approving an outsider needs it public).
  const outsideMember = await newUser(app, 'outside-member');
  await must(owner.patch(`/api/v1/projects/${project}`, { visibility: 'public' }), 'P public', 200);
  const outsideAsk = await must(outsideMember.client.post(`/api/v1/projects/${project}/access-requests`, { role: 'member' }), 'outsider asks', 201);
  await must(owner.post(`/api/v1/access-requests/${outsideAsk.id}/approve`, {}), 'outsider approved', 200);
  await must(owner.patch(`/api/v1/projects/${project}`, { visibility: 'private' }), 'P private', 200);

  const ownerB = await newUser(app, 'owner-b');
  const orgB = (await must(ownerB.client.post('/api/v1/organizations', { name: 'Org B' }), 'org B', 201)).id as string;
  const projectB = (await must(ownerB.client.post('/api/v1/projects', { organizationId: orgB, name: 'PB' }), 'project PB', 201)).id as string;
  const memberB = await newUser(app, 'member-b');
  await must(ownerB.client.post(`/api/v1/organizations/${orgB}/members`, { userId: memberB.id, role: 'member' }), 'member B', 201);
  const noOrg = await newUser(app, 'no-org');

  const spare = await must(owner.post('/api/v1/api-keys', { name: 'to revoke' }), 'spare key', 201);
  await must(owner.delete(`/api/v1/api-keys/${spare.id}`), 'revoke key', 204);

  const wsA = await must(owner.post('/api/v1/workstations', { organizationId: orgA, name: 'ws-a' }), 'ws A', 201);
  const wsB = await must(ownerB.client.post('/api/v1/workstations', { organizationId: orgB, name: 'ws-b' }), 'ws B', 201);
  const wsGone = await must(owner.post('/api/v1/workstations', { organizationId: orgA, name: 'ws-revoked' }), 'ws revoked', 201);
  await must(owner.post(`/api/v1/workstations/${wsGone.workstation.id}/revoke`, {}), 'revoke ws', 200);

  // Org A's resources, as its owner makes them.
  const githubRepo = { owner: 'acme', name: unique('authz') };
  const repository = (await must(owner.post(`/api/v1/projects/${project}/repositories`, { url: `https://github.com/${githubRepo.owner}/${githubRepo.name}.git` }), 'repository', 201)).id as string;
  const flow = (await must(owner.post(`/api/v1/projects/${project}/flows`, { name: 'default', stages: ['plan', 'execute'] }), 'flow', 201)).id as string;
  const actor = (await must(owner.post(`/api/v1/projects/${project}/actors`, { name: 'dev' }), 'actor', 201)).id as string;
  const mission = (await must(owner.post(`/api/v1/projects/${project}/missions`, { title: 'M' }), 'mission', 201)).id as string;
  const publicProject = (await must(owner.post('/api/v1/projects', { organizationId: orgA, name: 'Q', visibility: 'public' }), 'project Q', 201)).id as string;
  const publicMission = (await must(owner.post(`/api/v1/projects/${publicProject}/missions`, { title: 'QM' }), 'mission QM', 201)).id as string;
  // Proposals per cell: no cap or effort target gets in the way.
  await must(owner.put(`/api/v1/projects/${project}/fallback/config`, { weeklyMissionCap: 10_000, monthlyTargetHours: 100_000 }), 'fallback config', 200);
  const template = (await must(owner.post(`/api/v1/projects/${project}/fallback/templates`, templateBody({ flow, actor, repository })), 'template', 201)).id as string;
  const run = (await must(owner.post(`/api/v1/projects/${project}/fallback/runs`, {}), 'run', 201)).run.id as string;
  const webhookSecret = 'authz-webhook-secret-0123456789';
  await must(owner.put(`/api/v1/projects/${project}/github`, { token: 'ghp_authzmatrixtoken', webhookSecret }), 'github P', 200);
  await must(owner.put(`/api/v1/organizations/${orgA}/github`, { token: 'ghp_authzmatrixtoken' }), 'github A', 200);
  await notifyProjectAdmins(app.db.db, { projectId: project, kind: 'authz.test', segment: 'test', title: () => 'for the owner' }, new Date());
  const [notification] = await queryRows<{ id: string }>(app.db, `SELECT id FROM notifications WHERE user_id = '${ownerA.id}'`);
  // A week on, that notification's week is complete: the digest job gives the owner a digest of it.
  await assembleWeeklyDigests(app.db.db, new Date(Date.now() + 7 * 86_400_000));
  const [digest] = await queryRows<{ id: string }>(app.db, `SELECT id FROM notification_digests WHERE user_id = '${ownerA.id}'`);

  const user = (name: string, u: { id: string; key: string }, facts: Partial<Principal> = {}): Principal => ({ name, kind: 'user', userId: u.id, key: u.key, ...facts });
  const principals: Record<PrincipalName, Principal> = {
    anonymous: { name: 'anonymous', kind: 'anonymous' },
    revokedKey: { name: 'revokedKey', kind: 'revoked', key: spare.key },
    wsA: { name: 'wsA', kind: 'workstation', key: wsA.token, workstation: { id: wsA.workstation.id, org: 'A', revoked: false } },
    wsB: { name: 'wsB', kind: 'workstation', key: wsB.token, workstation: { id: wsB.workstation.id, org: 'B', revoked: false } },
    wsRevoked: { name: 'wsRevoked', kind: 'workstation', key: wsGone.token, workstation: { id: wsGone.workstation.id, org: 'A', revoked: true } },
    instanceAdmin: { name: 'instanceAdmin', kind: 'user', key: ADMIN_KEY, instanceAdmin: true },
    ownerA: user('ownerA', ownerA, { orgRole: 'owner' }),
    adminA: user('adminA', adminA, { orgRole: 'admin' }),
    memberA: user('memberA', memberA, { orgRole: 'member' }),
    viewerA: user('viewerA', viewerA, { orgRole: 'viewer' }),
    projectAdmin: user('projectAdmin', projectAdmin, { orgRole: 'member', projectRole: 'admin' }),
    projectViewer: user('projectViewer', projectViewer, { orgRole: 'member', projectRole: 'viewer' }),
    // The stale row is not a role: the rules say it counts for nothing (no orgRole here).
    formerMember: user('formerMember', formerMember),
    outsideMember: user('outsideMember', outsideMember, { outside: 'member' }),
    ownerB: user('ownerB', ownerB),
    memberB: user('memberB', memberB),
    noOrg: user('noOrg', noOrg),
  };
  const ids = { ownerId: ownerA.id, orgA, project, template, flow, actor, repository };
  return {
    app, principals, owner, orgA, orgB, projectB, project, mission, publicProject, publicMission, repository, flow, actor, template, run,
    workstation: wsA.workstation.id, notification: notification!.id, digest: digest!.id, webhookSecret, githubRepo,
    fresh: freshFactories(app, owner, ids),
  };
}
