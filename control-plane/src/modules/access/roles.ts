import type { OrgRole, ProjectRole } from '@solo-unicorn/shared';

/** What a caller may do. Ordered: each level includes the ones before it. */
export type Access = 'read' | 'write' | 'admin' | 'owner';
const rank: Record<Access, number> = { read: 1, write: 2, admin: 3, owner: 4 };

export const orgRoleAccess: Record<OrgRole, Access> = { viewer: 'read', member: 'write', admin: 'admin', owner: 'owner' };
export const projectRoleAccess: Record<ProjectRole, Access> = { viewer: 'read', member: 'write', admin: 'admin' };

export const allows = (have: Access, need: Access) => rank[have] >= rank[need];

/**
 * Effective access to a project: a project-level role overrides the organization role;
 * anyone signed in may read a public project; otherwise the project is invisible (undefined).
 */
export function projectAccess(input: {
  orgRole?: OrgRole | null;
  projectRole?: ProjectRole | null;
  visibility: 'private' | 'public';
  isInstanceAdmin: boolean;
}): Access | undefined {
  if (input.isInstanceAdmin) return 'owner';
  if (input.projectRole) return projectRoleAccess[input.projectRole];
  if (input.orgRole) return orgRoleAccess[input.orgRole];
  return input.visibility === 'public' ? 'read' : undefined;
}
