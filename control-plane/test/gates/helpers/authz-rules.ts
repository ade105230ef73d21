import type { OrgRole, Principal, ProjectRole } from './authz-world.ts';

/**
 * What a cell expects: `ok` (the caller got past authorization: 2xx, or a domain answer the row
 * names), 401 (no valid credentials), 403 (visible but not permitted), 404 (existence hidden).
 */
export type Outcome = 'ok' | 401 | 403 | 404;
export type Rule = ((p: Principal) => Outcome) & { /** Set on project rules: what the route needs on the project. */ need?: Need };

// The access rules of README "Users and access", written out again here on purpose (not imported
// from src/modules/access): the matrix checks the code against the rules, not against itself.
export type Need = 'read' | 'write' | 'admin' | 'owner';
const needRank: Record<Need, number> = { read: 1, write: 2, admin: 3, owner: 4 };
const orgLevel: Record<OrgRole, number> = { viewer: 1, member: 2, admin: 3, owner: 4 };
const projectLevel: Record<ProjectRole, number> = { viewer: 1, member: 2, admin: 3 };

/** Routes outside /api: no credentials needed, and a bad one changes nothing. */
export const publicRoute: Rule = () => 'ok';

/** Any signed-in person (their own data: keys, notifications, organizations they create). */
export const anyUser: Rule = (p) => (p.kind === 'user' ? 'ok' : 401);

export const instanceAdminOnly: Rule = (p) => (p.kind !== 'user' ? 401 : p.instanceAdmin ? 'ok' : 403);

/** Organization A: members see it, the role decides what they may do; outsiders do not see it. */
export const org = (need: Need): Rule => (p) => {
  if (p.kind !== 'user') return 401;
  if (p.instanceAdmin) return 'ok';
  if (!p.orgRole) return 404;
  return orgLevel[p.orgRole] >= needRank[need] ? 'ok' : 403;
};

/**
 * Project P (private, in org A): project roles count only for members of the organization;
 * owners and admins of the organization keep their access on every project; for other members
 * the project role overrides the organization role; outsiders do not see a private project,
 * except its outside collaborators (their role on P only).
 */
export const project = (need: Need): Rule => Object.assign((p: Principal): Outcome => {
  if (p.kind !== 'user') return 401;
  if (p.instanceAdmin) return 'ok';
  // An outside collaborator: their role on P, never above member (administering stays inside).
  if (!p.orgRole && p.outside) return Math.min(projectLevel[p.outside], projectLevel.member) >= needRank[need] ? 'ok' : 403;
  if (!p.orgRole) return 404;
  const keepsOrgAccess = p.orgRole === 'owner' || p.orgRole === 'admin' || !p.projectRole;
  const level = keepsOrgAccess ? orgLevel[p.orgRole] : projectLevel[p.projectRole!];
  return level >= needRank[need] ? 'ok' : 403;
}, { need });

/**
 * Project Q (public, in org A, no project roles on it): anyone signed in may read its board, its
 * missions in Done with their docs, and its repositories (rows say so with `outsider: 'ok'`);
 * everything else is refused to outsiders with 403 (they see the project, so 404 would hide
 * nothing) — except on its mission QM, which is not in Done, so does not exist for them (404).
 */
export const publicProject = (need: Need, outsider: Outcome = 403): Rule => Object.assign((p: Principal): Outcome => {
  if (p.kind !== 'user') return 401;
  if (p.instanceAdmin) return 'ok';
  if (!p.orgRole) return outsider;
  return orgLevel[p.orgRole] >= needRank[need] ? 'ok' : 403;
}, { need });

/** Something that belongs to org A's owner personally: nobody else learns it exists. */
export const ownersOwn = (instanceAdmin: Outcome): Rule => (p) => {
  if (p.kind !== 'user') return 401;
  if (p.name === 'ownerA') return 'ok';
  return p.instanceAdmin ? instanceAdmin : 404;
};

/** The daemon's socket: a live workstation token; a person's API key is refused. */
export const workstationOnly: Rule = (p) => {
  if (p.kind === 'workstation') return p.workstation!.revoked ? 401 : 'ok';
  return p.kind === 'user' ? 403 : 401;
};

export interface Answer { status: number; body: any }

/** Sorts an answer into an outcome; anything else (400, 409 not named, 500, …) is reported as is. */
export function classify(res: Answer, passes?: (res: Answer) => boolean): Outcome | string {
  if (res.status >= 200 && res.status < 300) return 'ok';
  if (passes?.(res)) return 'ok';
  const code = res.body?.error?.code;
  if (res.status === 401 && code === 'SU_ERR_UNAUTHENTICATED') return 401;
  if (res.status === 403 && code === 'SU_ERR_FORBIDDEN') return 403;
  if (res.status === 404 && code === 'SU_ERR_NOT_FOUND') return 404;
  return `${res.status} ${code ?? ''} ${res.body?.error?.message ?? ''}`.trim();
}
