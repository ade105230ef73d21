import { sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { rowsOf } from '../db/rows.ts';

const INT4_MAX = 2_147_483_647;

export interface FeedItem {
  seq: number;
  kind: string;
  at: string;
  data: unknown;
}

/**
 * Where each channel's ordered history lives. A mission's events are mission_events (seq per
 * mission); every other channel is realtime_log (seq per channel). Both are gap-free and commit
 * in seq order, so "everything after my cursor" is exact.
 */
export function createChannelFeeds(db: Db) {
  const missionOf = (channel: string) => /^mission:([0-9A-Z]{26}):events$/.exec(channel)?.[1];
  return {
    async after(channel: string, cursor: number, limit: number): Promise<FeedItem[]> {
      const missionId = missionOf(channel);
      // A mission's seq is an int4: a cursor past it (a client may send any 18 digits) has nothing after it.
      if (missionId && cursor >= INT4_MAX) return [];
      const rows = rowsOf(
        await db.execute(
          missionId
            ? sql`SELECT seq, kind, created_at AS at, jsonb_build_object('id', id, 'origin', origin, 'data', data) AS data
                    FROM mission_events WHERE mission_id = ${missionId} AND seq > ${cursor} ORDER BY seq LIMIT ${limit}`
            : sql`SELECT seq, type AS kind, created_at AS at, data
                    FROM realtime_log WHERE channel = ${channel} AND seq > ${cursor} ORDER BY seq LIMIT ${limit}`,
        ),
      );
      return rows.map((r) => ({ seq: Number(r.seq), kind: String(r.kind), at: new Date(r.at as string).toISOString(), data: r.data }));
    },
    /** The cursor a subscription without one starts from: "from now on". */
    async head(channel: string): Promise<number> {
      const missionId = missionOf(channel);
      const rows = rowsOf(
        await db.execute(
          missionId
            ? sql`SELECT last_event_seq AS seq FROM missions WHERE id = ${missionId}`
            : sql`SELECT last_seq AS seq FROM realtime_channels WHERE channel = ${channel}`,
        ),
      );
      return rows[0] ? Number(rows[0].seq) : 0;
    },
  };
}
export type ChannelFeeds = ReturnType<typeof createChannelFeeds>;
