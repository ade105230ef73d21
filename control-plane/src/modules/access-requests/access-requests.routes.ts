import {
  accessRequestSchema, accessRequestStatusSchema, approveAccessRequestBody, createAccessRequestBody, idSchema, limitSchema, pageSchema,
} from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userOf } from '../../plugins/auth.ts';
import type { AccessRequestsService } from './access-requests.service.ts';

const requestParams = z.strictObject({ accessRequestId: idSchema });
const listQuery = z.strictObject({ status: accessRequestStatusSchema.optional(), limit: limitSchema, cursor: z.string().max(512).optional() });

export function accessRequestsRoutes(requests: AccessRequestsService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['access requests'];
    app.post('/projects/:projectId/access-requests', {
      schema: {
        tags, summary: 'Ask for a role on a project you can see (its admins are notified; auto-approved when the project allows it)',
        params: z.strictObject({ projectId: idSchema }), body: createAccessRequestBody, response: { 201: accessRequestSchema },
      },
    }, async (req, reply) => reply.status(201).send(await requests.create(userOf(req), req.params.projectId, req.body)));

    app.get('/projects/:projectId/access-requests', {
      schema: { tags, summary: "A project's access requests, newest first (project admins)", params: z.strictObject({ projectId: idSchema }), querystring: listQuery, response: { 200: pageSchema(accessRequestSchema) } },
    }, async (req) => requests.list(userOf(req), { projectId: req.params.projectId, ...req.query }));

    app.get('/access-requests', {
      schema: { tags, summary: 'Your own access requests, newest first', querystring: listQuery, response: { 200: pageSchema(accessRequestSchema) } },
    }, async (req) => requests.list(userOf(req), req.query));

    app.get('/access-requests/:accessRequestId', {
      schema: { tags, summary: 'One request (its requester, or an admin of its project)', params: requestParams, response: { 200: accessRequestSchema } },
    }, async (req) => requests.get(userOf(req), req.params.accessRequestId));

    app.post('/access-requests/:accessRequestId/approve', {
      schema: { tags, summary: 'Grant the role (or a chosen one) and tell the requester (project admins)', params: requestParams, body: approveAccessRequestBody.optional(), response: { 200: accessRequestSchema } },
    }, async (req) => requests.approve(userOf(req), req.params.accessRequestId, req.body ?? {}));

    app.post('/access-requests/:accessRequestId/decline', {
      schema: { tags, summary: 'Decline and tell the requester (project admins)', params: requestParams, body: z.strictObject({}).optional(), response: { 200: accessRequestSchema } },
    }, async (req) => requests.decline(userOf(req), req.params.accessRequestId));
  };
}
