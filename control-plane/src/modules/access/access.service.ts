import type { OrgRole, ProjectRole } from '@solo-unicorn/shared';
import type { Db } from '../../db/types.ts';
import { forbidden, notFound, unauthenticated } from '../../errors.ts';
import type { Reader, UserPrincipal } from '../auth/principal.ts';
import { createAccessRepository } from './access.repository.ts';
import { type Access, allows, orgRoleAccess, projectAccess } from './roles.ts';

export type ProjectRow = NonNullable<Awaited<ReturnType<ReturnType<typeof createAccessRepository>['projectWithRoles']>>>['project'];

const verb: Record<Access, string> = { public: 'see', read: 'read', write: 'change', admin: 'administer', owner: 'own' };

const publicOnly = () => forbidden(
  'this project is public: outside it you may read its board, its missions in Done with their docs, and its repositories; ask its admins for more (POST /api/v1/projects/:projectId/access-requests)',
);

/**
 * What an anonymous reader gets for anything it may not read: a project that does not exist, a
 * private one, a public one not open to anonymous readers, a mission not in Done. One answer for
 * all, so it reveals nothing (a 404 for some and a 401 for others would tell which projects exist);
 * and 401 rather than 404 because it is true: with credentials the answer may well differ.
 */
const signInToRead = () => unauthenticated(
  'sign in to read this: send Authorization: Bearer <api key> (without credentials only public projects that allow anonymous reading can be read)',
);

/** Anonymous reading: only a public project that opted in (the CHECK keeps anonymous_read off a private one; both checked anyway). */
const anonymouslyReadable = (project: { visibility: 'private' | 'public'; anonymousRead: boolean } | undefined) =>
  project !== undefined && project.visibility === 'public' && project.anonymousRead;

/** What projectAccess decides on: the project's visibility and the caller's roles on it. */
type ProjectFacts = { visibility: 'private' | 'public'; orgRole?: OrgRole | null; projectRole?: ProjectRole | null; outside?: boolean | null };
const factsOf = (row: { project: { visibility: 'private' | 'public' }; orgRole: OrgRole | null; projectRole: ProjectRole | null; outside: boolean | null }): ProjectFacts =>
  ({ visibility: row.project.visibility, orgRole: row.orgRole, projectRole: row.projectRole, outside: row.outside });

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
  function decideProject(user: UserPrincipal, facts: ProjectFacts | undefined, need: Access): Access {
    const access = facts ? projectAccess({ ...facts, isInstanceAdmin: user.isInstanceAdmin }) : undefined;
    if (!access) throw notFound('project');
    if (access === 'public' && need !== 'public') throw publicOnly();
    if (!allows(access, need)) throw forbidden(`your access to this project (${access}) does not let you ${verb[need]} it`);
    return access;
  }

  async function requireProject(user: UserPrincipal, projectId: string, need: Access): Promise<{ project: ProjectRow; access: Access }> {
    const row = await repo.projectWithRoles(user.userId, projectId);
    const access = decideProject(user, row && factsOf(row), need);
    return { project: row!.project, access };
  }


  async function requireMission(user: UserPrincipal, missionId: string, need: Access) {
    const row = await repo.missionWithRoles(user.userId, missionId);
    if (!row) throw notFound('mission');
    // A mission in an invisible project is itself invisible; outside a public project, so is any not in Done.
    const facts = factsOf(row);
    const seen = projectAccess({ ...facts, isInstanceAdmin: user.isInstanceAdmin });
    if (!seen || (seen === 'public' && row.mission.list !== 'done')) throw notFound('mission');
    return { project: row.project, access: decideProject(user, facts, need) };
  }

  /**
   * The read routes open to anonymous readers (#18). A user goes through requireProject as ever; an
   * anonymous reader gets exactly `public` (what a signed-in outsider gets) on a project that allows
   * it, and is never compared with any role: it has no user id to look one up with.
   */
  async function readProject(reader: Reader, projectId: string): Promise<{ project: ProjectRow; access: Access }> {
    if (reader.kind === 'user') return requireProject(reader, projectId, 'public');
    const project = await repo.project(projectId);
    if (!anonymouslyReadable(project)) throw signInToRead();
    return { project: project!, access: 'public' };
  }

  /** A mission for a reader: anonymous readers, like outsiders, only see missions in Done. */
  async function readMission(reader: Reader, missionId: string) {
    if (reader.kind === 'user') return requireMission(reader, missionId, 'public');
    const mission = await repo.missionFacts(missionId);
    const project = mission && mission.list === 'done' ? await repo.project(mission.projectId) : undefined;
    if (!anonymouslyReadable(project)) throw signInToRead();
    return { project: project!, access: 'public' as Access };
  }

  return { requireOrg, requireProject, requireMission, decideProject, readProject, readMission };
}
export type AccessService = ReturnType<typeof createAccessService>;
