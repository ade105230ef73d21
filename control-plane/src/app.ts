import websocket from '@fastify/websocket';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Database } from './db/types.ts';
import { type Clock, systemClock } from './lib/time.ts';
import { createAttemptEffects } from './dispatch/attempt-effects.ts';
import { createDispatcher } from './dispatch/dispatcher.ts';
import { createMissionDocs } from './modules/missions/mission-docs.ts';
import { createChannelFeeds } from './realtime/channel-feeds.ts';
import { createRealtimeHub } from './realtime/hub.ts';
import { realtimeRoutes } from './realtime/realtime.routes.ts';
import { createRevocation } from './realtime/revocation.ts';
import { createRealtimeTickets } from './modules/auth/realtime-tickets.ts';
import { withScrubbing } from './logger.ts';
import { createFallbackScheduler } from './modules/fallback/scheduler.ts';
import { createUpkeep } from './modules/fallback/upkeep.ts';
import { fallbackRoutes } from './modules/fallback/fallback.routes.ts';
import { flowsRoutes } from './modules/flows/flows.routes.ts';
import { healthRoutes } from './modules/health.routes.ts';
import { missionsRoutes } from './modules/missions/missions.routes.ts';
import { missionToolsRoutes } from './modules/mission-tools/mission-tools.routes.ts';
import { missionDiffRoutes } from './modules/mission-diff/mission-diff.routes.ts';
import { organizationsRoutes } from './modules/organizations/organizations.routes.ts';
import { projectsRoutes } from './modules/projects/projects.routes.ts';
import { repositoriesRoutes } from './modules/repositories/repositories.routes.ts';
import { usersRoutes } from './modules/users/users.routes.ts';
import { workstationsRoutes } from './modules/workstations/workstations.routes.ts';
import { authPlugin } from './plugins/auth.ts';
import { idempotencyPlugin } from './plugins/idempotency.ts';
import { rateLimitPlugin, type RateLimitOptions } from './plugins/rate-limit.ts';
import { errorHandlerPlugin } from './plugins/error-handler.ts';
import { inputTextPlugin } from './plugins/input-text.ts';
import { emptyBodyPlugin } from './plugins/empty-body.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { openApiPlugin } from './plugins/openapi.ts';
import { webBoardPlugin } from './plugins/web-board.ts';
import { createServices } from './services.ts';
import { sessionsGateway } from './sessions/gateway.ts';
import type { SessionSettings } from './sessions/session.ts';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, sessionSettingsFrom } from './sessions/settings.ts';
import { randomBytes } from 'node:crypto';
import { createPrFeedback } from './modules/github/pr-feedback.ts';
import { createPullRequestPoller } from './modules/github/pr-poller.ts';
import { createPullRequestWorker } from './modules/github/pr-worker.ts';
import { createWebhookHandler } from './modules/github/webhook.ts';
import { createOutboundPolicy } from './lib/outbound-url.ts';
import { createSecretBox } from './lib/secret-box.ts';
import { githubRoutes } from './modules/github/github.routes.ts';
import { createPullRequestsService } from './modules/github/pull-requests.service.ts';
import { notificationsRoutes } from './modules/notifications/notifications.routes.ts';
import { notificationSettingsRoutes } from './modules/notifications/notification-settings.routes.ts';
import { digestsRoutes } from './modules/notifications/digests.routes.ts';
import { createDigestJob, type DigestJob } from './modules/notifications/digest-job.ts';
import { usageRoutes } from './modules/usage/usage.routes.ts';
import { createUsageService } from './modules/usage/usage.service.ts';
import { agentMetricsPlugin } from './plugins/agent-metrics.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { accessRequestsRoutes } from './modules/access-requests/access-requests.routes.ts';
import { createAccessRequestsService } from './modules/access-requests/access-requests.service.ts';
import { missionHandoffRoutes } from './modules/missions/mission-handoff.routes.ts';
import { createMissionHandoffService } from './modules/missions/mission-handoff.service.ts';
import { galleryRoutes } from './modules/gallery/gallery.routes.ts';
import { createAuditService } from './modules/audit/audit.service.ts';
import { createUserDeletion, userDeletionRoutes } from './modules/users/user-deletion.ts';
import { createRetention, type Retention } from './modules/retention/retention.ts';
import { createLeadership, type Leadership } from './jobs/leadership.ts';
import { createClockSkewCheck } from './jobs/clock-skew.ts';

