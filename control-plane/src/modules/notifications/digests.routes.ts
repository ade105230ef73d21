import { idSchema } from '@solo-unicorn/shared';
import { and, desc, eq } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notificationDigests } from '../../db/schema/index.ts';
import type { Db } from '../../db/types.ts';
import { notFound } from '../../errors.ts';
import { iso } from '../../lib/time.ts';
import { userOf } from '../../plugins/auth.ts';

const digestSchema = z.object({
  id: idSchema, weekStart: z.string().describe('The Monday the week starts on, in your time zone'),
  periodStart: z.string(), periodEnd: z.string(),
  subject: z.string(), text: z.string().describe('Plain text, ready to be mailed'),
  summary: z.record(z.string(), z.unknown()), createdAt: z.string(),
});
type DigestRow = typeof notificationDigests.$inferSelect;
const toDigest = (d: DigestRow) => ({
  id: d.id, weekStart: d.weekStart, periodStart: iso(d.periodStart), periodEnd: iso(d.periodEnd),
  subject: d.subject, text: d.text, summary: d.summary as Record<string, unknown>, createdAt: iso(d.createdAt),
});

/** Your weekly digests, as the digest job stored them (newest week first). */
export function digestsRoutes(db: Db): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['notifications'];
    app.get('/notification-digests', {
      schema: {
        tags, summary: 'Your weekly notification digests, newest week first',
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(52).default(10) }),
        response: { 200: z.object({ items: z.array(digestSchema) }) },
      },
    }, async (req) => {
      const rows = await db.select().from(notificationDigests).where(eq(notificationDigests.userId, userOf(req).userId))
        .orderBy(desc(notificationDigests.weekStart)).limit(req.query.limit);
      return { items: rows.map(toDigest) };
    });

    app.get('/notification-digests/:digestId', {
      schema: { tags, summary: 'One of your weekly digests', params: z.strictObject({ digestId: idSchema }), response: { 200: digestSchema } },
    }, async (req) => {
      const [row] = await db.select().from(notificationDigests)
        .where(and(eq(notificationDigests.id, req.params.digestId), eq(notificationDigests.userId, userOf(req).userId)));
      if (!row) throw notFound('digest');
      return toDigest(row);
    });
  };
}
