import { and, count, eq, sql } from 'drizzle-orm';
import { missionFallbackConfigs, missions, organizationMemberships, projectMembers, projects } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';
import { backlogPredicate } from './missions.repository.ts';

/** The projects' default when no fallback config row exists yet (matches the column default). */
export const DEFAULT_BACKLOG_THRESHOLD = 5;

const projectId = sql.placeholder('projectId');

/**
 * The ready backlog (todo ∧ ready ∧ with a repository: see backlogPredicate) and the project's
 * threshold in one round trip. The count is an index-only
 * scan of the partial index idx_missions_backlog. Prepared once per database handle: this runs
 * for every project on every scheduler tick, so skipping parse/plan matters.
 */
function prepareBacklogCheck(db: Executor) {
  const backlog = db
    .select({ n: count() })
    .from(missions)
    .where(and(eq(missions.projectId, projectId), ...backlogPredicate));
  const threshold = db
    .select({ t: missionFallbackConfigs.backlogThreshold })
    .from(missionFallbackConfigs)
    .where(eq(missionFallbackConfigs.projectId, projectId));
  return db
    .select({
      count: sql<number>`(${backlog})::int`.mapWith(Number),
      threshold: sql<number>`coalesce((${threshold}), ${sql.raw(String(DEFAULT_BACKLOG_THRESHOLD))})::int`.mapWith(Number),
    })
    .from(sql`(SELECT 1) AS one`)
    .prepare('su_backlog_check');
}

const prepared = new WeakMap<Executor, ReturnType<typeof prepareBacklogCheck>>();

const userId = sql.placeholder('userId');

/**
 * The API's backlog check in ONE round trip: the facts the access rules need (visibility, the
 * caller's org role and project override) together with the count and the threshold.
 */
function prepareBacklogWithAccess(db: Executor) {
  const orgRole = db.select({ r: organizationMemberships.role }).from(organizationMemberships)
    .where(and(eq(organizationMemberships.organizationId, projects.organizationId), eq(organizationMemberships.userId, userId)));
  const projectRole = db.select({ r: projectMembers.role }).from(projectMembers)
    .where(and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, userId)));
  const outside = db.select({ o: projectMembers.outside }).from(projectMembers)
    .where(and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, userId)));
  const backlog = db.select({ n: count() }).from(missions)
    .where(and(eq(missions.projectId, projects.id), ...backlogPredicate));
  const threshold = db.select({ t: missionFallbackConfigs.backlogThreshold }).from(missionFallbackConfigs)
    .where(eq(missionFallbackConfigs.projectId, projects.id));
  return db
    .select({
      visibility: projects.visibility,
      orgRole: sql<'owner' | 'admin' | 'member' | 'viewer' | null>`(${orgRole})`,
      projectRole: sql<'admin' | 'member' | 'viewer' | null>`(${projectRole})`,
      outside: sql<boolean | null>`(${outside})`,
      count: sql<number>`(${backlog})::int`.mapWith(Number),
      threshold: sql<number>`coalesce((${threshold}), ${sql.raw(String(DEFAULT_BACKLOG_THRESHOLD))})::int`.mapWith(Number),
    })
    .from(projects)
    .where(eq(projects.id, projectId))
    .prepare('su_backlog_with_access');
}
const preparedWithAccess = new WeakMap<Executor, ReturnType<typeof prepareBacklogWithAccess>>();

export function createBacklogRepository(db: Executor) {
  return {
    async checkWithAccess(user: string, id: string) {
      let statement = preparedWithAccess.get(db);
      if (!statement) preparedWithAccess.set(db, (statement = prepareBacklogWithAccess(db)));
      const [row] = await statement.execute({ userId: user, projectId: id });
      return row;
    },

    async check(id: string): Promise<{ count: number; threshold: number }> {
      let statement = prepared.get(db);
      if (!statement) prepared.set(db, (statement = prepareBacklogCheck(db)));
      const [row] = await statement.execute({ projectId: id });
      return row!;
    },
  };
}
