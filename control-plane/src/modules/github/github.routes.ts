import { githubIntegrationSchema, idSchema, pullRequestSchema, putGithubIntegrationBody } from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WebhookHandler } from './webhook.ts';
import { userOf } from '../../plugins/auth.ts';
import type { GithubIntegrationsService } from './github-integrations.service.ts';
import type { PullRequestsService } from './pull-requests.service.ts';

const projectParams = z.strictObject({ projectId: idSchema });
const orgParams = z.strictObject({ orgId: idSchema });
const missionParams = z.strictObject({ missionId: idSchema });

export function githubRoutes(integrations: GithubIntegrationsService, pullRequests: PullRequestsService, webhook: WebhookHandler): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['github'];
    for (const [path, params, targetOf] of [
      ['/projects/:projectId/github', projectParams, (p: Record<string, string>) => ({ projectId: p.projectId! })],
      ['/organizations/:orgId/github', orgParams, (p: Record<string, string>) => ({ organizationId: p.orgId! })],
    ] as const) {
      app.put(path, {
        schema: { tags, summary: 'Connect GitHub: the token is stored encrypted and never shown again', params, body: putGithubIntegrationBody, response: { 200: githubIntegrationSchema } },
      }, async (req) => integrations.put(userOf(req), targetOf(req.params as Record<string, string>), req.body));
      app.get(path, {
        schema: { tags, summary: 'The GitHub connection in effect (a project falls back to its organization’s)', params, response: { 200: githubIntegrationSchema } },
      }, async (req) => integrations.get(userOf(req), targetOf(req.params as Record<string, string>)));
      app.delete(path, {
        schema: { tags, summary: 'Disconnect GitHub', params, response: { 204: z.null() } },
      }, async (req, reply) => {
        await integrations.remove(userOf(req), targetOf(req.params as Record<string, string>));
        return reply.status(204).send(null);
      });
    }

    app.get('/missions/:missionId/pull-requests', {
      schema: { tags, summary: 'The mission’s pull requests with the review comments imported from GitHub', params: missionParams, response: { 200: z.object({ items: z.array(pullRequestSchema) }) } },
    }, async (req) => ({ items: await pullRequests.list(userOf(req), req.params.missionId) }));

    app.post('/missions/:missionId/pull-request', {
      schema: { tags, summary: 'Open or update the mission’s pull request now (e.g. after fixing the token)', params: missionParams, body: z.strictObject({}).optional(), response: { 202: z.object({ queued: z.boolean() }) } },
    }, async (req, reply) => reply.status(202).send(await pullRequests.request(userOf(req), req.params.missionId)));

    // Deliveries are verified against the exact bytes GitHub signed, so this route reads the body raw.
    await app.register(async (raw) => {
      raw.removeContentTypeParser('application/json');
      raw.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      raw.post('/github/webhook', {
        config: { public: true },
        schema: {
          tags, summary: 'GitHub webhook deliveries (pull_request, pull_request_review, pull_request_review_comment, issue_comment), verified by X-Hub-Signature-256',
          headers: z.looseObject({ 'x-github-event': z.string().min(1).max(100), 'x-hub-signature-256': z.string().max(200).optional() }),
        },
      }, async (req, reply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const result = await webhook(req.headers['x-github-event'] as string, req.headers['x-hub-signature-256'] as string | undefined, body);
        return reply.status(result.status).send(result.body);
      });
    });
  };
}
