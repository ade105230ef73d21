import { newId, type AccessRequest, type ProjectRole } from '@solo-unicorn/shared';
import type { Db, Tx } from '../../db/types.ts';
import { AppError, conflict, notFound } from '../../errors.ts';
import { decodeCursor, toPage } from '../../lib/cursor.ts';
import { idCursor } from '../../lib/id-cursor.ts';
import { iso, isoOrNull, type Clock } from '../../lib/time.ts';
import type { AccessService, ProjectRow } from '../access/access.service.ts';
import { allows, isOrgAdminRole, outsiderRoles, projectAccess, projectRoleAccess } from '../access/roles.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { notifyProjectAdmins, notifyUsers } from '../notifications/notify.ts';
import { createOrganizationsRepository } from '../organizations/organizations.repository.ts';
import { createProjectsRepository } from '../projects/projects.repository.ts';
import { autoApprovesAccessRequests } from '../projects/project-settings.ts';
import { createAccessRequestsRepository, type AccessRequestRow } from './access-requests.repository.ts';

export const toAccessRequest = (r: AccessRequestRow): AccessRequest => ({
  id: r.id, projectId: r.projectId, userId: r.userId, userEmail: r.userEmail, role: r.role, message: r.message, status: r.status,
  decidedBy: r.decidedBy, decidedAt: isoOrNull(r.decidedAt), createdAt: iso(r.createdAt),
});

const decided = (r: AccessRequestRow) =>
  conflict('SU_ERR_ACCESS_REQUEST_DECIDED', `the request was already ${r.status === 'approved' ? 'approved' : 'declined'}; the requester may ask again`, { status: r.status });

/** The requester hears the decision in their inbox (their own notification, no admin-only detail). */
async function tellRequester(tx: Tx, project: ProjectRow, r: AccessRequestRow, at: Date) {
  const approved = r.status === 'approved';
  await notifyUsers(tx, {
    organizationId: project.organizationId, projectId: project.id, kind: approved ? 'access_request.approved' : 'access_request.declined',
    segment: 'access', title: approved ? `You are now ${r.role} on ${project.name}` : `Your request for ${r.role} on ${project.name} was declined`,
    data: { accessRequestId: r.id, role: r.role },
  }, [r.userId], at);
}

