import { sql } from 'drizzle-orm';
import type { Db } from '../db/types.ts';
import { rowsOf } from '../db/rows.ts';
import { notificationsChannel, publishNotificationEvent } from '../modules/notifications/notification-events.ts';
import type { RealtimeHub } from './hub.ts';

/** Look again at least this often (a far-off release; setTimeout cannot wait beyond ~24 days anyway). */
const MAX_WAIT_MS = 3_600_000;
/** Fire just after the instant, never a hair before it. */
const SLACK_MS = 25;
/** Ids listed per released event; more in the same instant go in the next one, at once. */
const MAX_IDS = 500;
const RETRY_MS = 5_000;

interface Watch {
  refs: number;
  timer?: NodeJS.Timeout;
  unsubscribe?: () => void;
  busy: boolean;
  again: boolean;
  stopped: boolean;
}

/**
 * A notification held by quiet hours or snoozed enters the inbox by time alone: no write happens
 * then, so nothing is published by itself. While someone watches their notifications channel,
 * the process holding that socket times the next such entry (from the database's clock) and
 * appends one `notification.released` event. Every process watching the person may fire: each
 * takes a per-channel advisory lock and publishes only what entered after the last release
 * event's `upTo`, so the event is written once, and every watcher in every process hears it
 * through the channel like any other change.
 */
export function createNotificationReleases(db: Db, hub: RealtimeHub, log: { warn(o: object, m: string): void }) {
  const watches = new Map<string, Watch>();

  /** The next instant one of the person's notifications enters the inbox, and how far off it is. */
  async function nextRelease(userId: string) {
    const [row] = rowsOf(await db.execute(sql`
      SELECT min(visible_at)::text AS at, EXTRACT(EPOCH FROM min(visible_at) - now()) * 1000 AS ms
        FROM notifications WHERE user_id = ${userId} AND archived_at IS NULL AND visible_at > now()`));
    return row?.at == null ? undefined : { at: String(row.at), ms: Number(row.ms) };
  }

  /** Publishes what entered the inbox since the last release event (or since just before `target`); true when more are due now. */
  async function release(userId: string, target: string): Promise<boolean> {
    const channel = notificationsChannel(userId);
    return db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`notification-release:${channel}`}, 0))`);
      const [last] = rowsOf(await tx.execute(sql`
        SELECT data->>'upTo' AS up_to FROM realtime_log WHERE channel = ${channel} AND type = 'notification.released'
         ORDER BY seq DESC LIMIT 1`));
      const since = last?.up_to == null ? sql`${target}::timestamptz - interval '1 millisecond'` : sql`${String(last.up_to)}::timestamptz`;
      // visible_at > created_at: it waited (held or snoozed); one shown at once never "enters" later.
      const rows = rowsOf(await tx.execute(sql`
        SELECT id, visible_at::text AS at FROM notifications
         WHERE user_id = ${userId} AND archived_at IS NULL AND visible_at > ${since} AND visible_at <= now() AND visible_at > created_at
         ORDER BY visible_at, id LIMIT ${MAX_IDS}`));
      if (rows.length === 0) return false;
      const full = rows.length === MAX_IDS;
      const [now] = rowsOf(await tx.execute(sql`SELECT now()::text AS at`));
      // A full page ends at its last instant, so the rest of that instant is still "after upTo".
      const upTo = full ? String(rows.at(-1)!.at) : String(now!.at);
      await publishNotificationEvent(tx, userId, 'notification.released', { ids: rows.map((r) => String(r.id)), upTo });
      return full;
    });
  }

  /** (Re)times the person's next release; runs one at a time per person, once more if asked meanwhile. */
  async function schedule(userId: string, w: Watch) {
    if (w.busy) {
      w.again = true;
      return;
    }
    w.busy = true;
    try {
      do {
        w.again = false;
        const next = await nextRelease(userId);
        clearTimeout(w.timer);
        w.timer = undefined;
        if (w.stopped || !next) continue;
        const target = next.at;
        w.timer = setTimeout(() => void fire(userId, w, target), Math.min(MAX_WAIT_MS, Math.max(0, next.ms) + SLACK_MS));
      } while (w.again && !w.stopped);
    } catch (err) {
      log.warn({ err }, 'cannot time the next notification release; trying again shortly');
      if (!w.stopped) w.timer = setTimeout(() => void schedule(userId, w), RETRY_MS);
    } finally {
      w.busy = false;
    }
  }

  async function fire(userId: string, w: Watch, target: string) {
    let more = false;
    try {
      more = await release(userId, target);
    } catch (err) {
      log.warn({ err }, 'cannot publish a notification release; trying again shortly');
      if (!w.stopped) w.timer = setTimeout(() => void fire(userId, w, target), RETRY_MS);
      return;
    }
    if (w.stopped) return;
    if (more) return void fire(userId, w, target);
    await schedule(userId, w);
  }

  return {
    /** Keeps the person's releases timed while at least one of their subscriptions here lives; returns its end. */
    async watch(userId: string): Promise<() => void> {
      const known = watches.get(userId);
      const w: Watch = known ?? { refs: 0, busy: false, again: false, stopped: false };
      if (!known) watches.set(userId, w);
      w.refs++;
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        if (--w.refs === 0) stop(userId, w);
      };
      if (known) return end;
      try {
        // Anything on the channel (a new held one, a snooze, a release from another process) may move the next release.
        const sub = await hub.subscribe({
          channel: notificationsChannel(userId),
          deliver: () => {
            void schedule(userId, w);
            return !w.stopped;
          },
        });
        if (w.stopped) sub.unsubscribe(); // every watcher left while we subscribed
        else {
          w.unsubscribe = sub.unsubscribe;
          sub.start();
          void schedule(userId, w);
        }
      } catch (err) {
        log.warn({ err }, 'cannot watch notification releases; the inbox hears of them on its next fetch');
      }
      return end;
    },
    stop() {
      for (const [userId, w] of watches) stop(userId, w);
    },
  };

  function stop(userId: string, w: Watch) {
    w.stopped = true;
    clearTimeout(w.timer);
    w.unsubscribe?.();
    if (watches.get(userId) === w) watches.delete(userId);
  }
}
export type NotificationReleases = ReturnType<typeof createNotificationReleases>;
