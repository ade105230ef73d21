import {
  attemptSummariesQuery, attemptSummariesSchema, backlogSchema, createMissionBody, idSchema, listEventsQuery, listMissionsQuery, missionAttemptsSchema, missionEventSchema, missionSchema,
  moveMissionBody, pageSchema, reviewMissionBody, updateMissionBody,
} from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readerOf, userOf } from '../../plugins/auth.ts';
import type { MissionBoardService } from './mission-board.service.ts';
import type { MissionsService } from './missions.service.ts';

const projectParams = z.strictObject({ projectId: idSchema });
const missionParams = z.strictObject({ missionId: idSchema });

export function missionsRoutes(missions: MissionsService, board: MissionBoardService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['missions'];
    app.post('/projects/:projectId/missions', {
      schema: { tags, summary: 'Create a mission', params: projectParams, body: createMissionBody, response: { 201: missionSchema } },
    }, async (req, reply) => reply.status(201).send(await missions.create(userOf(req), req.params.projectId, req.body)));

    app.get('/projects/:projectId/missions', {
      config: { anonymousRead: true },
      schema: { tags, summary: 'A board column, in listOrder', params: projectParams, querystring: listMissionsQuery, response: { 200: pageSchema(missionSchema) } },
    }, async (req) => missions.list(readerOf(req), req.params.projectId, req.query));

    app.get('/projects/:projectId/attempt-summaries', {
      schema: {
        tags, summary: "Many missions' newest attempt (status, denials, usage limit) and cost, for board cards",
        params: projectParams, querystring: attemptSummariesQuery, response: { 200: attemptSummariesSchema },
      },
    }, async (req) => ({ items: await missions.attemptSummaries(userOf(req), req.params.projectId, req.query.missionIds) }));

    app.get('/projects/:projectId/backlog', {
      schema: { tags, summary: 'todo ∧ ready count and the fallback threshold', params: projectParams, response: { 200: backlogSchema } },
    }, async (req) => missions.backlog(userOf(req), req.params.projectId));

    app.get('/missions/:missionId', {
      config: { anonymousRead: true },
      schema: { tags, params: missionParams, response: { 200: missionSchema } },
    }, async (req) => missions.get(readerOf(req), req.params.missionId));

    app.patch('/missions/:missionId', {
      schema: { tags, summary: 'Update fields', params: missionParams, body: updateMissionBody, response: { 200: missionSchema } },
    }, async (req) => missions.update(userOf(req), req.params.missionId, req.body));

    app.post('/missions/:missionId/move', {
      schema: { tags, summary: 'Move on the board', params: missionParams, body: moveMissionBody, response: { 200: missionSchema } },
    }, async (req) => board.move(userOf(req), req.params.missionId, req.body));

    app.post('/missions/:missionId/review', {
      schema: { tags, summary: 'Approve or reject a mission in Review', params: missionParams, body: reviewMissionBody, response: { 200: missionSchema } },
    }, async (req) => board.review(userOf(req), req.params.missionId, req.body));

    app.get('/missions/:missionId/docs', {
      config: { anonymousRead: true },
      schema: {
        tags, summary: 'The mission docs agents wrote (solution.md, tasks/{n}.md)', params: missionParams,
        response: { 200: z.object({ items: z.array(z.object({ path: z.string(), content: z.string() })) }) },
      },
    }, async (req) => ({ items: await missions.docs(readerOf(req), req.params.missionId) }));

    app.get('/missions/:missionId/attempts', {
      schema: {
        tags, summary: "Attempts, newest first (at most 200), with each agent's usage, and totals", params: missionParams,
        response: { 200: missionAttemptsSchema },
      },
    }, async (req) => missions.attempts(userOf(req), req.params.missionId));

    app.get('/missions/:missionId/events', {
      schema: { tags, summary: 'Timeline, ascending by seq', params: missionParams, querystring: listEventsQuery, response: { 200: pageSchema(missionEventSchema) } },
    }, async (req) => missions.events(userOf(req), req.params.missionId, req.query));
  };
}
