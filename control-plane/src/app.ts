import websocket from '@fastify/websocket';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Database } from './db/types.ts';
import { loadConfig } from './config.ts';
import { type Clock, systemClock } from './lib/time.ts';
import type { RealtimeBus } from './realtime/bus.ts';
import { createFallbackScheduler } from './fallback/scheduler.ts';
import { createUpkeep } from './fallback/upkeep.ts';
import { fallbackRoutes } from './modules/fallback/fallback.routes.ts';
import { flowsRoutes } from './modules/flows/flows.routes.ts';
import { healthRoutes } from './modules/health.routes.ts';
import { missionsRoutes } from './modules/missions/missions.routes.ts';
import { organizationsRoutes } from './modules/organizations/organizations.routes.ts';
import { projectsRoutes } from './modules/projects/projects.routes.ts';
import { repositoriesRoutes } from './modules/repositories/repositories.routes.ts';
import { usersRoutes } from './modules/users/users.routes.ts';
import { workstationsRoutes } from './modules/workstations/workstations.routes.ts';
import { authPlugin } from './plugins/auth.ts';
import { errorHandlerPlugin } from './plugins/error-handler.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { openApiPlugin } from './plugins/openapi.ts';
import { createServices } from './services.ts';
import { sessionsGateway } from './sessions/gateway.ts';
import type { SessionSettings } from './sessions/session.ts';
import { sessionSettingsFrom } from './sessions/settings.ts';

export interface AppDeps {
  database: Database;
  clock?: Clock;
  bodyLimitBytes?: number;
  logger?: FastifyServerOptions['logger'];
  /** Hybrid-storage root (fallback reports, mission docs). */
  docsDir: string;
  bus?: RealtimeBus;
  /** Runs the Mission Fallback scheduler with the app (main.ts); tests drive ticks themselves. */
  fallbackScheduler?: { enabled: boolean; tickMs: number; metricsRefreshMs: number };
  /** Daemon session timings; main.ts should pass sessionSettingsFrom(config). Defaults to the environment's. */
  sessions?: SessionSettings;
}

/** Builds the whole HTTP app around its dependencies. Never listens: main.ts and tests do that. */
export async function buildApp(deps: AppDeps) {
  const clock = deps.clock ?? systemClock;
  const app = Fastify({ logger: deps.logger ?? false, bodyLimit: deps.bodyLimitBytes ?? 1024 * 1024, return503OnClosing: true });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const services = createServices(deps.database.db, clock, { docsDir: deps.docsDir, bus: deps.bus, log: app.log });

  // Cross-cutting plugins first, then routes.
  await app.register(errorHandlerPlugin);
  await app.register(openApiPlugin);
  await app.register(metricsPlugin);
  // WebSocket upgrades go through the same routing and auth hooks as HTTP (registered before auth so a refused upgrade's socket is still cleaned up). 2 MiB: a mission doc frame.
  await app.register(websocket, { options: { maxPayload: 2 * 1024 * 1024 } });
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
      await api.register(fallbackRoutes(services.fallbackSetup, services.fallbackRuns, services.legacyImport));
      await api.register(workstationsRoutes(services.workstations));
      await api.register(sessionsGateway({ db: deps.database.db, clock, hub: services.sessionHub, settings: deps.sessions ?? sessionSettingsFrom(loadConfig()) }));
    },
    { prefix: '/api/v1' },
  );
  app.decorate('services', services);
  if (deps.fallbackScheduler?.enabled) {
    const { tickMs, metricsRefreshMs } = deps.fallbackScheduler;
    const scheduler = createFallbackScheduler({
      db: deps.database.db, clock, engine: services.fallbackEngine, enabled: true, tickMs, log: app.log,
      afterTick: createUpkeep(deps.database.db, services.fallbackEngine.reports, { refreshEveryMs: metricsRefreshMs, purgeEveryMs: 3_600_000 }),
    });
    app.addHook('onReady', async () => scheduler.start());
    app.addHook('onClose', async () => scheduler.stop());
  }
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: ReturnType<typeof createServices>;
  }
}
