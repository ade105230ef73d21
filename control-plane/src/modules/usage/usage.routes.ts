import { idSchema } from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userOf } from '../../plugins/auth.ts';
import type { UsageService } from './usage.service.ts';

const usageDaySchema = z.object({
  day: z.string(), attempts: z.number().int(), inputTokens: z.number(), outputTokens: z.number(),
  cacheReadTokens: z.number(), cacheWriteTokens: z.number(), costUsd: z.number(),
  turns: z.number().int().describe('model turns the agents reported'), wallMs: z.number().int().describe('wall time of the runs that ended, summed'),
});
export const projectUsageSchema = z.object({
  days: z.array(usageDaySchema),
  month: z.object({ month: z.string(), spentUsd: z.number(), budgetUsd: z.number().nullable(), budgetReached: z.boolean() }),
});

export function usageRoutes(usage: UsageService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/projects/:projectId/usage', {
      schema: {
        tags: ['projects'], summary: "The project's agent usage per UTC day (attempts, tokens, reported cost, turns, wall time) and this month's spend against its budget",
        params: z.strictObject({ projectId: idSchema }),
        querystring: z.strictObject({ days: z.coerce.number().int().min(1).max(366).default(30) }),
        response: { 200: projectUsageSchema },
      },
    }, async (req) => usage.ofProject(userOf(req), req.params.projectId, req.query.days));
  };
}
