import type { Server } from 'node:http';
import { sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../db/types.ts';

/**
 * Servers draining for shutdown (main.ts on SIGTERM). Keyed by the HTTP server, which the root
 * app and every encapsulated plugin share, so two apps in one process (tests) drain apart.
 */
const draining = new WeakSet<Server>();

/** From now on `/readyz` answers 503: a balancer stops sending new work here. */
export function startDraining(server: Server) {
  draining.add(server);
}

export const isDraining = (server: Server) => draining.has(server);

const engine = z.enum(['pglite', 'postgres']);

/**
 * `/healthz` is liveness (the process answers and reaches its database: restart it if not);
 * `/readyz` is readiness (send it traffic: not draining and the database answers).
 */
export function healthRoutes(database: Database): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/healthz', {
      config: { public: true },
      schema: {
        tags: ['health'], summary: 'Liveness and database reachability (no auth)', security: [],
        response: { 200: z.object({ status: z.literal('ok'), db: engine }) },
      },
    }, async () => {
      await database.db.execute(sql`SELECT 1`);
      return { status: 'ok' as const, db: database.kind };
    });

    app.get('/readyz', {
      config: { public: true },
      schema: {
        tags: ['health'], summary: 'Readiness for traffic: 503 while draining for shutdown or when the database does not answer (no auth)', security: [],
        response: {
          200: z.object({ status: z.literal('ready'), db: engine }),
          503: z.object({ status: z.enum(['draining', 'database unavailable']), db: engine }),
        },
      },
    }, async (_req, reply) => {
      if (draining.has(app.server)) return reply.status(503).send({ status: 'draining' as const, db: database.kind });
      try {
        await database.db.execute(sql`SELECT 1`);
      } catch {
        return reply.status(503).send({ status: 'database unavailable' as const, db: database.kind });
      }
      return { status: 'ready' as const, db: database.kind };
    });
  };
}
