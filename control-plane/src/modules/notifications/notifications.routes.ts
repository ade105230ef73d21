import { idSchema, instantSchema } from '@solo-unicorn/shared';
import { and, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notifications } from '../../db/schema/index.ts';
import type { Db } from '../../db/types.ts';
import { invalidField, notFound } from '../../errors.ts';
import type { Clock } from '../../lib/time.ts';
import { userOf } from '../../plugins/auth.ts';
import { publishNotificationEvent } from './notification-events.ts';
import { listNotifications, markAllRead, oneNotification, setSnooze, unreadCounts } from './notifications.repository.ts';

const notificationSchema = z.object({
  id: idSchema, kind: z.string(), segment: z.string(), title: z.string(), body: z.string().nullable(),
  organizationId: idSchema.nullable(), projectId: idSchema.nullable(), missionId: idSchema.nullable(),
  data: z.record(z.string(), z.unknown()), readAt: z.string().nullable(),
  heldUntil: z.string().nullable().describe('Set when it arrived in your quiet hours: when they ended (or end)'),
  snoozedUntil: z.string().nullable(), createdAt: z.string(),
});
const segment = z.string().min(1).max(32);
const instant = instantSchema;
/** Longest snooze: a year (further than that is a delete). */
const MAX_SNOOZE_MS = 365 * 86_400_000;
const params = z.strictObject({ notificationId: idSchema });

/** The caller's own notifications (a person is told when the system needs them), newest first. */
export function notificationsRoutes(db: Db, clock: Clock): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['notifications'];
    app.get('/notifications', {
      schema: {
        tags, summary: 'Your notifications, newest first',
        description: "view=inbox (default): those in the inbox. view=waiting: held by quiet hours or snoozed, with when they come in.",
        querystring: z.strictObject({
          view: z.enum(['inbox', 'waiting']).default('inbox'), unread: z.enum(['true', 'false']).optional(), segment: segment.optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(notificationSchema) }) },
      },
    }, async (req) => ({
      items: await listNotifications(db, userOf(req).userId, { ...req.query, unread: req.query.unread === 'true' }),
    }));

    app.get('/notifications/counts', {
      schema: {
        tags, summary: 'Your unread count, per segment (the inbox badge): exactly the unread items GET /notifications lists',
        response: { 200: z.object({ unread: z.number().int(), segments: z.record(z.string(), z.number().int()) }) },
      },
    }, async (req) => unreadCounts(db, userOf(req).userId));

    app.post('/notifications/:notificationId/read', {
      schema: { tags, summary: 'Mark one of your notifications read', params, body: z.strictObject({}).optional(), response: { 204: z.null() } },
    }, async (req, reply) => {
      const { userId } = userOf(req);
      const found = await db.transaction(async (tx) => {
        const [row] = await tx.update(notifications).set({ readAt: clock.now() })
          .where(and(eq(notifications.id, req.params.notificationId), eq(notifications.userId, userId))).returning({ id: notifications.id });
        if (row) await publishNotificationEvent(tx, userId, 'notification.read', { id: row.id });
        return Boolean(row);
      });
      if (!found) throw notFound('notification');
      return reply.status(204).send(null);
    });

    app.post('/notifications/read-all', {
      schema: {
        tags, summary: 'Mark every unread notification in your inbox read, in one request',
        description: 'Held and snoozed ones stay unread. `before` (the newest createdAt you saw) leaves later arrivals unread; `segment` narrows.',
        body: z.strictObject({ segment: segment.optional(), before: instant.optional() }).optional(),
        response: { 200: z.object({ marked: z.number().int() }) },
      },
    }, async (req) => {
      const body = req.body ?? {};
      const { userId } = userOf(req);
      return db.transaction(async (tx) => {
        const marked = await markAllRead(tx, userId, clock.now(), { segment: body.segment, before: body.before ? new Date(body.before) : undefined });
        if (marked > 0) await publishNotificationEvent(tx, userId, 'notification.read', { all: true, marked });
        return { marked };
      });
    });

    app.post('/notifications/:notificationId/snooze', {
      schema: {
        tags, summary: 'Hide one of your notifications until a time; it comes back (and counts) then',
        params, body: z.strictObject({ until: instant }), response: { 200: notificationSchema },
      },
    }, async (req) => {
      const until = new Date(req.body.until);
      const now = clock.now().getTime();
      if (until.getTime() <= now) throw invalidField('until', 'must be in the future');
      if (until.getTime() > now + MAX_SNOOZE_MS) throw invalidField('until', 'at most a year ahead');
      return snoozed(req.params.notificationId, userOf(req).userId, until);
    });

    app.delete('/notifications/:notificationId/snooze', {
      schema: { tags, summary: 'Bring a snoozed notification back now', params, response: { 200: notificationSchema } },
    }, async (req) => snoozed(req.params.notificationId, userOf(req).userId, null));

    async function snoozed(id: string, userId: string, until: Date | null) {
      const found = await db.transaction(async (tx) => {
        if (!(await setSnooze(tx, userId, id, until))) return false;
        await publishNotificationEvent(tx, userId, until ? 'notification.snoozed' : 'notification.unsnoozed', until ? { id, until: until.toISOString() } : { id });
        return true;
      });
      if (!found) throw notFound('notification');
      return (await oneNotification(db, userId, id))!;
    }
  };
}
