import { type MissionList, newId } from '@solo-unicorn/shared';
import { and, asc, count, eq, inArray, isNotNull, sql, type SQL } from 'drizzle-orm';
import { rowsOf } from '../../db/rows.ts';
import { missionDependencies, missions } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

/** Advisory lock class for list positions (the second key is the project). */
const LIST_ORDER_LOCK = 7_878_300;
export type MissionRow = typeof missions.$inferSelect;
export type NewMission = typeof missions.$inferInsert;
/** An update's values: plain, or SQL computed by the UPDATE itself (see lockedEndOfList). */
export type MissionSet = { [K in keyof NewMission]?: NewMission[K] | SQL };

export interface ColumnQuery {
  projectId: string;
  list?: MissionList;
  ready?: boolean;
  after?: { list: MissionList; listOrder: number; id: string };
  limit: number;
}

/**
 * The ready backlog: missions an agent could pick up — in Todo, ready, and with a repository (one
 * without can never run, so counting it would hold Mission Fallback back forever). Matches the
 * predicate of the partial index idx_missions_backlog, so counts stay index-only.
 */
export const backlogPredicate = [eq(missions.list, 'todo'), eq(missions.ready, true), isNotNull(missions.repositoryId)] as const;

/** A list's next bottom position: after its last mission, or 1000 in an empty list. */
const listEnd = (projectId: string, list: MissionList) =>
  sql<number>`(SELECT coalesce(max(m.list_order) + 1000, 1000) FROM missions m WHERE m.project_id = ${projectId} AND m.list = ${list}::mission_list)`;

