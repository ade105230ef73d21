import type { AgentPermissionPolicy, Project, ProjectRole } from '@solo-unicorn/shared';
import { createProjectBody, updateProjectBody } from '@solo-unicorn/shared';
import type { z } from 'zod';
import type { Db, Tx } from '../../db/types.ts';
import { conflict, invalidField, notFound } from '../../errors.ts';
import { decodeCursor, toPage } from '../../lib/cursor.ts';
import { iso, type Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { Reader, UserPrincipal } from '../auth/principal.ts';
import { isOrgAdminRole, outsiderRoles } from '../access/roles.ts';
import { createOrganizationsRepository } from '../organizations/organizations.repository.ts';
import { idCursor } from '../../lib/id-cursor.ts';
import { autoApprovesAccessRequests, docsInRepository, toColumns } from './project-settings.ts';
import { createProjectsRepository, type ProjectRow } from './projects.repository.ts';

export { docsInRepository } from './project-settings.ts';

export const toProject = (p: ProjectRow): Project => ({
  id: p.id,
  organizationId: p.organizationId,
  name: p.name,
  description: p.description,
  visibility: p.visibility,
  defaultAgent: p.defaultAgent,
  maxConcurrentMissions: p.maxConcurrentMissions,
  memory: p.memory,
  // The column's CHECK holds it to the policy names.
  agentPermissionPolicy: p.agentPermissionPolicy as AgentPermissionPolicy,
  monthlyBudgetUsd: p.monthlyBudgetUsd,
  docsInRepository: docsInRepository(p.settings),
  autoApproveAccessRequests: autoApprovesAccessRequests(p.settings),
  anonymousRead: p.anonymousRead,
  createdAt: iso(p.createdAt),
  updatedAt: iso(p.updatedAt),
});


const anonymousNeedsPublic = () => invalidField('body.anonymousRead', 'only a public project can be read without credentials: make it public first (visibility: public)');

/**
 * Anonymous reading exists only on a public project: turning it on for a private one is refused,
 * and making a project private turns it off (so making it public again later does not silently
 * reopen it to the whole internet; the admin opts in again). The implicit change is in the audit's fields.
 */
function withAnonymousRead(project: ProjectRow, input: z.infer<typeof updateProjectBody>) {
  const visibility = input.visibility ?? project.visibility;
  if (input.anonymousRead === true && visibility !== 'public') throw anonymousNeedsPublic();
  if (visibility === 'private' && project.anonymousRead && input.anonymousRead === undefined) return { ...input, anonymousRead: false };
  return input;
}

const nameTaken = (name: string) => conflict('SU_ERR_PROJECT_NAME_TAKEN', `name: this organization already has a project named "${name}"`);

export function createProjectsService(db: Db, access: AccessService, clock: Clock) {
  const repo = createProjectsRepository(db);

  /** An outside collaborator's role moves between viewer and member; anyone else outside the organization is refused, as if unknown. */
  async function setOutsiderRole(tx: Tx, caller: UserPrincipal, project: ProjectRow, input: { userId: string; role: ProjectRole }) {
    const found = await createProjectsRepository(tx).findMember(project.id, input.userId);
    if (!found?.outside) {
      throw conflict('SU_ERR_PROJECT_ROLE_NOT_MEMBER', "userId: project roles are only for members of the project's organization (and outside collaborators, by an approved access request); add the user to the organization first");
    }
    if (!outsiderRoles.includes(input.role)) {
      throw conflict('SU_ERR_OUTSIDER_ROLE', `userId: an outside collaborator may be ${outsiderRoles.join(' or ')}, not ${input.role}`, { roles: outsiderRoles });
    }
    const row = await createProjectsRepository(tx).upsertMember(project.id, input.userId, input.role, true);
    await recordAudit(tx, { organizationId: project.organizationId, actorType: 'user', actorId: caller.userId, action: 'project_member.set', targetType: 'user', targetId: input.userId, data: { projectId: project.id, role: input.role, outside: true } });
    return { projectId: project.id, userId: row.userId, role: row.role, outside: true, createdAt: iso(row.createdAt) };
  }

  return {
    async create(caller: UserPrincipal, input: z.infer<typeof createProjectBody>) {
      await access.requireOrg(caller, input.organizationId, 'write');
      return db.transaction(async (tx) => {
        const row = await createProjectsRepository(tx).insert(toColumns(input, {}));
        if (!row) throw nameTaken(input.name);
        await recordAudit(tx, { organizationId: row.organizationId, actorType: 'user', actorId: caller.userId, action: 'project.created', targetType: 'project', targetId: row.id });
        return toProject(row);
      });
    },

    async list(caller: UserPrincipal, query: { organizationId?: string; limit: number; cursor?: string }) {
      if (query.organizationId) await access.requireOrg(caller, query.organizationId, 'read');
      const afterId = query.cursor ? decodeCursor(query.cursor, idCursor).id : undefined;
      const rows = await repo.listVisible({ userId: caller.userId, isInstanceAdmin: caller.isInstanceAdmin, organizationId: query.organizationId, afterId, limit: query.limit });
      return toPage(rows, query.limit, toProject, (r) => ({ id: r.id }));
    },

    /** The project with the caller's own access, so a client can offer only what it may do. */
    async get(reader: Reader, id: string) {
      const read = await access.readProject(reader, id);
      return { ...toProject(read.project), viewerAccess: read.access };
    },

    async update(caller: UserPrincipal, id: string, input: z.infer<typeof updateProjectBody>) {
      const { project } = await access.requireProject(caller, id, 'admin');
      input = withAnonymousRead(project, input);
      return db.transaction(async (tx) => {
        const row = await createProjectsRepository(tx).update(id, { ...toColumns(input, project.settings), updatedAt: clock.now() }).catch((error: { cause?: { code?: string }; code?: string }) => {
          const code = error.cause?.code ?? error.code;
          if (code === '23505') throw nameTaken(input.name ?? '');
          // A concurrent change made the project private meanwhile (projects_anonymous_read_public).
          if (code === '23514') throw anonymousNeedsPublic();
          throw error;
        });
        if (!row) throw notFound('project');
        await recordAudit(tx, { organizationId: project.organizationId, actorType: 'user', actorId: caller.userId, action: 'project.updated', targetType: 'project', targetId: id, data: { fields: Object.keys(input) } });
        return toProject(row);
      });
    },

    /**
     * A project role is an override for a member of the project's organization: anyone else gets
     * the same answer whether or not the user exists (existence is never revealed), except an
     * outside collaborator of this project, whose role may move between viewer and member. Owners
     * and admins of the organization keep admin on every project, so nobody may lower them here.
     */
    async setMember(caller: UserPrincipal, projectId: string, input: { userId: string; role: ProjectRole }) {
      const { project } = await access.requireProject(caller, projectId, 'admin');
      return db.transaction(async (tx) => {
        // Locked: an offboarding that runs meanwhile waits, then removes this row too.
        const membership = await createOrganizationsRepository(tx).findMembership(project.organizationId, input.userId);
        if (!membership) return setOutsiderRole(tx, caller, project, input);
        if (isOrgAdminRole(membership.role) && input.role !== 'admin') {
          throw conflict('SU_ERR_PROJECT_ROLE_PROTECTED', `userId: an organization ${membership.role} keeps admin on every project; change the organization role instead`);
        }
        const row = await createProjectsRepository(tx).upsertMember(projectId, input.userId, input.role);
        await recordAudit(tx, { organizationId: project.organizationId, actorType: 'user', actorId: caller.userId, action: 'project_member.set', targetType: 'user', targetId: input.userId, data: { projectId, role: input.role } });
        return { projectId, userId: row.userId, role: row.role, outside: false, createdAt: iso(row.createdAt) };
      });
    },

    async listMembers(caller: UserPrincipal, projectId: string) {
      await access.requireProject(caller, projectId, 'read');
      return (await repo.listMembers(projectId)).map((m) => ({ projectId, userId: m.userId, role: m.role, outside: m.outside, createdAt: iso(m.createdAt) }));
    },

    /**
     * Removes a project role (project admins). An outside collaborator may also leave the project
     * themselves; a member of the organization may not drop their own override, which may be a
     * restriction an admin set.
     */
    async removeMember(caller: UserPrincipal, projectId: string, userId: string) {
      const leaving = caller.userId === userId && Boolean((await repo.findMember(projectId, userId))?.outside);
      const { project } = await access.requireProject(caller, projectId, leaving ? 'read' : 'admin');
      await db.transaction(async (tx) => {
        if (!(await createProjectsRepository(tx).deleteMember(projectId, userId))) throw notFound('project member');
        await recordAudit(tx, { organizationId: project.organizationId, actorType: 'user', actorId: caller.userId, action: 'project_member.removed', targetType: 'user', targetId: userId, data: { projectId } });
      });
    },
  };
}
export type ProjectsService = ReturnType<typeof createProjectsService>;
