import {
  addProjectMemberBody, createProjectBody, idSchema, limitSchema, pageSchema, projectRoleSchema, projectSchema, updateProjectBody,
} from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readerOf, userOf } from '../../plugins/auth.ts';
import type { ProjectsService } from './projects.service.ts';

const params = z.strictObject({ projectId: idSchema });
const memberSchema = z.object({
  projectId: idSchema, userId: idSchema, role: projectRoleSchema,
  outside: z.boolean().describe("an outside collaborator: not in the project's organization, on this project by an approved access request"),
  createdAt: z.string(),
});

export function projectsRoutes(projects: ProjectsService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['projects'];
    app.post('/projects', {
      schema: { tags, summary: 'Create a project', body: createProjectBody, response: { 201: projectSchema } },
    }, async (req, reply) => reply.status(201).send(await projects.create(userOf(req), req.body)));

    app.get('/projects', {
      schema: {
        tags, summary: 'Projects the caller can see',
        querystring: z.strictObject({ organizationId: idSchema.optional(), limit: limitSchema, cursor: z.string().max(512).optional() }),
        response: { 200: pageSchema(projectSchema) },
      },
    }, async (req) => projects.list(userOf(req), req.query));

    app.get('/projects/:projectId', {
      config: { anonymousRead: true },
      schema: { tags, summary: 'A project (without credentials: a public project that allows anonymous reading)', params, response: { 200: projectSchema } },
    }, async (req) => projects.get(readerOf(req), req.params.projectId));

    app.patch('/projects/:projectId', {
      schema: { tags, params, body: updateProjectBody, response: { 200: projectSchema } },
    }, async (req) => projects.update(userOf(req), req.params.projectId, req.body));

    app.post('/projects/:projectId/members', {
      schema: { tags, summary: 'Set a per-project role override', params, body: addProjectMemberBody, response: { 201: memberSchema } },
    }, async (req, reply) => reply.status(201).send(await projects.setMember(userOf(req), req.params.projectId, req.body)));

    app.get('/projects/:projectId/members', {
      schema: { tags, params, response: { 200: z.object({ items: z.array(memberSchema) }) } },
    }, async (req) => ({ items: await projects.listMembers(userOf(req), req.params.projectId) }));

    app.delete('/projects/:projectId/members/:userId', {
      schema: { tags, params: z.strictObject({ projectId: idSchema, userId: idSchema }) },
    }, async (req, reply) => {
      await projects.removeMember(userOf(req), req.params.projectId, req.params.userId);
      return reply.status(204).send();
    });
  };
}
