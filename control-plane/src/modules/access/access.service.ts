import type { OrgRole, ProjectRole } from '@solo-unicorn/shared';
import type { Db } from '../../db/types.ts';
import { forbidden, notFound } from '../../errors.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { createAccessRepository } from './access.repository.ts';
import { type Access, allows, orgRoleAccess, projectAccess } from './roles.ts';

export type ProjectRow = NonNullable<Awaited<ReturnType<ReturnType<typeof createAccessRepository>['projectWithRoles']>>>['project'];

const verb: Record<Access, string> = { read: 'read', write: 'change', admin: 'administer', owner: 'own' };

/**
 * The one place that decides who sees what. Outside the caller's reach → 404 (existence is
 * never revealed); visible but not enough rights → 403.
 */
export function createAccessService(db: Db) {
  const repo = createAccessRepository(db);

  async function requireOrg(user: UserPrincipal, organizationId: string, need: Access): Promise<OrgRole | 'instance-admin'> {
    if (user.isInstanceAdmin) {
      // The admin may act on any organization, but only on one that exists.
      if (!(await repo.orgExists(organizationId))) throw notFound('organization');
      return 'instance-admin';
    }
    const role = await repo.orgRole(user.userId, organizationId);
    if (!role) throw notFound('organization');
    if (!allows(orgRoleAccess[role], need)) throw forbidden(`your role (${role}) may not ${verb[need]} this organization`);
    return role;
  }

  /** The decision alone, for callers that fetched the roles with their own query (hot paths). */
  function decideProject(user: UserPrincipal, facts: { visibility: 'private' | 'public'; orgRole?: OrgRole | null; projectRole?: ProjectRole | null } | undefined, need: Access): Access {
    const access = facts ? projectAccess({ ...facts, isInstanceAdmin: user.isInstanceAdmin }) : undefined;
    if (!access) throw notFound('project');
    if (!allows(access, need)) throw forbidden(`your access to this project (${access}) does not let you ${verb[need]} it`);
    return access;
  }

  async function requireProject(user: UserPrincipal, projectId: string, need: Access): Promise<{ project: ProjectRow; access: Access }> {
    const row = await repo.projectWithRoles(user.userId, projectId);
    const access = decideProject(user, row && { visibility: row.project.visibility, orgRole: row.orgRole, projectRole: row.projectRole }, need);
    return { project: row!.project, access };
  }


  async function requireMission(user: UserPrincipal, missionId: string, need: Access) {
    const projectId = await repo.missionProjectId(missionId);
    if (!projectId) throw notFound('mission');
    try {
      return await requireProject(user, projectId, need);
    } catch (error) {
      // A mission in an invisible project is itself invisible.
      if (error instanceof Error && 'status' in error && error.status === 404) throw notFound('mission');
      throw error;
    }
  }

  return { requireOrg, requireProject, requireMission, decideProject };
}
export type AccessService = ReturnType<typeof createAccessService>;