export function createMissionsRepository(db: Executor) {
  /** The per-project lock list positions are taken under, held to the end of the transaction. */
  const lockListOrder = (projectId: string) => db.execute(sql`SELECT pg_advisory_xact_lock(${LIST_ORDER_LOCK}, hashtext(${projectId}))`);

  return {
    async insert(values: Omit<NewMission, 'id'>) {
      const [row] = await db.insert(missions).values({ id: newId(), ...values }).returning();
      return row!;
    },

    async find(id: string) {
      const [row] = await db.select().from(missions).where(eq(missions.id, id)).limit(1);
      return row;
    },

    /** Locks the mission row for the rest of the transaction: changes to one mission serialise. */
    async findForUpdate(id: string) {
      const [row] = await db.select().from(missions).where(eq(missions.id, id)).for('update').limit(1);
      return row;
    },

    async update(id: string, values: MissionSet) {
      const [row] = await db.update(missions).set(values).where(eq(missions.id, id)).returning();
      return row!;
    },

    async inProject(projectId: string, ids: string[]) {
      if (ids.length === 0) return [];
      return db
        .select({ id: missions.id, list: missions.list })
        .from(missions)
        .where(and(eq(missions.projectId, projectId), inArray(missions.id, ids)));
    },

    /**
     * The end of a list as an expression for the UPDATE that moves a mission there, after the same
     * lock `endOfList` takes: the statement that follows the lock reads the list as it is then, and
     * the move costs one round trip less than reading the end first.
     */
    async lockedEndOfList(projectId: string, list: MissionList): Promise<SQL<number>> {
      await lockListOrder(projectId);
      return listEnd(projectId, list);
    },

    /**
     * The next position at the bottom of a list. Two transactions adding to one project's lists at
     * once would read the same bottom: a per-project lock held to the end of the caller's
     * transaction makes them take turns, so no two missions share a position.
     */
    async endOfList(projectId: string, list: MissionList): Promise<number> {
      await lockListOrder(projectId);
      const [row] = rowsOf(await db.execute(sql`SELECT ${listEnd(projectId, list)} AS top`));
      return Number(row!.top);
    },

    /** A board column (or all lists) in board order: list, listOrder, id — keyset-paginated. */
    async column(q: ColumnQuery) {
      const filters: (SQL | undefined)[] = [eq(missions.projectId, q.projectId)];
      if (q.list) filters.push(eq(missions.list, q.list));
      if (q.ready !== undefined) filters.push(eq(missions.ready, q.ready));
      if (q.after) {
        filters.push(
          sql`(${missions.list}, ${missions.listOrder}, ${missions.id}) > (${q.after.list}::mission_list, ${q.after.listOrder}::numeric, ${q.after.id})`,
        );
      }
      return db
        .select()
        .from(missions)
        .where(and(...filters))
        .orderBy(asc(missions.list), asc(missions.listOrder), asc(missions.id))
        .limit(q.limit + 1);
    },

    /** todo ∧ ready ∧ with a repository (missions that can run) for one project: an index-only count on the partial backlog index. */
    async backlogCount(projectId: string): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(missions)
        .where(and(eq(missions.projectId, projectId), ...backlogPredicate));
      return row?.n ?? 0;
    },

    async dependencyIds(missionIds: string[]) {
      if (missionIds.length === 0) return new Map<string, string[]>();
      const rows = await db
        .select({ missionId: missionDependencies.missionId, dependsOn: missionDependencies.dependsOnMissionId })
        .from(missionDependencies)
        .where(inArray(missionDependencies.missionId, missionIds))
        .orderBy(asc(missionDependencies.dependsOnMissionId));
      const byMission = new Map<string, string[]>();
      for (const r of rows) byMission.set(r.missionId, [...(byMission.get(r.missionId) ?? []), r.dependsOn]);
      return byMission;
    },

    async replaceDependencies(missionId: string, dependsOn: string[]) {
      await db.delete(missionDependencies).where(eq(missionDependencies.missionId, missionId));
      if (dependsOn.length > 0) {
        await db.insert(missionDependencies).values(dependsOn.map((d) => ({ missionId, dependsOnMissionId: d })));
      }
    },

    /** True when `missionId` is reachable from any of `dependsOn` (adding the edges would close a cycle). */
    async wouldCycle(missionId: string, dependsOn: string[]): Promise<boolean> {
      if (dependsOn.includes(missionId)) return true;
      if (dependsOn.length === 0) return false;
      const result = await db.execute(sql`
        WITH RECURSIVE reach(id) AS (
          SELECT depends_on_mission_id FROM mission_dependencies
           WHERE mission_id IN (${sql.join(dependsOn.map((d) => sql`${d}`), sql`, `)})
          UNION
          SELECT d.depends_on_mission_id FROM mission_dependencies d JOIN reach r ON d.mission_id = r.id
        )
        SELECT 1 AS hit FROM reach WHERE id = ${missionId} LIMIT 1`);
      return rowsOf(result).length > 0;
    },

    /** Missions that depend on `missionId`. */
    async dependents(missionId: string) {
      const rows = await db
        .select({ id: missionDependencies.missionId })
        .from(missionDependencies)
        .where(eq(missionDependencies.dependsOnMissionId, missionId));
      return rows.map((r) => r.id);
    },

    /**
     * Recomputes dependency_count (blockers not yet Done) for the given missions from the edges,
     * rather than incrementing, so the count can never drift. Returns the missions whose count changed.
     */
    async recountDependencies(missionIds: string[]) {
      if (missionIds.length === 0) return [];
      const result = await db.execute(sql`
        WITH fresh AS (
          SELECT m.id, (
            SELECT count(*)::int FROM mission_dependencies d JOIN missions b ON b.id = d.depends_on_mission_id
             WHERE d.mission_id = m.id AND b.list <> 'done'
          ) AS n
          FROM missions m WHERE m.id IN (${sql.join(missionIds.map((id) => sql`${id}`), sql`, `)})
        )
        UPDATE missions SET dependency_count = fresh.n
          FROM fresh WHERE missions.id = fresh.id AND missions.dependency_count <> fresh.n
        RETURNING missions.id, missions.project_id AS "projectId", missions.dependency_count AS "dependencyCount"`);
      return rowsOf(result) as { id: string; projectId: string; dependencyCount: number }[];
    },
  };
}

