import { addMemberBody, createOrganizationBody, idSchema, membershipSchema, orgRoleSchema, organizationSchema } from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userOf } from '../../plugins/auth.ts';
import type { OrganizationsService } from './organizations.service.ts';

const orgParams = z.strictObject({ orgId: idSchema });
const memberParams = z.strictObject({ orgId: idSchema, userId: idSchema });

export function organizationsRoutes(orgs: OrganizationsService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['organizations'];
    app.post('/organizations', {
      schema: { tags, summary: 'Create an organization; the caller becomes owner', body: createOrganizationBody, response: { 201: organizationSchema } },
    }, async (req, reply) => reply.status(201).send(await orgs.create(userOf(req), req.body.name)));

    app.get('/organizations', {
      schema: { tags, summary: "The caller's organizations", response: { 200: z.object({ items: z.array(organizationSchema) }) } },
    }, async (req) => ({ items: await orgs.list(userOf(req)) }));

    app.get('/organizations/:orgId', {
      schema: { tags, params: orgParams, response: { 200: organizationSchema } },
    }, async (req) => orgs.get(userOf(req), req.params.orgId));

    app.post('/organizations/:orgId/members', {
      schema: { tags, summary: 'Add a member with a role', params: orgParams, body: addMemberBody, response: { 201: membershipSchema } },
    }, async (req, reply) => reply.status(201).send(await orgs.addMember(userOf(req), req.params.orgId, req.body)));

    app.get('/organizations/:orgId/members', {
      schema: { tags, params: orgParams, response: { 200: z.object({ items: z.array(membershipSchema) }) } },
    }, async (req) => ({ items: await orgs.listMembers(userOf(req), req.params.orgId) }));

    app.patch('/organizations/:orgId/members/:userId', {
      schema: { tags, summary: "Change a member's role", params: memberParams, body: z.strictObject({ role: orgRoleSchema }), response: { 200: membershipSchema } },
    }, async (req) => orgs.changeRole(userOf(req), req.params.orgId, req.params.userId, req.body.role));

    app.delete('/organizations/:orgId/members/:userId', {
      schema: { tags, summary: 'Remove a member (or leave)', params: memberParams },
    }, async (req, reply) => {
      await orgs.removeMember(userOf(req), req.params.orgId, req.params.userId);
      return reply.status(204).send();
    });
  };
}
