import { makeFrame, sessionCloseCodes } from '@solo-unicorn/shared';
import { isDraining } from '../modules/health.routes.ts';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/types.ts';
import type { Clock } from '../lib/time.ts';
import type { SessionHub } from './hub.ts';
import type { AttemptEffects } from '../dispatch/attempt-effects.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import { createEventIngest } from './ingest.ts';
import { createFrameStore } from './frame-store.ts';
import { createSessionsRepository } from './sessions.repository.ts';
import { openSession, type SessionSettings } from './session.ts';
import { createSessionSweep } from './session-sweep.ts';

/**
 * `GET /api/v1/workstations/connect`: the daemon's WebSocket, authenticated by the workstation
 * token (the auth plugin refuses the upgrade with 401 before we get here).
 */
export function sessionsGateway(deps: {
  db: Db;
  clock: Clock;
  hub: SessionHub;
  settings: SessionSettings;
  effects?: AttemptEffects;
  dispatcher?: Dispatcher;
  /** After an attempt's end is stored (the PR worker may have a job). */
  afterAttemptFinished?: () => void;
}) {
  return async (app: FastifyInstance) => {
    const ingest = createEventIngest(deps.db, deps.clock, deps.effects);
    const dispatch = deps.dispatcher;
    const hooks = dispatch
      ? {
          onOpen: (ws: string, held: string[]) => void dispatch.sessionOpened(ws, held),
          onReply: (ws: string, frame: Parameters<Dispatcher['onReply']>[1]) => dispatch.onReply(ws, frame),
          onAttemptFinished: (ws: string) => {
            dispatch.attemptEnded(ws);
            deps.afterAttemptFinished?.();
          },
        }
      : {};
    const log = app.log.child({ component: 'sessions' });
    // One set of dependencies for every session: an idle session holds only its own state.
    const sessionDeps = { ...deps, frames: createFrameStore(ingest, log), repo: createSessionsRepository(deps.db), log, ...hooks };

    // Other instances may hold live sessions on the same database: only sessions nobody vouches
    // for are closed (a crashed predecessor's at the first tick past the stale bound), see session-sweep.ts.
    const sweep = createSessionSweep({ db: deps.db, hub: deps.hub, heartbeatIntervalMs: deps.settings.heartbeatIntervalMs, log });
    app.addHook('onReady', async () => {
      await sweep.tick();
      sweep.start();
      deps.hub.start(deps.settings.heartbeatIntervalMs);
    });
    app.addHook('preClose', async () => {
      await sweep.stop();
      await deps.hub.stop();
    });

    app.get('/workstations/connect', { websocket: true, config: { workstation: true }, schema: { hide: true } }, (socket, request) => {
      if (isDraining(app.server)) {
        // Shutting down: the daemon goes to another instance at once (1001, see main.ts).
        socket.close(sessionCloseCodes.serverShutdown, 'control plane draining');
        return;
      }
      const principal = request.principal;
      if (principal?.kind !== 'workstation') {
        socket.send(JSON.stringify(makeFrame('error', { code: 'SU_ERR_UNAUTHENTICATED', message: 'this endpoint needs a workstation token, not an API key', retryable: false })));
        socket.close(4003, 'workstation token required');
        return;
      }
      openSession(socket, principal.workstationId, request.ip ?? null, sessionDeps);
    });
  };
}
