import type { OrgRole, ProjectAccess, ProjectRole } from '@solo-unicorn/shared';

/**
 * What a caller may do. Ordered: each level includes the ones before it. `public` is what anyone
 * signed in gets on a public project they are not part of: its board, missions in Done with their
 * docs, and its repositories — routes ask for it explicitly; everything else needs `read`.
 */
export type Access = ProjectAccess; // the API says it too (a project's viewerAccess): one list of levels
const rank: Record<Access, number> = { public: 0, read: 1, write: 2, admin: 3, owner: 4 };

export const orgRoleAccess: Record<OrgRole, Access> = { viewer: 'read', member: 'write', admin: 'admin', owner: 'owner' };
export const projectRoleAccess: Record<ProjectRole, Access> = { viewer: 'read', member: 'write', admin: 'admin' };

export const allows = (have: Access, need: Access) => rank[have] >= rank[need];

/** Organization roles that keep admin on every project of the organization, whatever a project row says. */
export const isOrgAdminRole = (role: OrgRole | null | undefined) => role === 'owner' || role === 'admin';

/**
 * Effective access to a project. Invariants:
 * - a project role counts only for a member of the project's organization (a row left for someone
 *   who was removed grants nothing);
 * - organization owners and admins keep their organization access on every project (a lower
 *   project row is ignored);
 * - for other members the project role overrides the organization role, upwards or downwards;
 * - an outside collaborator (someone outside the organization whose access request was approved)
 *   has their project role on that one project, never more than `write`: administering a project
 *   stays with the organization's people;
 * - anyone signed in gets `public` on a public project; otherwise the project is invisible (undefined).
 */
export function projectAccess(input: {
  orgRole?: OrgRole | null;
  projectRole?: ProjectRole | null;
  outside?: boolean | null;
  visibility: 'private' | 'public';
  isInstanceAdmin: boolean;
}): Access | undefined {
  if (input.isInstanceAdmin) return 'owner';
  if (input.orgRole) {
    if (input.projectRole && !isOrgAdminRole(input.orgRole)) return projectRoleAccess[input.projectRole];
    return orgRoleAccess[input.orgRole];
  }
  if (input.projectRole && input.outside) return projectRoleAccess[input.projectRole === 'viewer' ? 'viewer' : 'member'];
  return input.visibility === 'public' ? 'public' : undefined;
}

/** The roles an outside collaborator may hold (see projectAccess). */
export const outsiderRoles: readonly ProjectRole[] = ['viewer', 'member'];
