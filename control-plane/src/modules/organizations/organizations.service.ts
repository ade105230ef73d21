import type { Membership, Organization, OrgRole } from '@solo-unicorn/shared';
import type { Db } from '../../db/types.ts';
import { conflict, forbidden, notFound } from '../../errors.ts';
import { iso } from '../../lib/time.ts';
import type { Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import { createAccessRequestsRepository } from '../access-requests/access-requests.repository.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { createProjectsRepository } from '../projects/projects.repository.ts';
import { createUsersRepository } from '../users/users.repository.ts';
import { createOrganizationsRepository, type MembershipRow, type OrganizationRow } from './organizations.repository.ts';

const toOrg = (o: OrganizationRow, role: OrgRole): Organization => ({ id: o.id, name: o.name, role, createdAt: iso(o.createdAt) });
const toMembership = (m: MembershipRow): Membership => ({
  organizationId: m.organizationId,
  userId: m.userId,
  role: m.role,
  createdAt: iso(m.createdAt),
});

export function createOrganizationsService(db: Db, access: AccessService, clock: Clock) {
  const repo = createOrganizationsRepository(db);

  /** Only an owner may grant or take away ownership. */
  function checkOwnerChange(callerRole: string, roles: (OrgRole | undefined)[]) {
    if (roles.includes('owner') && callerRole !== 'owner' && callerRole !== 'instance-admin') {
      throw forbidden('only an owner may grant or remove the owner role');
    }
  }

  return {
    async create(caller: UserPrincipal, name: string) {
      return db.transaction(async (tx) => {
        const orgs = createOrganizationsRepository(tx);
        const org = await orgs.insert(name);
        await orgs.insertMembership(org.id, caller.userId, 'owner');
        await recordAudit(tx, { organizationId: org.id, actorType: 'user', actorId: caller.userId, action: 'organization.created', targetType: 'organization', targetId: org.id });
        return toOrg(org, 'owner');
      });
    },

    async list(caller: UserPrincipal) {
      // The instance admin sees every organization, as GET /organizations/:id and GET /projects already let it.
      if (caller.isInstanceAdmin) return (await repo.listAll()).map((o) => toOrg(o, 'owner'));
      const rows = await repo.listForUser(caller.userId);
      return rows.map((r) => toOrg(r.org, r.role));
    },

    async get(caller: UserPrincipal, id: string) {
      const role = await access.requireOrg(caller, id, 'read');
      const org = await repo.findById(id);
      if (!org) throw notFound('organization');
      return toOrg(org, role === 'instance-admin' ? 'owner' : role);
    },

    async addMember(caller: UserPrincipal, organizationId: string, input: { userId: string; role: OrgRole }) {
      const callerRole = await access.requireOrg(caller, organizationId, 'admin');
      checkOwnerChange(callerRole, [input.role]);
      return db.transaction(async (tx) => {
        if (!(await createUsersRepository(tx).findById(input.userId))) throw notFound('user');
        const row = await createOrganizationsRepository(tx).insertMembership(organizationId, input.userId, input.role);
        if (!row) throw conflict('SU_ERR_MEMBERSHIP_EXISTS', 'userId: already a member; PATCH the membership to change the role');
        await recordAudit(tx, { organizationId, actorType: 'user', actorId: caller.userId, action: 'membership.added', targetType: 'user', targetId: input.userId, data: { role: input.role } });
        return toMembership(row);
      });
    },

    async listMembers(caller: UserPrincipal, organizationId: string) {
      await access.requireOrg(caller, organizationId, 'read');
      return (await repo.listMemberships(organizationId)).map(toMembership);
    },

    async changeRole(caller: UserPrincipal, organizationId: string, userId: string, role: OrgRole) {
      const callerRole = await access.requireOrg(caller, organizationId, 'admin');
      return db.transaction(async (tx) => {
        const orgs = createOrganizationsRepository(tx);
        const member = await orgs.findMembership(organizationId, userId);
        if (!member) throw notFound('membership');
        checkOwnerChange(callerRole, [role, member.role]);
        if (member.role === 'owner' && role !== 'owner' && (await orgs.lockedOwnerCount(organizationId)) <= 1) {
          throw conflict('SU_ERR_LAST_OWNER', 'an organization keeps at least one owner; promote another member first');
        }
        const row = await orgs.updateRole(member.id, role, clock.now());
        await recordAudit(tx, { organizationId, actorType: 'user', actorId: caller.userId, action: 'membership.role_changed', targetType: 'user', targetId: userId, data: { from: member.role, to: role } });
        return toMembership(row);
      });
    },

    async removeMember(caller: UserPrincipal, organizationId: string, userId: string) {
      const callerRole = caller.userId === userId ? 'self' : await access.requireOrg(caller, organizationId, 'admin');
      if (callerRole === 'self') await access.requireOrg(caller, organizationId, 'read');
      await db.transaction(async (tx) => {
        const orgs = createOrganizationsRepository(tx);
        const member = await orgs.findMembership(organizationId, userId);
        if (!member) throw notFound('membership');
        if (callerRole !== 'self') checkOwnerChange(callerRole, [member.role]);
        if (member.role === 'owner' && (await orgs.lockedOwnerCount(organizationId)) <= 1) {
          throw conflict('SU_ERR_LAST_OWNER', 'an organization keeps at least one owner; promote another member first');
        }
        await orgs.deleteMembership(member.id);
        // Offboarding removes every grant with the membership: no project role may outlive it.
        const projectIds = await createProjectsRepository(tx).deleteMembershipsInOrg(organizationId, userId);
        // …nor a request they made as a member: approved later, it would let them back in from outside.
        const requestsDeclined = await createAccessRequestsRepository(tx).declinePendingInOrganization(organizationId, userId, clock.now());
        await recordAudit(tx, { organizationId, actorType: 'user', actorId: caller.userId, action: 'membership.removed', targetType: 'user', targetId: userId, data: { projectRolesRemoved: projectIds, requestsDeclined } });
      });
    },
  };
}
export type OrganizationsService = ReturnType<typeof createOrganizationsService>;
