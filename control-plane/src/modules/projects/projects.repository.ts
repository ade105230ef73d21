import { newId, type ProjectRole } from '@solo-unicorn/shared';
import { and, asc, eq, gt, inArray, isNotNull, or, sql, type SQL } from 'drizzle-orm';
import { organizationMemberships, projectMembers, projects } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

export type ProjectRow = typeof projects.$inferSelect;
export type NewProject = Omit<typeof projects.$inferInsert, 'id'>;

export function createProjectsRepository(db: Executor) {
  /** The rows among `filter` that grant their role: the organization's members' (outside = false here) and outside collaborators'. */
  const inEffect = (filter: SQL | undefined) => db
    .select({ userId: projectMembers.userId, role: projectMembers.role, outside: sql<boolean>`${organizationMemberships.userId} IS NULL`, createdAt: projectMembers.createdAt })
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .leftJoin(organizationMemberships, and(eq(organizationMemberships.organizationId, projects.organizationId), eq(organizationMemberships.userId, projectMembers.userId)))
    .where(and(filter, or(isNotNull(organizationMemberships.userId), eq(projectMembers.outside, true))))
    .$dynamic();
  return {
    async insert(values: NewProject) {
      const [row] = await db.insert(projects).values({ id: newId(), ...values }).onConflictDoNothing().returning();
      return row;
    },
    async update(id: string, values: Partial<NewProject>) {
      const [row] = await db.update(projects).set(values).where(eq(projects.id, id)).returning();
      return row;
    },
    /**
     * Projects of the user's organizations, and those they collaborate on from outside (all, for the
     * instance admin). Any other project role alone reaches nothing: it only counts for a member of
     * the project's organization.
     */
    async listVisible(opts: { userId: string; isInstanceAdmin: boolean; organizationId?: string; afterId?: string; limit: number }) {
      const filters: (SQL | undefined)[] = [];
      if (!opts.isInstanceAdmin) {
        const viaOrg = db.select({ id: organizationMemberships.organizationId }).from(organizationMemberships).where(eq(organizationMemberships.userId, opts.userId));
        const asOutsider = db.select({ id: projectMembers.projectId }).from(projectMembers)
          .where(and(eq(projectMembers.userId, opts.userId), eq(projectMembers.outside, true)));
        filters.push(or(inArray(projects.organizationId, viaOrg), inArray(projects.id, asOutsider)));
      }
      if (opts.organizationId) filters.push(eq(projects.organizationId, opts.organizationId));
      if (opts.afterId) filters.push(gt(projects.id, opts.afterId));
      return db.select().from(projects).where(and(...filters)).orderBy(asc(projects.id)).limit(opts.limit + 1);
    },
    /** `outside`: the user is not in the project's organization (an approved access request). */
    async upsertMember(projectId: string, userId: string, role: ProjectRole, outside = false) {
      const [row] = await db
        .insert(projectMembers)
        .values({ id: newId(), projectId, userId, role, outside })
        .onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.userId], set: { role, outside, updatedAt: new Date() } })
        .returning();
      return row!;
    },
    /**
     * Project roles in effect: the organization's members' overrides and the outside collaborators.
     * A row left for someone no longer in the organization is no role.
     */
    async listMembers(projectId: string) {
      return inEffect(eq(projectMembers.projectId, projectId)).orderBy(asc(projectMembers.id));
    },
    /** One person's project role in effect (see listMembers), if any. */
    async findMember(projectId: string, userId: string) {
      const [row] = await inEffect(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId))).limit(1);
      return row;
    },
    /** Offboarding: every project role the user holds in the organization's projects. */
    async deleteMembershipsInOrg(organizationId: string, userId: string) {
      const inOrg = db.select({ id: projects.id }).from(projects).where(eq(projects.organizationId, organizationId));
      const rows = await db.delete(projectMembers).where(and(eq(projectMembers.userId, userId), inArray(projectMembers.projectId, inOrg))).returning({ projectId: projectMembers.projectId });
      return rows.map((r) => r.projectId);
    },
    async deleteMember(projectId: string, userId: string) {
      const rows = await db.delete(projectMembers).where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId))).returning();
      return rows.length > 0;
    },
  };
}
