import { type SQL, and, desc, eq, gte, lt, or, sql } from 'drizzle-orm';
import { auditEvents, missions, users, workstations } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

/** Position in a newest-first list: the row's time at full (microsecond) precision, then its id. */
export interface AuditKey {
  at: string;
  id: string;
}

export interface AuditFilter {
  organizationId?: string;
  action?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  since?: Date;
  until?: Date;
  /** Events about a project: the project itself, anything whose data names it, its missions. */
  projectId?: string;
}

export type AuditReadRow = Awaited<ReturnType<ReturnType<typeof createAuditReadRepository>['list']>>[number];

/**
 * Reads the audit log with the actor resolved now (names are never copied into the log, so a
 * deleted user's name does not survive in it). Ordered by (created_at, id) descending.
 */
export function createAuditReadRepository(db: Executor) {
  return {
    async list(filter: AuditFilter, after: AuditKey | undefined, limit: number) {
      const where: (SQL | undefined)[] = [
        filter.organizationId ? eq(auditEvents.organizationId, filter.organizationId) : undefined,
        filter.action ? eq(auditEvents.action, filter.action) : undefined,
        filter.actorId ? eq(auditEvents.actorId, filter.actorId) : undefined,
        filter.targetType ? eq(auditEvents.targetType, filter.targetType) : undefined,
        filter.targetId ? eq(auditEvents.targetId, filter.targetId) : undefined,
        filter.since ? gte(auditEvents.createdAt, filter.since) : undefined,
        filter.until ? lt(auditEvents.createdAt, filter.until) : undefined,
        filter.projectId
          ? or(
            and(eq(auditEvents.targetType, 'project'), eq(auditEvents.targetId, filter.projectId)),
            sql`${auditEvents.data}->>'projectId' = ${filter.projectId}`,
            and(eq(auditEvents.targetType, 'mission'), sql`${auditEvents.targetId} IN (SELECT ${missions.id} FROM ${missions} WHERE ${missions.projectId} = ${filter.projectId})`),
          )
          : undefined,
        // The cursor keeps the database's own text of the time: a JS Date would drop microseconds.
        after ? sql`(${auditEvents.createdAt}, ${auditEvents.id}) < (${after.at}::timestamptz, ${after.id})` : undefined,
      ];
      return db
        .select({
          event: auditEvents,
          at: sql<string>`${auditEvents.createdAt}::text`,
          userName: users.name, userEmail: users.email, userDeletedAt: users.deletedAt, userPseudonym: users.pseudonym,
          workstationName: workstations.name,
        })
        .from(auditEvents)
        .leftJoin(users, and(eq(auditEvents.actorType, 'user'), eq(users.id, auditEvents.actorId)))
        .leftJoin(workstations, and(eq(auditEvents.actorType, 'workstation'), eq(workstations.id, auditEvents.actorId)))
        .where(and(...where))
        .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
        .limit(limit + 1);
    },
  };
}