export interface AppDeps {
  database: Database;
  clock?: Clock;
  bodyLimitBytes?: number;
  logger?: FastifyServerOptions['logger'];
  /** Hybrid-storage root (fallback reports, mission docs). */
  docsDir: string;
  /** Mission dispatch: offline grace before reassignment, safety-net tick, attempts per mission. */
  dispatch?: { offlineGraceMs: number; tickMs: number; maxAttempts: number };
  /** Monitoring socket: bytes a slow client may have queued before it is dropped (default 1 MiB). */
  realtimeMaxBufferedBytes?: number;
  /** Runs the Mission Fallback scheduler with the app (main.ts); tests drive ticks themselves. */
  fallbackScheduler?: { enabled: boolean; tickMs: number; metricsRefreshMs: number };
  /** Retention jobs' period (main.ts: SU_RETENTION_INTERVAL_MS); 0 or unset: only explicit app.retention.run() (tests). */
  retentionIntervalMs?: number;
  /** Weekly-digest job's period (main.ts: SU_DIGEST_INTERVAL_MS); 0 or unset: only explicit app.digests.run() (tests). */
  digestIntervalMs?: number;
  /** How often an instance tries to become (or checks it still is) the leader of the once-only jobs (ms); default 1 s. */
  leadershipCheckMs?: number;
  /** Daemon session timings (main.ts passes sessionSettingsFrom(config)); the defaults otherwise. */
  sessions?: SessionSettings;
  /** Key for the secrets stored encrypted (GitHub tokens). Without one (tests), a random key for this process. */
  secretsKey?: Buffer;
  /** GitHub: default API root; open PRs polled every `pollMs` (0: webhooks only, tests poll by hand). */
  github?: { apiUrl: string; pollMs: number };
  /** SU_OUTBOUND_ALLOW: private or http hosts the server may call anyway (tests: the fake GitHub's 127.0.0.1). */
  outboundAllow?: string[];
  /** Requests per caller per window by tier (main.ts: SU_RATE_LIMITS, SU_RATE_LIMIT_WINDOW_MS); the defaults otherwise. */
  rateLimits?: Partial<RateLimitOptions>;
}

