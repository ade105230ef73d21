import { and, desc, eq, gt, isNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import { LATEST_INSTANT } from '@solo-unicorn/shared';
import { notifications } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';
import { iso, isoOrNull } from '../../lib/time.ts';
import { rowsOf } from '../../db/rows.ts';

/**
 * 'inbox': what has entered the inbox (visible_at passed). 'waiting': held by quiet hours or
 * snoozed, not yet there. Both compare with the database's now(), as the notification_counts
 * view does, so a list and its count never disagree over a clock skew.
 */
export type NotificationView = 'inbox' | 'waiting';

const columns = {
  id: notifications.id, kind: notifications.kind, segment: notifications.segment, title: notifications.title, body: notifications.body,
  organizationId: notifications.organizationId, projectId: notifications.projectId, missionId: notifications.missionId, data: notifications.data,
  readAt: notifications.readAt, heldUntil: notifications.heldUntil, snoozedUntil: notifications.snoozedUntil, createdAt: notifications.createdAt,
};
interface Row {
  id: string; kind: string; segment: string; title: string; body: string | null; organizationId: string | null; projectId: string | null;
  missionId: string | null; data: unknown; readAt: Date | null; heldUntil: Date | null; snoozedUntil: Date | null; createdAt: Date;
}

export const toNotification = (n: Row) => ({
  id: n.id, kind: n.kind, segment: n.segment, title: n.title, body: n.body, organizationId: n.organizationId, projectId: n.projectId,
  missionId: n.missionId, data: (n.data ?? {}) as Record<string, unknown>, readAt: isoOrNull(n.readAt),
  heldUntil: isoOrNull(n.heldUntil), snoozedUntil: isoOrNull(n.snoozedUntil), createdAt: iso(n.createdAt),
});
export type NotificationOut = ReturnType<typeof toNotification>;

const visible = (view: NotificationView): SQL =>
  view === 'inbox' ? lte(notifications.visibleAt, sql`now()`) : gt(notifications.visibleAt, sql`now()`);

export async function listNotifications(
  db: Executor, userId: string, q: { view: NotificationView; unread: boolean; segment?: string; limit: number },
): Promise<NotificationOut[]> {
  const rows = await db.select(columns).from(notifications)
    .where(and(
      eq(notifications.userId, userId), isNull(notifications.archivedAt), visible(q.view),
      q.unread ? isNull(notifications.readAt) : undefined, q.segment ? eq(notifications.segment, q.segment) : undefined,
    ))
    .orderBy(desc(notifications.createdAt), desc(notifications.id)).limit(q.limit);
  return rows.map(toNotification);
}

export async function oneNotification(db: Executor, userId: string, id: string): Promise<NotificationOut | undefined> {
  const [row] = await db.select(columns).from(notifications).where(and(eq(notifications.id, id), eq(notifications.userId, userId)));
  return row ? toNotification(row) : undefined;
}

/** Unread counts per segment from the notification_counts view: the figure the badge shows. */
export async function unreadCounts(db: Executor, userId: string): Promise<{ unread: number; segments: Record<string, number> }> {
  const rows = rowsOf(await db.execute(sql`SELECT segment, unread FROM notification_counts WHERE user_id = ${userId}`));
  const segments = Object.fromEntries(rows.map((r) => [String(r.segment), Number(r.unread)]));
  return { unread: Object.values(segments).reduce((a, b) => a + b, 0), segments };
}

/** Marks every unread notification in the inbox read in one statement; waiting ones stay unread. */
export async function markAllRead(db: Executor, userId: string, at: Date, q: { segment?: string; before?: Date }): Promise<number> {
  const rows = await db.update(notifications).set({ readAt: at })
    .where(and(
      eq(notifications.userId, userId), isNull(notifications.readAt), isNull(notifications.archivedAt), visible('inbox'),
      q.segment ? eq(notifications.segment, q.segment) : undefined,
      // `before` is a createdAt as the API printed it (milliseconds); the column keeps microseconds.
      q.before ? lt(notifications.createdAt, new Date(Math.min(q.before.getTime() + 1, LATEST_INSTANT.getTime()))) : undefined,
    ))
    .returning({ id: notifications.id });
  return rows.length;
}

/** Hides a notification until `until` (null: back now, unless quiet hours still hold it). */
export async function setSnooze(db: Executor, userId: string, id: string, until: Date | null): Promise<boolean> {
  const visibleAt = until
    ? sql`GREATEST(${until.toISOString()}::timestamptz, coalesce(${notifications.heldUntil}, '-infinity'::timestamptz))`
    : sql`coalesce(${notifications.heldUntil}, '-infinity'::timestamptz)`;
  const rows = await db.update(notifications).set({ snoozedUntil: until, visibleAt })
    .where(and(eq(notifications.id, id), eq(notifications.userId, userId))).returning({ id: notifications.id });
  return rows.length > 0;
}
