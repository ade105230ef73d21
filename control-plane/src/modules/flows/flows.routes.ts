import { actorSchema, createActorBody, createFlowBody, flowSchema, idSchema } from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userOf } from '../../plugins/auth.ts';
import type { FlowsService } from './flows.service.ts';

const params = z.strictObject({ projectId: idSchema });

export function flowsRoutes(flows: FlowsService): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/projects/:projectId/flows', {
      schema: { tags: ['flows'], summary: 'Create a workflow template', params, body: createFlowBody, response: { 201: flowSchema } },
    }, async (req, reply) => reply.status(201).send(await flows.createFlow(userOf(req), req.params.projectId, req.body)));

    app.get('/projects/:projectId/flows', {
      schema: { tags: ['flows'], params, response: { 200: z.object({ items: z.array(flowSchema) }) } },
    }, async (req) => ({ items: await flows.listFlows(userOf(req), req.params.projectId) }));

    app.post('/projects/:projectId/actors', {
      schema: { tags: ['actors'], summary: 'Create a persona', params, body: createActorBody, response: { 201: actorSchema } },
    }, async (req, reply) => reply.status(201).send(await flows.createActor(userOf(req), req.params.projectId, req.body)));

    app.get('/projects/:projectId/actors', {
      schema: { tags: ['actors'], params, response: { 200: z.object({ items: z.array(actorSchema) }) } },
    }, async (req) => ({ items: await flows.listActors(userOf(req), req.params.projectId) }));
  };
}