/** Builds the whole HTTP app around its dependencies. Never listens: main.ts and tests do that. */
export async function buildApp(deps: AppDeps) {
  const clock = deps.clock ?? systemClock;
  const app = Fastify({ logger: withScrubbing(deps.logger), bodyLimit: deps.bodyLimitBytes ?? 1024 * 1024, return503OnClosing: true });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // One leader among the instances on this database runs the jobs that must run once (deploy/README.md, "Background jobs").
  const leadership = createLeadership({ database: deps.database, checkMs: deps.leadershipCheckMs ?? 1_000, log: app.log.child({ component: 'leadership' }) });
  app.addHook('onReady', async () => leadership.start());
  app.addHook('onClose', async () => leadership.stop());
  const realtime = createRealtimeHub(deps.database, createChannelFeeds(deps.database.db), app.log);
  app.addHook('onReady', async () => realtime.start());
  app.addHook('onClose', async () => realtime.stop());
  const github = deps.github ?? { apiUrl: 'https://api.github.com', pollMs: 0 };
  const services = createServices(deps.database.db, clock, {
    docsDir: deps.docsDir, log: app.log, secretBox: createSecretBox(deps.secretsKey ?? randomBytes(32)), githubApiUrl: github.apiUrl,
    outbound: createOutboundPolicy(deps.outboundAllow),
  });
  const revocation = createRevocation({ database: deps.database, access: services.access, sessionHub: services.sessionHub, log: app.log.child({ component: 'revocation' }) });
  app.addHook('onReady', async () => revocation.start());
  app.addHook('onClose', async () => revocation.stop());
  const missionDocs = createMissionDocs(deps.docsDir);
  const dispatchSettings = deps.dispatch ?? { offlineGraceMs: 180_000, tickMs: 2_000, maxAttempts: 3 };
  const effects = createAttemptEffects({ clock, docs: missionDocs, maxAttempts: dispatchSettings.maxAttempts });
  const dispatcher = createDispatcher({
    database: deps.database, clock, hub: services.sessionHub, docs: missionDocs,
    offlineGraceMs: dispatchSettings.offlineGraceMs, tickMs: dispatchSettings.tickMs, leadership, log: app.log.child({ component: 'dispatch' }),
  });
  app.addHook('onReady', async () => dispatcher.start());
  app.addHook('preClose', async () => dispatcher.stop());

  // Pull requests: opened by a worker after an attempt pushed; reviews come back by webhook or poll.
  const prFeedback = createPrFeedback({ db: deps.database.db, clock, integrations: services.githubIntegrations });
  const prWorker = createPullRequestWorker({ db: deps.database.db, clock, integrations: services.githubIntegrations, feedback: prFeedback, log: app.log.child({ component: 'pull-requests' }) });
  const prPoller = createPullRequestPoller({ db: deps.database.db, clock, integrations: services.githubIntegrations, feedback: prFeedback, log: app.log.child({ component: 'pull-requests' }), intervalMs: github.pollMs, leadership });
  const pullRequests = createPullRequestsService(deps.database.db, services.access, clock, () => void prWorker.kick());
  app.addHook('onReady', async () => {
    prWorker.start();
    prPoller.start();
  });
  app.addHook('preClose', async () => {
    await prPoller.stop();
    await prWorker.stop();
  });

  // Cross-cutting plugins first, then routes.
  await app.register(errorHandlerPlugin);
  await app.register(inputTextPlugin);
  await app.register(emptyBodyPlugin);
  await app.register(openApiPlugin);
  await app.register(metricsPlugin);
  await app.register(agentMetricsPlugin, { db: deps.database.db, clock });
  // WebSocket upgrades go through the same routing and auth hooks as HTTP (registered before auth so a refused upgrade's socket is still cleaned up). 2 MiB: a mission doc frame.
  await app.register(websocket, { options: { maxPayload: 2 * 1024 * 1024 } });
  // Before auth: a caller without credentials is counted (by address) even when refused.
  await app.register(rateLimitPlugin, { db: deps.database.db, rateLimits: deps.rateLimits });
  await app.register(authPlugin, { db: deps.database.db, clock });
  await app.register(idempotencyPlugin, { db: deps.database.db });

  await app.register(healthRoutes(deps.database));
  await app.register(webBoardPlugin());
  await app.register(
    async (api) => {
      await api.register(usersRoutes(services.users));
      await api.register(organizationsRoutes(services.organizations));
      await api.register(projectsRoutes(services.projects));
      await api.register(repositoriesRoutes(services.repositories));
      await api.register(flowsRoutes(services.flows));
      await api.register(missionsRoutes(services.missions, services.board));
      await api.register(missionToolsRoutes(deps.database.db, services.access, clock));
      await api.register(missionDiffRoutes(deps.database.db, services.access));
      await api.register(realtimeRoutes({
        hub: realtime, access: services.access, guard: revocation.guard, tickets: createRealtimeTickets(deps.database.db), maxBufferedBytes: deps.realtimeMaxBufferedBytes ?? 1024 * 1024,
      }));
      await api.register(fallbackRoutes(services.fallbackSetup, services.fallbackRuns, services.legacyImport));
      await api.register(workstationsRoutes(services.workstations, services.workstationControls));
      await api.register(sessionsGateway({
        db: deps.database.db, clock, hub: services.sessionHub, effects, dispatcher, afterAttemptFinished: () => void prWorker.kick(),
        settings: deps.sessions ?? sessionSettingsFrom({ heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS }),
      }));
      await api.register(githubRoutes(services.githubIntegrations, pullRequests, createWebhookHandler({ db: deps.database.db, integrations: services.githubIntegrations, feedback: prFeedback })));
      await api.register(notificationsRoutes(deps.database.db, clock));
      await api.register(notificationSettingsRoutes(deps.database.db, clock));
      await api.register(digestsRoutes(deps.database.db));
      await api.register(usageRoutes(createUsageService(deps.database.db, services.access, clock)));
      await api.register(auditRoutes(createAuditService(deps.database.db, services.access)));
      await api.register(accessRequestsRoutes(createAccessRequestsService(deps.database.db, services.access, clock)));
      await api.register(missionHandoffRoutes(createMissionHandoffService(deps.database.db, services.access, clock)));
      await api.register(galleryRoutes(deps.database.db, services.access, clock));
      await api.register(userDeletionRoutes(createUserDeletion(deps.database.db, clock)));
    },
    { prefix: '/api/v1' },
  );
  app.decorate('services', services);
  app.decorate('dispatcher', dispatcher);
  app.decorate('realtime', realtime);
  app.decorate('pullRequests', { worker: prWorker, poller: prPoller });
  if (deps.fallbackScheduler?.enabled) {
    const { tickMs, metricsRefreshMs } = deps.fallbackScheduler;
    const scheduler = createFallbackScheduler({
      db: deps.database.db, clock, engine: services.fallbackEngine, enabled: true, tickMs, leadership, log: app.log,
      afterTick: createUpkeep(deps.database.db, { refreshEveryMs: metricsRefreshMs }),
    });
    app.addHook('onReady', async () => scheduler.start());
    app.addHook('onClose', async () => scheduler.stop());
  }
  // Retention for every table the seed gives a horizon: leader-only per batch, on its own timer.
  const retention = createRetention({ db: deps.database.db, clock, reports: services.fallbackEngine.reports, registry: app.metrics, intervalMs: deps.retentionIntervalMs ?? 0, leadership, log: app.log });
  app.decorate('retention', retention);
  // Weekly digests: in the leader; each batch under an advisory lock besides, so a week is stored once.
  const digests = createDigestJob({ db: deps.database.db, clock, intervalMs: deps.digestIntervalMs ?? 0, leadership, log: app.log });
  app.decorate('digests', digests);
  app.addHook('onReady', async () => digests.start());
  app.addHook('onClose', async () => digests.stop());
  app.decorate('leadership', leadership);
  app.addHook('onReady', async () => retention.start());
  app.addHook('onClose', async () => retention.stop());
  // Instances compare each other's heartbeat stamps: say so (log, /metrics) when this clock is off.
  const clockSkew = createClockSkewCheck({ db: deps.database.db, clock, registry: app.metrics, everyMs: 5 * 60_000, log: app.log.child({ component: 'clock' }) });
  app.addHook('onReady', async () => clockSkew.start());
  app.addHook('onClose', async () => clockSkew.stop());
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: ReturnType<typeof createServices>;
    realtime: ReturnType<typeof createRealtimeHub>;
    dispatcher: ReturnType<typeof createDispatcher>;
    retention: Retention;
    digests: DigestJob;
    leadership: Leadership;
    pullRequests: { worker: ReturnType<typeof createPullRequestWorker>; poller: ReturnType<typeof createPullRequestPoller> };
  }
}
