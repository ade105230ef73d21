import {
  idSchema, limitSchema, mapWorkstationBody, pageSchema, pauseWorkstationBody, projectWorkstationSchema, registerWorkstationBody, registerWorkstationResponse,
  workstationSchema, workstationViewSchema, workstationVisibilityBody,
} from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userOf } from '../../plugins/auth.ts';
import type { WorkstationControlsService } from './workstation-controls.service.ts';
import type { WorkstationsService } from './workstations.service.ts';

const params = z.strictObject({ workstationId: idSchema });
const projectParams = z.strictObject({ projectId: idSchema });

export function workstationsRoutes(workstations: WorkstationsService, controls: WorkstationControlsService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['workstations'];
    app.post('/workstations', {
      config: { showsSecret: true },
      schema: { tags, summary: 'Register a workstation; the token is shown once', body: registerWorkstationBody, response: { 201: registerWorkstationResponse } },
    }, async (req, reply) => reply.status(201).send(await workstations.register(userOf(req), req.body)));

    app.get('/workstations', {
      schema: {
        tags, summary: "Workstations of the caller's organizations, with presence",
        querystring: z.strictObject({ organizationId: idSchema.optional(), limit: limitSchema, cursor: z.string().max(512).optional() }),
        response: { 200: pageSchema(workstationViewSchema) },
      },
    }, async (req) => workstations.list(userOf(req), req.query));

    app.get('/workstations/:workstationId', {
      schema: { tags, summary: 'One workstation: all of it, or its presence only when it shows members its status only', params, response: { 200: workstationViewSchema } },
    }, async (req) => workstations.get(userOf(req), req.params.workstationId));

    app.patch('/workstations/:workstationId', {
      schema: {
        tags, summary: 'What other members see of it: hidden (nothing), status (presence only) or full; its registering user and organization admins see everything',
        params, body: workstationVisibilityBody, response: { 200: workstationViewSchema },
      },
    }, async (req) => controls.setVisibility(userOf(req), req.params.workstationId, req.body.visibility));

    app.get('/workstations/:workstationId/worktrees', {
      schema: {
        tags, summary: 'The repository clones and worktree pool the workstation last reported', params,
        response: {
          200: z.object({
            repositories: z.array(z.object({ repositoryId: z.string(), localPath: z.string(), updatedAt: z.string() })),
            worktrees: z.array(z.object({
              path: z.string(), repositoryId: z.string(), branch: z.string().nullable(), status: z.string(),
              missionId: z.string().nullable(), attemptId: z.string().nullable(), lastUsedAt: z.string().nullable(),
              sizeBytes: z.number().nullable().describe('allocated bytes on disk when the daemon last measured it (after each release); null: not measured yet'),
            })),
            diskBytes: z.number().nullable().describe('the measured worktrees together; null: none measured yet'),
          }),
        },
      },
    }, async (req) => workstations.inventory(userOf(req), req.params.workstationId));

    app.post('/workstations/:workstationId/revoke', {
      schema: { tags, summary: 'Invalidate the token and close the live session at once', params, response: { 200: workstationSchema } },
    }, async (req) => workstations.revoke(userOf(req), req.params.workstationId));

    app.post('/workstations/:workstationId/pause', {
      schema: {
        tags, summary: 'Pause: no new missions (nor merges) are dispatched to it; running ones finish. Pausing again updates the reason',
        params, body: pauseWorkstationBody, response: { 200: workstationViewSchema },
      },
    }, async (req) => controls.pause(userOf(req), req.params.workstationId, req.body.reason));

    app.post('/workstations/:workstationId/resume', {
      // An action, like revoke: no body.
      schema: { tags, summary: 'Resume a paused workstation: dispatch to it starts again at once', params, response: { 200: workstationViewSchema } },
    }, async (req) => controls.resume(userOf(req), req.params.workstationId));

    app.delete('/projects/:projectId/workstations/:workstationId', {
      schema: {
        tags, summary: "Stop a workstation serving this project's missions: those running there finish; nothing new of the project goes there",
        params: z.strictObject({ projectId: idSchema, workstationId: idSchema }),
      },
    }, async (req, reply) => {
      await controls.unmapFromProject(userOf(req), req.params.projectId, req.params.workstationId);
      return reply.status(204).send();
    });

    app.post('/projects/:projectId/workstations', {
      schema: { tags, summary: "Let a workstation serve this project's missions", params: projectParams, body: mapWorkstationBody, response: { 201: projectWorkstationSchema } },
    }, async (req, reply) => reply.status(201).send(await workstations.mapToProject(userOf(req), req.params.projectId, req.body.workstationId)));

    app.get('/projects/:projectId/workstations', {
      schema: { tags, params: projectParams, response: { 200: z.object({ items: z.array(projectWorkstationSchema) }) } },
    }, async (req) => ({ items: await workstations.listForProject(userOf(req), req.params.projectId) }));
  };
}
