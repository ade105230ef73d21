import { idSchema } from '@solo-unicorn/shared';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notifications } from '../../db/schema/index.ts';
import type { Db } from '../../db/types.ts';
import { notFound } from '../../errors.ts';
import { isoOrNull, iso, type Clock } from '../../lib/time.ts';
import { userOf } from '../../plugins/auth.ts';

const notificationSchema = z.object({
  id: idSchema, kind: z.string(), segment: z.string(), title: z.string(), body: z.string().nullable(),
  organizationId: idSchema.nullable(), projectId: idSchema.nullable(), missionId: idSchema.nullable(),
  data: z.record(z.string(), z.unknown()), readAt: z.string().nullable(), createdAt: z.string(),
});

/** The caller's own notifications (a person is told when the system needs them), newest first. */
export function notificationsRoutes(db: Db, clock: Clock): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['notifications'];
    app.get('/notifications', {
      schema: {
        tags, summary: 'Your notifications, newest first',
        querystring: z.strictObject({ unread: z.enum(['true', 'false']).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: z.object({ items: z.array(notificationSchema) }) },
      },
    }, async (req) => {
      const me = userOf(req).userId;
      const rows = await db.select().from(notifications)
        .where(and(eq(notifications.userId, me), isNull(notifications.archivedAt), req.query.unread === 'true' ? isNull(notifications.readAt) : undefined))
        .orderBy(desc(notifications.createdAt), desc(notifications.id)).limit(req.query.limit);
      return {
        items: rows.map((n) => ({
          id: n.id, kind: n.kind, segment: n.segment, title: n.title, body: n.body, organizationId: n.organizationId, projectId: n.projectId,
          missionId: n.missionId, data: (n.data ?? {}) as Record<string, unknown>, readAt: isoOrNull(n.readAt), createdAt: iso(n.createdAt),
        })),
      };
    });

    app.post('/notifications/:notificationId/read', {
      schema: { tags, summary: 'Mark one of your notifications read', params: z.strictObject({ notificationId: idSchema }), body: z.strictObject({}).optional(), response: { 204: z.null() } },
    }, async (req, reply) => {
      const [row] = await db.update(notifications).set({ readAt: clock.now() })
        .where(and(eq(notifications.id, req.params.notificationId), eq(notifications.userId, userOf(req).userId))).returning({ id: notifications.id });
      if (!row) throw notFound('notification');
      return reply.status(204).send(null);
    });
  };
}
