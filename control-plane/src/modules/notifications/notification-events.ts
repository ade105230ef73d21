import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/types.ts';

/** The realtime channel of one person's notifications; only that person may subscribe (socket-access.ts). */
export const notificationsChannel = (userId: string) => `user:${userId}:notifications`;

/**
 * What a person's inbox channel carries. Each is appended in the transaction that made the change,
 * so it is heard (by every control plane, through NOTIFY) exactly when the change commits; a
 * listener answers any of them by fetching GET /notifications/counts once.
 */
export type NotificationEventKind =
  | 'notification.created' // data: { id, kind, segment, organizationId, projectId, missionId, heldUntil, createdAt } (no title or body)
  | 'notification.read' // data: { id } or { all: true, marked }
  | 'notification.snoozed' // data: { id, until }
  | 'notification.unsnoozed' // data: { id }
  | 'notification.released'; // data: { ids, upTo }: held or snoozed ones that entered the inbox (notification-releases.ts)

/**
 * Appends one event per person. People are taken in id order: each append locks that person's
 * channel row until commit, and a common order keeps two transactions from waiting on each other.
 */
export async function publishNotificationEvents(db: Executor, kind: NotificationEventKind, events: { userId: string; data: unknown }[]) {
  if (events.length === 0) return;
  const sorted = [...events].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  const payload = JSON.stringify(sorted.map((e) => ({ c: notificationsChannel(e.userId), d: e.data })));
  await db.execute(sql`SELECT su_realtime_append(e->>'c', ${kind}, e->'d')
                         FROM jsonb_array_elements(${payload}::jsonb) WITH ORDINALITY AS x(e, n) ORDER BY n`);
}

export const publishNotificationEvent = (db: Executor, userId: string, kind: NotificationEventKind, data: unknown) =>
  publishNotificationEvents(db, kind, [{ userId, data }]);
