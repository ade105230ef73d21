import Fastify, { type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Database } from './db/types.ts';
import { type Clock, systemClock } from './lib/time.ts';
import { flowsRoutes } from './modules/flows/flows.routes.ts';
import { healthRoutes } from './modules/health.routes.ts';
import { missionsRoutes } from './modules/missions/missions.routes.ts';
import { organizationsRoutes } from './modules/organizations/organizations.routes.ts';
import { projectsRoutes } from './modules/projects/projects.routes.ts';
import { repositoriesRoutes } from './modules/repositories/repositories.routes.ts';
import { usersRoutes } from './modules/users/users.routes.ts';
import { authPlugin } from './plugins/auth.ts';
import { errorHandlerPlugin } from './plugins/error-handler.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { openApiPlugin } from './plugins/openapi.ts';
import { createServices } from './services.ts';

export interface AppDeps {
  database: Database;
  clock?: Clock;
  bodyLimitBytes?: number;
  logger?: FastifyServerOptions['logger'];
}

/** Builds the whole HTTP app around its dependencies. Never listens: main.ts and tests do that. */
export async function buildApp(deps: AppDeps) {
  const clock = deps.clock ?? systemClock;
  const app = Fastify({ logger: deps.logger ?? false, bodyLimit: deps.bodyLimitBytes ?? 1024 * 1024, return503OnClosing: true });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const services = createServices(deps.database.db, clock);

  // Cross-cutting plugins first, then routes.
  await app.register(errorHandlerPlugin);
  await app.register(openApiPlugin);
  await app.register(metricsPlugin);
  await app.register(authPlugin, { db: deps.database.db, clock });

  await app.register(healthRoutes(deps.database));
  await app.register(
    async (api) => {
      await api.register(usersRoutes(services.users));
      await api.register(organizationsRoutes(services.organizations));
      await api.register(projectsRoutes(services.projects));
      await api.register(repositoriesRoutes(services.repositories));
      await api.register(flowsRoutes(services.flows));
      await api.register(missionsRoutes(services.missions, services.board));
    },
    { prefix: '/api/v1' },
  );
  return app;
}