export function createAccessRequestsService(db: Db, access: AccessService, clock: Clock) {
  const repo = createAccessRequestsRepository(db);

  /**
   * Grants the role in the caller's transaction. For a member of the project's organization it is a
   * project override (see projects.setMember). Someone outside the organization becomes an outside
   * collaborator on this one project, as viewer or member (administering stays with the
   * organization's people); they see nothing else of the organization. Access the requester already
   * has (an organization admin, or a role given meanwhile) is never lowered by an approval: the
   * request is simply marked approved.
   */
  async function grant(tx: Tx, project: ProjectRow, r: AccessRequestRow, role: ProjectRole, decidedBy: string | null, actor: UserPrincipal | null) {
    const membership = await createOrganizationsRepository(tx).findMembership(project.organizationId, r.userId);
    // Outsiders find a project by its being public; a private one is for the organization's people only.
    if (!membership && project.visibility !== 'public') {
      throw conflict('SU_ERR_PROJECT_ROLE_NOT_MEMBER', "the requester is not a member of the project's organization, and the project is private: add them to the organization first (the request stays pending)");
    }
    if (!membership && !outsiderRoles.includes(role)) {
      throw conflict('SU_ERR_OUTSIDER_ROLE', `the requester is not a member of the project's organization: from outside it they may be ${outsiderRoles.join(' or ')}, not ${role}; approve with role member, or add them to the organization first (the request stays pending)`, { roles: outsiderRoles });
    }
    const now = clock.now();
    const current = (await createProjectsRepository(tx).findMember(project.id, r.userId))?.role ?? null;
    const has = projectAccess({ orgRole: membership?.role, projectRole: current, outside: !membership, visibility: project.visibility, isInstanceAdmin: false });
    if (!isOrgAdminRole(membership?.role) && !(has && allows(has, projectRoleAccess[role]))) {
      await createProjectsRepository(tx).upsertMember(project.id, r.userId, role, !membership);
    }
    const after = (await createAccessRequestsRepository(tx).decide(r.id, { status: 'approved', role, decidedBy, decidedAt: now }))!;
    await recordAudit(tx, {
      organizationId: project.organizationId, actorType: actor ? 'user' : 'system', actorId: actor?.userId ?? null, action: 'access_request.approved',
      targetType: 'user', targetId: r.userId, data: { projectId: project.id, accessRequestId: r.id, role, auto: actor === null, outside: !membership },
    });
    await tellRequester(tx, project, after, now);
    return after;
  }

  /** The request's project, for an admin of it (anyone else: as if it did not exist, or 403 when they can read the project). */
  async function projectForAdmin(caller: UserPrincipal, id: string) {
    const found = await repo.find(id);
    if (!found) throw notFound('access request');
    const { project } = await access.requireProject(caller, found.projectId, 'admin').catch((error: unknown) => {
      throw error instanceof AppError && error.status === 404 ? notFound('access request') : error;
    });
    return project;
  }

  /** Locked in the deciding transaction: two admins at once are served one after the other. */
  async function lockedPending(tx: Tx, id: string) {
    const r = (await createAccessRequestsRepository(tx).lock(id))!;
    if (r.status !== 'pending') throw decided(r);
    return r;
  }

  return {
    async create(caller: UserPrincipal, projectId: string, input: { role: ProjectRole; message?: string }) {
      const { project, access: has } = await access.requireProject(caller, projectId, 'public');
      if (allows(has, projectRoleAccess[input.role])) {
        throw conflict('SU_ERR_ACCESS_REQUEST_UNNEEDED', `you already have ${has} access to this project, which includes what ${input.role} gives`, { access: has });
      }
      return db.transaction(async (tx) => {
        const now = clock.now();
        const r = await createAccessRequestsRepository(tx).insert({ projectId, userId: caller.userId, role: input.role, message: input.message || null, createdAt: now });
        if (!r) {
          const pending = await createAccessRequestsRepository(tx).pendingOf(projectId, caller.userId);
          throw conflict('SU_ERR_ACCESS_REQUEST_PENDING', 'you already asked for access to this project; wait for its admins to decide', { accessRequestId: pending?.id ?? null });
        }
        await recordAudit(tx, {
          organizationId: project.organizationId, actorType: 'user', actorId: caller.userId, action: 'access_request.created',
          targetType: 'project', targetId: projectId, data: { accessRequestId: r.id, role: input.role },
        });
        const member = await createOrganizationsRepository(tx).findMembership(project.organizationId, caller.userId);
        // Auto-approve never hands out admin, and only to the organization's members (see grant).
        if (autoApprovesAccessRequests(project.settings) && input.role !== 'admin' && member) {
          return toAccessRequest(await grant(tx, project, r, input.role, null, null));
        }
        await notifyProjectAdmins(tx, {
          projectId, kind: 'access_request.created', segment: 'access',
          title: (name) => `${r.userEmail ?? 'Someone'} asks for ${input.role} on ${name}`,
          body: input.message || undefined, data: { accessRequestId: r.id, role: input.role, userId: caller.userId },
        }, now);
        return toAccessRequest(r);
      });
    },

    async approve(caller: UserPrincipal, id: string, input: { role?: ProjectRole }) {
      const project = await projectForAdmin(caller, id);
      return db.transaction(async (tx) => {
        const r = await lockedPending(tx, id);
        return toAccessRequest(await grant(tx, project, r, input.role ?? r.role, caller.userId, caller));
      });
    },

    async decline(caller: UserPrincipal, id: string) {
      const project = await projectForAdmin(caller, id);
      return db.transaction(async (tx) => {
        const r = await lockedPending(tx, id);
        const now = clock.now();
        const after = (await createAccessRequestsRepository(tx).decide(r.id, { status: 'rejected', role: r.role, decidedBy: caller.userId, decidedAt: now }))!;
        await recordAudit(tx, {
          organizationId: project.organizationId, actorType: 'user', actorId: caller.userId, action: 'access_request.declined',
          targetType: 'user', targetId: r.userId, data: { projectId: project.id, accessRequestId: r.id, role: r.role },
        });
        await tellRequester(tx, project, after, now);
        return toAccessRequest(after);
      });
    },

    /** The requester or an admin of the request's project. */
    async get(caller: UserPrincipal, id: string) {
      const r = await repo.find(id);
      if (!r) throw notFound('access request');
      if (r.userId !== caller.userId) {
        await access.requireProject(caller, r.projectId, 'admin').catch((error: unknown) => {
          throw error instanceof AppError && error.status === 404 ? notFound('access request') : error;
        });
      }
      return toAccessRequest(r);
    },

    /** A project's requests (its admins), or the caller's own (no project). */
    async list(caller: UserPrincipal, query: { projectId?: string; status?: 'pending' | 'approved' | 'rejected'; limit: number; cursor?: string }) {
      if (query.projectId) await access.requireProject(caller, query.projectId, 'admin');
      const beforeId = query.cursor ? decodeCursor(query.cursor, idCursor).id : undefined;
      const rows = await repo.list({ projectId: query.projectId, userId: query.projectId ? undefined : caller.userId, status: query.status, beforeId, limit: query.limit });
      return toPage(rows, query.limit, toAccessRequest, (r) => ({ id: r.id }));
    },
  };
}
export type AccessRequestsService = ReturnType<typeof createAccessRequestsService>;
