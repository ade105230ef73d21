import { auditEventSchema, auditEventsQuery, idSchema, pageSchema, timelineQuery } from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userOf } from '../../plugins/auth.ts';
import type { AuditService } from './audit.service.ts';

/** Reading the write-once audit log (writes happen inside each change's own transaction). */
export function auditRoutes(audit: AuditService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['audit'];
    app.get('/audit-events', {
      schema: {
        tags, summary: "An organization's audit events, newest first (organization admins; organizationId required unless instance admin)",
        querystring: auditEventsQuery, response: { 200: pageSchema(auditEventSchema) },
      },
    }, async (req) => audit.list(userOf(req), req.query));

    app.get('/projects/:projectId/timeline', {
      schema: {
        tags, summary: "The project's audit events (itself, its missions, workstation mappings, settings), newest first (project admins)",
        params: z.strictObject({ projectId: idSchema }), querystring: timelineQuery, response: { 200: pageSchema(auditEventSchema) },
      },
    }, async (req) => audit.timeline(userOf(req), req.params.projectId, req.query));
  };
}
