import { newId, type OrgRole } from '@solo-unicorn/shared';
import { and, asc, eq } from 'drizzle-orm';
import { organizationMemberships, organizations } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

export type OrganizationRow = typeof organizations.$inferSelect;
export type MembershipRow = typeof organizationMemberships.$inferSelect;

export function createOrganizationsRepository(db: Executor) {
  return {
    async insert(name: string) {
      const [row] = await db.insert(organizations).values({ id: newId(), name }).returning();
      return row!;
    },
    async findById(id: string) {
      const [row] = await db.select().from(organizations).where(eq(organizations.id, id)).limit(1);
      return row;
    },
    async listForUser(userId: string) {
      return db
        .select({ org: organizations, role: organizationMemberships.role })
        .from(organizationMemberships)
        .innerJoin(organizations, eq(organizations.id, organizationMemberships.organizationId))
        .where(eq(organizationMemberships.userId, userId))
        .orderBy(asc(organizations.id));
    },
    async listAll() {
      return db.select().from(organizations).orderBy(asc(organizations.id));
    },
    async insertMembership(organizationId: string, userId: string, role: OrgRole) {
      const [row] = await db
        .insert(organizationMemberships)
        .values({ id: newId(), organizationId, userId, role })
        .onConflictDoNothing()
        .returning();
      return row;
    },
    async findMembership(organizationId: string, userId: string) {
      const [row] = await db
        .select()
        .from(organizationMemberships)
        .where(and(eq(organizationMemberships.organizationId, organizationId), eq(organizationMemberships.userId, userId)))
        .for('update')
        .limit(1);
      return row;
    },
    async listMemberships(organizationId: string) {
      return db
        .select()
        .from(organizationMemberships)
        .where(eq(organizationMemberships.organizationId, organizationId))
        .orderBy(asc(organizationMemberships.id));
    },
    async updateRole(id: string, role: OrgRole, at: Date) {
      const [row] = await db.update(organizationMemberships).set({ role, updatedAt: at }).where(eq(organizationMemberships.id, id)).returning();
      return row!;
    },
    async deleteMembership(id: string) {
      await db.delete(organizationMemberships).where(eq(organizationMemberships.id, id));
    },
    /** Counted after locking the org's owner rows, so two demotions cannot both pass. */
    async lockedOwnerCount(organizationId: string) {
      const owners = await db
        .select({ id: organizationMemberships.id })
        .from(organizationMemberships)
        .where(and(eq(organizationMemberships.organizationId, organizationId), eq(organizationMemberships.role, 'owner')))
        .for('update');
      return owners.length;
    },
  };
}
