import { and, eq, sql } from 'drizzle-orm';
import { missions, organizationMemberships, organizations, projectMembers, projects } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

const userId = sql.placeholder('userId');
const projectId = sql.placeholder('projectId');
const missionId = sql.placeholder('missionId');

/** The caller's roles on the joined project: its org role, and its project role (an override, or an outside collaborator's). */
const roleColumns = { orgRole: organizationMemberships.role, projectRole: projectMembers.role, outside: projectMembers.outside };
const orgRoleOn = and(eq(organizationMemberships.organizationId, projects.organizationId), eq(organizationMemberships.userId, userId));
const projectRoleOn = and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, userId));

/**
 * The access check runs before every project-scoped request: prepared once per database handle so
 * PostgreSQL skips parsing and planning the three-table join each time.
 */
function prepareProjectWithRoles(db: Executor) {
  return db
    .select({ project: projects, ...roleColumns })
    .from(projects)
    .leftJoin(organizationMemberships, orgRoleOn)
    .leftJoin(projectMembers, projectRoleOn)
    .where(eq(projects.id, projectId))
    .limit(1)
    .prepare('su_project_with_roles');
}

/**
 * The same for a mission-scoped request: the mission's project and list with the caller's roles,
 * in one round trip instead of the mission first and then its project.
 */
function prepareMissionWithRoles(db: Executor) {
  return db
    .select({ mission: { projectId: missions.projectId, list: missions.list }, project: projects, ...roleColumns })
    .from(missions)
    .innerJoin(projects, eq(projects.id, missions.projectId))
    .leftJoin(organizationMemberships, orgRoleOn)
    .leftJoin(projectMembers, projectRoleOn)
    .where(eq(missions.id, missionId))
    .limit(1)
    .prepare('su_mission_with_roles');
}

/** A statement prepared once per database handle (and per `prepare`: each has its own cache). */
function preparedOnce<T>(prepare: (db: Executor) => T) {
  const cache = new WeakMap<Executor, T>();
  return (db: Executor) => {
    let statement = cache.get(db);
    if (!statement) cache.set(db, (statement = prepare(db)));
    return statement;
  };
}
const projectWithRolesOn = preparedOnce(prepareProjectWithRoles);
const missionWithRolesOn = preparedOnce(prepareMissionWithRoles);

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
      const [row] = await projectWithRolesOn(db).execute({ userId: user, projectId: project });
      return row;
    },

    /** A mission's project and list with the caller's roles (see projectWithRoles). */
    async missionWithRoles(user: string, mission: string) {
      const [row] = await missionWithRolesOn(db).execute({ userId: user, missionId: mission });
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
