import { sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../db/types.ts';

export function healthRoutes(database: Database): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/healthz', {
      config: { public: true },
      schema: {
        tags: ['health'], summary: 'Liveness and database reachability (no auth)', security: [],
        response: { 200: z.object({ status: z.literal('ok'), db: z.enum(['pglite', 'postgres']) }) },
      },
    }, async () => {
      await database.db.execute(sql`SELECT 1`);
      return { status: 'ok' as const, db: database.kind };
    });
  };
}
