import { createRepositoryBody, idSchema, repositorySchema } from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readerOf, userOf } from '../../plugins/auth.ts';
import type { RepositoriesService } from './repositories.service.ts';

const params = z.strictObject({ projectId: idSchema });

export function repositoriesRoutes(repositories: RepositoriesService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['repositories'];
    app.post('/projects/:projectId/repositories', {
      schema: { tags, summary: 'Link a git repository', params, body: createRepositoryBody, response: { 201: repositorySchema } },
    }, async (req, reply) => reply.status(201).send(await repositories.link(userOf(req), req.params.projectId, req.body)));

    app.get('/projects/:projectId/repositories', {
      config: { anonymousRead: true },
      schema: { tags, params, response: { 200: z.object({ items: z.array(repositorySchema) }) } },
    }, async (req) => ({ items: await repositories.list(readerOf(req), req.params.projectId) }));
  };
}
