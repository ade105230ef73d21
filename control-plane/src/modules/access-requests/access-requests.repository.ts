import { newId, type ProjectRole } from '@solo-unicorn/shared';
import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import { accessRequests, projects, users } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

const columns = {
  id: accessRequests.id, projectId: accessRequests.projectId, userId: accessRequests.userId, userEmail: users.email, role: accessRequests.role,
  message: accessRequests.message, status: accessRequests.status, decidedBy: accessRequests.decidedBy, decidedAt: accessRequests.decidedAt, createdAt: accessRequests.createdAt,
};

export function createAccessRequestsRepository(db: Executor) {
  const select = () => db.select(columns).from(accessRequests).leftJoin(users, eq(users.id, accessRequests.userId));
  return {
    /** Null when the user already has a pending request on the project (the partial unique index). */
    async insert(values: { projectId: string; userId: string; role: ProjectRole; message: string | null; createdAt: Date }) {
      const [row] = await db.insert(accessRequests).values({ id: newId(), ...values }).onConflictDoNothing().returning({ id: accessRequests.id });
      return row ? this.find(row.id) : undefined;
    },

    async find(id: string) {
      const [row] = await select().where(eq(accessRequests.id, id)).limit(1);
      return row;
    },

    /** Locked: two admins deciding at once are served one after the other (the second sees it decided). */
    async lock(id: string) {
      const [row] = await db.select({ id: accessRequests.id }).from(accessRequests).where(eq(accessRequests.id, id)).for('update').limit(1);
      return row ? this.find(row.id) : undefined;
    },

    async pendingOf(projectId: string, userId: string) {
      const [row] = await select().where(and(eq(accessRequests.projectId, projectId), eq(accessRequests.userId, userId), eq(accessRequests.status, 'pending'))).limit(1);
      return row;
    },

    async decide(id: string, values: { status: 'approved' | 'rejected'; role: ProjectRole; decidedBy: string | null; decidedAt: Date }) {
      await db.update(accessRequests).set(values).where(eq(accessRequests.id, id));
      return this.find(id);
    },

    /**
     * Offboarding: the person's pending requests on the organization's projects are declined (by
     * nobody), so none is approved later as if they were still a member. Returns their ids.
     */
    async declinePendingInOrganization(organizationId: string, userId: string, at: Date) {
      const inOrg = db.select({ id: projects.id }).from(projects).where(eq(projects.organizationId, organizationId));
      const rows = await db.update(accessRequests).set({ status: 'rejected', decidedBy: null, decidedAt: at })
        .where(and(eq(accessRequests.userId, userId), eq(accessRequests.status, 'pending'), inArray(accessRequests.projectId, inOrg)))
        .returning({ id: accessRequests.id });
      return rows.map((r) => r.id);
    },

    /** Newest first, by id (ids are time-ordered). */
    async list(filter: { projectId?: string; userId?: string; status?: 'pending' | 'approved' | 'rejected'; beforeId?: string; limit: number }) {
      return select()
        .where(and(
          filter.projectId ? eq(accessRequests.projectId, filter.projectId) : undefined,
          filter.userId ? eq(accessRequests.userId, filter.userId) : undefined,
          filter.status ? eq(accessRequests.status, filter.status) : undefined,
          filter.beforeId ? lt(accessRequests.id, filter.beforeId) : undefined,
        ))
        .orderBy(desc(accessRequests.id))
        .limit(filter.limit + 1);
    },
  };
}
export type AccessRequestRow = NonNullable<Awaited<ReturnType<ReturnType<typeof createAccessRequestsRepository>['find']>>>;
