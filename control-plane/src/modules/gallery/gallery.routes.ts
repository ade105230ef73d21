import { idSchema } from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import { readerOf, userOf } from '../../plugins/auth.ts';
import { createGalleryRepository } from './gallery.repository.ts';

const starsSchema = z.object({ count: z.number().int(), starred: z.boolean() });
const galleryItem = z.object({
  id: idSchema, organizationId: idSchema, name: z.string(), description: z.string().nullable(),
  stars: z.number().int(), starred: z.boolean().describe('you starred it'), lastActivityAt: z.string(),
});
const params = z.strictObject({ projectId: idSchema });

/** Stars on projects anyone may see, and the gallery of public projects (#18). */
export function galleryRoutes(db: Db, access: AccessService, clock: Clock): FastifyPluginAsyncZod {
  const repo = createGalleryRepository(db);
  return async (app) => {
    const tags = ['gallery'];
    // Open to anonymous readers, who see only the projects that allow anonymous reading. Stars
    // (the routes below) need a signed-in user, also to read: a star belongs to someone.
    app.get('/gallery/projects', {
      config: { anonymousRead: true },
      schema: {
        tags, summary: 'Public projects: search by name, most starred or most recently active first',
        querystring: z.strictObject({
          q: z.string().trim().max(200).optional(), sort: z.enum(['stars', 'activity']).default('stars'),
          limit: z.coerce.number().int().min(1).max(100).default(30), offset: z.coerce.number().int().min(0).max(10_000).default(0),
        }),
        response: { 200: z.object({ items: z.array(galleryItem), nextOffset: z.number().int().nullable() }) },
      },
    }, async (req) => {
      const { limit, offset } = req.query;
      const reader = readerOf(req);
      const rows = await repo.list({ userId: reader.kind === 'user' ? reader.userId : null, q: req.query.q || undefined, sort: req.query.sort, limit, offset });
      return {
        items: rows.slice(0, limit).map((r) => ({
          id: r.id, organizationId: r.organization_id, name: r.name, description: r.description, stars: Number(r.stars), starred: Boolean(r.starred),
          lastActivityAt: new Date(r.last_activity_at).toISOString(),
        })),
        nextOffset: rows.length > limit ? offset + limit : null,
      };
    });

    app.get('/projects/:projectId/stars', {
      schema: { tags, summary: "A project's star count, and whether you starred it", params, response: { 200: starsSchema } },
    }, async (req) => {
      await access.requireProject(userOf(req), req.params.projectId, 'public');
      return repo.stars(userOf(req).userId, req.params.projectId);
    });

    app.post('/projects/:projectId/star', {
      schema: { tags, summary: 'Star a project you can see (idempotent)', params, body: z.strictObject({}).optional(), response: { 200: starsSchema } },
    }, async (req) => {
      await access.requireProject(userOf(req), req.params.projectId, 'public');
      await repo.star(userOf(req).userId, req.params.projectId, clock.now());
      return repo.stars(userOf(req).userId, req.params.projectId);
    });

    app.delete('/projects/:projectId/star', {
      schema: { tags, summary: 'Take your star back (idempotent)', params, response: { 200: starsSchema } },
    }, async (req) => {
      await access.requireProject(userOf(req), req.params.projectId, 'public');
      await repo.unstar(userOf(req).userId, req.params.projectId);
      return repo.stars(userOf(req).userId, req.params.projectId);
    });
  };
}
