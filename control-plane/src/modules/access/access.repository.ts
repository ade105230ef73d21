import { and, eq } from 'drizzle-orm';
import { missions, organizationMemberships, organizations, projectMembers, projects } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

export function createAccessRepository(db: Executor) {
  return {
    async orgRole(userId: string, organizationId: string) {
      const [row] = await db
        .select({ role: organizationMemberships.role })
        .from(organizationMemberships)
        .where(and(eq(organizationMemberships.userId, userId), eq(organizationMemberships.organizationId, organizationId)))
        .limit(1);
      return row?.role;
    },

    async orgExists(organizationId: string) {
      const [row] = await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, organizationId)).limit(1);
      return Boolean(row);
    },

    /** The project with the caller's org role and project override, in one round trip. */
    async projectWithRoles(userId: string, projectId: string) {
      const [row] = await db
        .select({
          project: projects,
          orgRole: organizationMemberships.role,
          projectRole: projectMembers.role,
        })
        .from(projects)
        .leftJoin(
          organizationMemberships,
          and(eq(organizationMemberships.organizationId, projects.organizationId), eq(organizationMemberships.userId, userId)),
        )
        .leftJoin(projectMembers, and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, userId)))
        .where(eq(projects.id, projectId))
        .limit(1);
      return row;
    },

    async missionProjectId(missionId: string) {
      const [row] = await db.select({ projectId: missions.projectId }).from(missions).where(eq(missions.id, missionId)).limit(1);
      return row?.projectId;
    },
  };
}
