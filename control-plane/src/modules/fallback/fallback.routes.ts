import {
  createFallbackTemplateBody, discardItemBody, fallbackMetricsSchema, fallbackAreaSchema, fallbackConfigSchema, fallbackItemSchema,
  fallbackRunWithItemsSchema, fallbackTemplateSchema, idSchema, importLegacyBody, importResultSchema, limitSchema, pageSchema, runResultSchema,
  updateFallbackConfigBody, updateFallbackTemplateBody,
} from '@solo-unicorn/shared';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userOf } from '../../plugins/auth.ts';
import type { FallbackRunsService } from './fallback-runs.service.ts';
import type { FallbackSetupService } from './fallback-setup.service.ts';
import type { LegacyImportService } from './legacy-import.service.ts';

const projectParams = z.strictObject({ projectId: idSchema });
const templateParams = z.strictObject({ projectId: idSchema, templateId: idSchema });
const itemParams = z.strictObject({ itemId: idSchema });
const emptyBody = z.strictObject({}).optional();

/** The web board marks its requests; everything else with an API key is a script (`api`). */
const triggerOf = (req: FastifyRequest) => (req.headers['x-solo-unicorn-client'] === 'board' ? 'manual' : 'api');

export function fallbackRoutes(setup: FallbackSetupService, runs: FallbackRunsService, legacy: LegacyImportService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['mission fallback'];
    const P = '/projects/:projectId/fallback';

    app.get(`${P}/config`, { schema: { tags, params: projectParams, response: { 200: fallbackConfigSchema } } },
      async (req) => setup.getConfig(userOf(req), req.params.projectId));
    app.put(`${P}/config`, {
      schema: { tags, summary: 'Change the config (send only the fields that change)', params: projectParams, body: updateFallbackConfigBody, response: { 200: fallbackConfigSchema } },
    }, async (req) => setup.updateConfig(userOf(req), req.params.projectId, req.body));

    app.get(`${P}/templates`, { schema: { tags, params: projectParams, response: { 200: z.object({ items: z.array(fallbackTemplateSchema) }) } } },
      async (req) => ({ items: await setup.listTemplates(userOf(req), req.params.projectId) }));
    app.post(`${P}/templates`, { schema: { tags, params: projectParams, body: createFallbackTemplateBody, response: { 201: fallbackTemplateSchema } } },
      async (req, reply) => reply.status(201).send(await setup.createTemplate(userOf(req), req.params.projectId, req.body)));
    app.get(`${P}/templates/:templateId`, { schema: { tags, params: templateParams, response: { 200: fallbackTemplateSchema } } },
      async (req) => setup.getTemplate(userOf(req), req.params.projectId, req.params.templateId));
    app.patch(`${P}/templates/:templateId`, { schema: { tags, params: templateParams, body: updateFallbackTemplateBody, response: { 200: fallbackTemplateSchema } } },
      async (req) => setup.updateTemplate(userOf(req), req.params.projectId, req.params.templateId, req.body));
    app.delete(`${P}/templates/:templateId`, { schema: { tags, params: templateParams } }, async (req, reply) => {
      await setup.deleteTemplate(userOf(req), req.params.projectId, req.params.templateId);
      return reply.status(204).send();
    });
    app.post(`${P}/templates/:templateId/launch`, {
      schema: { tags, summary: 'Create a mission from the template now; the template stays', params: templateParams, body: emptyBody, response: { 201: runResultSchema } },
    }, async (req, reply) => reply.status(201).send(await runs.launch(userOf(req), req.params.projectId, req.params.templateId, triggerOf(req))));

    app.get(`${P}/metrics`, {
      schema: {
        tags, summary: 'Daily fallback metrics and guardrail health (as of the last refresh)', params: projectParams,
        querystring: z.strictObject({ days: z.coerce.number().int().min(1).max(400).default(30) }),
        response: { 200: fallbackMetricsSchema },
      },
    }, async (req) => setup.metrics(userOf(req), req.params.projectId, req.query.days));

    app.get(`${P}/area`, {
      schema: { tags, summary: "The Todo column's Fallback area: enabled templates and open proposals", params: projectParams, response: { 200: fallbackAreaSchema } },
    }, async (req) => runs.area(userOf(req), req.params.projectId));

    app.post(`${P}/runs`, {
      schema: { tags, summary: 'Run Mission Fallback now', params: projectParams, body: emptyBody, response: { 201: runResultSchema } },
    }, async (req, reply) => reply.status(201).send(await runs.runNow(userOf(req), req.params.projectId, triggerOf(req))));
    app.get(`${P}/runs`, {
      schema: {
        tags, summary: 'Run history, newest first, with items', params: projectParams,
        querystring: z.strictObject({ limit: limitSchema, cursor: z.string().max(512).optional() }),
        response: { 200: pageSchema(fallbackRunWithItemsSchema) },
      },
    }, async (req) => runs.listRuns(userOf(req), req.params.projectId, req.query));
    app.get(`${P}/runs/:runId`, {
      schema: { tags, params: z.strictObject({ projectId: idSchema, runId: idSchema }), response: { 200: fallbackRunWithItemsSchema } },
    }, async (req) => runs.getRun(userOf(req), req.params.projectId, req.params.runId));

    app.post('/projects/:projectId/import', {
      schema: {
        tags, summary: 'Import a legacy export: loop missions become fallback templates, the rest imported missions',
        description: 'Checked whole before anything is written, then written in small batches (the server keeps answering; missions appear as they land). '
          + 'If it stops midway, send the same export again: it completes the import and creates nothing twice; an export already imported answers the same result again.',
        params: projectParams, body: importLegacyBody, response: { 201: importResultSchema },
      },
    }, async (req, reply) => reply.status(201).send(await legacy.import(userOf(req), req.params.projectId, req.body)));

    app.post('/fallback/items/:itemId/accept', {
      schema: { tags, summary: 'Accept a proposal: creates its mission (idempotent)', params: itemParams, body: emptyBody, response: { 200: fallbackItemSchema } },
    }, async (req) => runs.accept(userOf(req), req.params.itemId));
    app.post('/fallback/items/:itemId/discard', {
      schema: { tags, summary: 'Discard a proposal with feedback', params: itemParams, body: discardItemBody.optional(), response: { 200: fallbackItemSchema } },
    }, async (req) => runs.discard(userOf(req), req.params.itemId, req.body?.feedback));
  };
}
