import { type EventOrigin, newId } from '@solo-unicorn/shared';
import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import { missionEvents, missions } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';
import { rowsOf } from '../../db/rows.ts';

export type MissionEventRow = typeof missionEvents.$inferSelect;

export interface NewMissionEvent {
  missionId: string;
  origin: EventOrigin;
  kind: string;
  data?: Record<string, unknown>;
  userId?: string | null;
  attemptId?: string;
  attemptSeq?: number;
}

export function createMissionEventsRepository(db: Executor) {
  return {
    /**
     * Appends one event. The UPDATE takes the mission's row lock and hands out the next seq, so
     * seq is gap-free and strictly increasing per mission even under concurrent writers; it also
     * stamps last_event_at. Must run inside the caller's transaction.
     */
    async append(event: NewMissionEvent, at: Date): Promise<MissionEventRow> {
      // One statement (the seq taken and the row written together): every append sits inside
      // some transaction on a hot path — a claim, an accept, a finish — where each round trip counts.
      const row = {
        id: newId(), missionId: event.missionId, origin: event.origin, kind: event.kind, data: event.data ?? {},
        userId: event.userId ?? null, attemptId: event.attemptId ?? null, attemptSeq: event.attemptSeq ?? null, createdAt: at,
      };
      const [taken] = rowsOf(await db.execute(sql`
        WITH bumped AS (
          UPDATE missions SET last_event_seq = last_event_seq + 1, last_event_at = ${at.toISOString()}::timestamptz
          WHERE id = ${row.missionId} RETURNING last_event_seq, project_id
        )
        INSERT INTO mission_events (id, mission_id, project_id, seq, origin, kind, data, user_id, attempt_id, attempt_seq, created_at)
        SELECT ${row.id}, ${row.missionId}, b.project_id, b.last_event_seq, ${row.origin}::event_origin, ${row.kind}, ${JSON.stringify(row.data)}::jsonb,
          ${row.userId}, ${row.attemptId}, ${row.attemptSeq}::int, ${at.toISOString()}::timestamptz
        FROM bumped b
        RETURNING seq, project_id`));
      if (!taken) throw new Error(`mission ${event.missionId} vanished while recording an event`);
      return { ...row, seq: Number(taken.seq), projectId: String(taken.project_id) };
    },

    /**
     * Appends one mission's events in order with one UPDATE (taking `events.length` seqs at once)
     * and one multi-row INSERT: what `append` does per event, for a batch a daemon streamed.
     * `ack`: the attempt's new high-water mark (`last_acked_seq`), written by the same statement —
     * the usual batch is one attempt's events, so it costs one round trip, not two.
     * Must run inside the caller's transaction.
     */
    async appendMany(missionId: string, events: Omit<NewMissionEvent, 'missionId'>[], at: Date, ack?: { attemptId: string; seq: number }): Promise<void> {
      if (events.length === 0) return;
      // One statement, the rows as one JSON parameter: a drizzle multi-row insert built an SQL
      // object of 11 parameters a row, and building it was over half of an ingesting control
      // plane's CPU (bench/ingest.ts profile). The UPDATE takes n seqs under the mission's row
      // lock; row i (0-based) gets the i-th of them.
      const rows = JSON.stringify(events.map((e, i) => ({
        i, id: newId(), origin: e.origin, kind: e.kind, data: e.data ?? {}, user_id: e.userId ?? null,
        attempt_id: e.attemptId ?? null, attempt_seq: e.attemptSeq ?? null,
      })));
      const result = await db.execute(sql`
        WITH bumped AS (
          UPDATE missions SET last_event_seq = last_event_seq + ${events.length}, last_event_at = ${at.toISOString()}::timestamptz
          WHERE id = ${missionId} RETURNING last_event_seq, project_id
        ), inserted AS (
          INSERT INTO mission_events (id, mission_id, project_id, seq, origin, kind, data, user_id, attempt_id, attempt_seq, created_at)
          SELECT r.id, ${missionId}, b.project_id, b.last_event_seq - ${events.length} + 1 + r.i, r.origin, r.kind, r.data, r.user_id, r.attempt_id, r.attempt_seq, ${at.toISOString()}::timestamptz
          FROM bumped b, jsonb_to_recordset(${rows}::jsonb) AS r(i int, id varchar, origin event_origin, kind varchar, data jsonb, user_id varchar, attempt_id varchar, attempt_seq int)
          RETURNING 1
        )${ack ? sql`, acked AS (
          UPDATE code_agent_sessions SET last_acked_seq = ${ack.seq}, updated_at = ${at.toISOString()}::timestamptz WHERE id = ${ack.attemptId}
        )` : sql``}
        SELECT count(*)::int AS n FROM inserted`);
      if ((result as unknown as { rows: { n: number }[] }).rows[0]?.n !== events.length) throw new Error(`mission ${missionId} vanished while recording events`);
    },

    /**
     * Up to `limit + 1` events after `afterSeq` (the extra one says a next page exists), cut
     * short once their data passes `maxBytes` (always at least one event): a page is bounded by
     * size as well as count, since one event may carry a whole mission doc. A page cut by size
     * keeps one more row than it returns, so the caller's `limit + 1` rule still sees "more".
     */
    /** The mission's newest event of one kind (e.g. the last `git.diff`). */
    async latestOfKind(missionId: string, kind: string): Promise<MissionEventRow | undefined> {
      const [row] = await db.select().from(missionEvents)
        .where(and(eq(missionEvents.missionId, missionId), eq(missionEvents.kind, kind)))
        .orderBy(desc(missionEvents.seq)).limit(1);
      return row;
    },

    async list(missionId: string, afterSeq: number, limit: number, maxBytes = Number.POSITIVE_INFINITY) {
      const after = and(eq(missionEvents.missionId, missionId), gt(missionEvents.seq, afterSeq));
      let take = limit + 1;
      if (Number.isFinite(maxBytes)) {
        const sizes = await db
          .select({ size: sql<number>`octet_length(${missionEvents.data}::text)`.mapWith(Number) })
          .from(missionEvents).where(after).orderBy(asc(missionEvents.seq)).limit(limit + 1);
        let total = 0;
        for (let i = 0; i < sizes.length; i++) {
          total += sizes[i]!.size;
          if (i > 0 && total > maxBytes) {
            take = i + 1; // rows 0..i-1 fit; row i is the marker that more follow
            break;
          }
        }
      }
      const rows = await db.select().from(missionEvents).where(after).orderBy(asc(missionEvents.seq)).limit(take);
      return { rows, limit: Math.min(limit, take - 1) };
    },
  };
}
