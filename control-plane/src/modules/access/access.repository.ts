import { and, eq, sql } from 'drizzle-orm';
import { missions, organizationMemberships, organizations, projectMembers, projects } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

const userId = sql.placeholder('userId');
const projectId = sql.placeholder('projectId');

/**
 * The access check runs before every project-scoped request: prepared once per database handle so
 * PostgreSQL skips parsing and planning the three-table join each time.
 */
function prepareProjectWithRoles(db: Executor) {
  return db
    .select({ project: projects, orgRole: organizationMemberships.role, projectRole: projectMembers.role, outside: projectMembers.outside })
    .from(projects)
    .leftJoin(organizationMemberships, and(eq(organizationMemberships.organizationId, projects.organizationId), eq(organizationMemberships.userId, userId)))
    .leftJoin(projectMembers, and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, userId)))
    .where(eq(projects.id, projectId))
    .limit(1)
    .prepare('su_project_with_roles');
}
const prepared = new WeakMap<Executor, ReturnType<typeof prepareProjectWithRoles>>();

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

    /** The project with the caller's org role and project role (an override, or an outside collaborator's), in one round trip. */
    async projectWithRoles(user: string, project: string) {
      let statement = prepared.get(db);
      if (!statement) prepared.set(db, (statement = prepareProjectWithRoles(db)));
      const [row] = await statement.execute({ userId: user, projectId: project });
      return row;
    },

    /** The project alone: an anonymous reader has no roles to join. */
    async project(projectId: string) {
      const [row] = await db.select().from(projects).where(eq(projects.id, projectId)).limit(1);
      return row;
    },

    async missionFacts(missionId: string) {
      const [row] = await db.select({ projectId: missions.projectId, list: missions.list }).from(missions).where(eq(missions.id, missionId)).limit(1);
      return row;
    },
  };
}
