import {
  apiKeySchema, createApiKeyBody, createdApiKeySchema, createUserBody, idSchema, userSchema,
} from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userOf } from '../../plugins/auth.ts';
import type { UsersService } from './users.service.ts';

export function usersRoutes(users: UsersService): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/users', {
      schema: { tags: ['users'], summary: 'Create a user (instance admin)', body: createUserBody, response: { 201: userSchema } },
    }, async (req, reply) => reply.status(201).send(await users.createUser(userOf(req), req.body)));

    app.get('/users/me', {
      schema: { tags: ['users'], summary: 'The calling user', response: { 200: userSchema } },
    }, async (req) => users.me(userOf(req)));

    app.post('/api-keys', {
      config: { showsSecret: true },
      schema: { tags: ['api keys'], summary: 'Create an API key (shown once)', body: createApiKeyBody, response: { 201: createdApiKeySchema } },
    }, async (req, reply) => reply.status(201).send(await users.createApiKey(userOf(req), req.body)));

    app.get('/api-keys', {
      schema: { tags: ['api keys'], summary: "The caller's API keys", response: { 200: z.object({ items: z.array(apiKeySchema) }) } },
    }, async (req) => ({ items: await users.listApiKeys(userOf(req)) }));

    app.delete('/api-keys/:id', {
      schema: { tags: ['api keys'], summary: 'Revoke an API key', params: z.strictObject({ id: idSchema }) },
    }, async (req, reply) => {
      await users.revokeApiKey(userOf(req), req.params.id);
      return reply.status(204).send();
    });
  };
}
