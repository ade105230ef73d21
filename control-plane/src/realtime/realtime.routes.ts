import {
  CREDENTIALS_REVOKED_CLOSE_CODE, type RealtimeServerFrame, SLOW_CONSUMER_CLOSE_CODE, realtimeClientFrameSchema, realtimeTicketSchema,
} from '@solo-unicorn/shared';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Counter, Gauge } from 'prom-client';
import { AppError } from '../errors.ts';
import type { AccessService } from '../modules/access/access.service.ts';
import type { RealtimeTickets } from '../modules/auth/realtime-tickets.ts';
import { userOf } from '../plugins/auth.ts';
import type { RealtimeHub } from './hub.ts';
import { createNotificationReleases } from './notification-releases.ts';
import { authorizeChannel, type GuardedSocket, type SocketGuard } from './socket-access.ts';

const MAX_SUBSCRIPTIONS = 100;

/**
 * `GET /api/v1/realtime`: the monitoring WebSocket (API key in the Authorization header, or a
 * single-use `?ticket=` from `POST /api/v1/realtime/tickets` for browsers). Clients subscribe to
 * channels with an optional cursor; an access change re-authorizes every subscription at once.
 */
export function realtimeRoutes(deps: { hub: RealtimeHub; access: AccessService; guard: SocketGuard; tickets: RealtimeTickets; maxBufferedBytes: number }): FastifyPluginAsync {
  return async (app) => {
    const dropped = new Counter({
      name: 'su_realtime_slow_consumers_dropped_total',
      help: 'Monitoring sockets closed because the client did not read fast enough',
      registers: [app.metrics],
    });
    const open = new Gauge({ name: 'su_realtime_connections', help: 'Open monitoring sockets', registers: [app.metrics] });
    // A person's inbox channel also hears when held or snoozed notifications enter the inbox.
    const releases = createNotificationReleases(deps.hub.db, deps.hub, app.log);
    app.addHook('onClose', async () => releases.stop());

    app.withTypeProvider<ZodTypeProvider>().post('/realtime/tickets', {
      config: { showsSecret: true },
      schema: {
        tags: ['realtime'],
        summary: 'A single-use ticket (30 s) to open the realtime socket without the API key in the URL: GET /api/v1/realtime?ticket=…',
        response: { 201: realtimeTicketSchema },
      },
    }, async (req, reply) => reply.status(201).send(await deps.tickets.issue(userOf(req))));

    app.get('/realtime', { websocket: true, schema: { hide: true }, config: { realtimeTicket: true } }, (socket, request) => {
      const user = userOf(request);
      open.inc();
      socket.once('close', () => open.dec());
      const subscriptions = new Map<string, () => void>();
      /** Channels whose subscription is established (not merely being authorized). */
      const live = new Set<string>();
      const send = (frame: RealtimeServerFrame) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
      };
      const end = (channel: string) => {
        subscriptions.get(channel)?.();
        subscriptions.delete(channel);
        live.delete(channel);
      };
      const guarded: GuardedSocket = {
        user,
        generation: 0,
        channels: () => [...live],
        drop(channel, error) {
          if (!live.has(channel)) return;
          end(channel);
          send({ type: 'error', code: error.code, message: `subscription ended, access revoked: ${error.message}`, channel });
        },
        close() {
          closeAll();
          socket.close(CREDENTIALS_REVOKED_CLOSE_CODE, 'credentials revoked');
        },
      };
      const unguard = deps.guard.register(guarded);
      const closeAll = () => {
        unguard();
        for (const unsubscribe of subscriptions.values()) unsubscribe();
        subscriptions.clear();
        live.clear();
      };
      socket.on('close', closeAll);
      socket.on('error', closeAll);

      socket.on('message', async (raw) => {
        let frame;
        try {
          frame = realtimeClientFrameSchema.parse(JSON.parse(String(raw)));
        } catch (error) {
          const message = error instanceof SyntaxError ? 'frame is not JSON' : 'frame does not match the realtime protocol (subscribe, unsubscribe, ping)';
          return send({ type: 'error', code: 'SU_ERR_PROTOCOL_FRAME', message });
        }
        if (frame.type === 'ping') return send({ type: 'pong' });
        const { channel } = frame;
        if (frame.type === 'unsubscribe') {
          end(channel);
          return send({ type: 'unsubscribed', channel });
        }
        if (subscriptions.has(channel)) return send({ type: 'error', code: 'SU_ERR_CONFLICT', message: 'already subscribed; unsubscribe first to move the cursor', channel });
        if (subscriptions.size >= MAX_SUBSCRIPTIONS) return send({ type: 'error', code: 'SU_ERR_CONFLICT', message: `at most ${MAX_SUBSCRIPTIONS} subscriptions per connection`, channel });
        // Reserve the slot while we authorize; an unsubscribe meanwhile replaces or removes it.
        const reservation = () => {};
        subscriptions.set(channel, reservation);
        // An access change during this authorization (generation moved) is checked again below.
        let generation = guarded.generation;
        try {
          for (;;) {
            await authorizeChannel(deps.access, guarded.user, channel);
            if (generation === guarded.generation) break;
            generation = guarded.generation;
          }
        } catch (error) {
          if (subscriptions.get(channel) === reservation) subscriptions.delete(channel);
          if (error instanceof AppError) return send({ type: 'error', code: error.code, message: error.message, channel });
          throw error;
        }
        const subscription = await deps.hub.subscribe(
          {
            channel,
            deliver: (item) => {
              if (socket.readyState !== socket.OPEN) return false;
              send({ type: 'message', channel, cursor: String(item.seq), kind: item.kind, at: item.at, data: item.data });
              // A client that does not read would grow this buffer without bound: drop it instead.
              if (socket.bufferedAmount > deps.maxBufferedBytes) {
                dropped.inc();
                socket.close(SLOW_CONSUMER_CLOSE_CODE, 'slow consumer: reconnect and resume from your last cursor');
                return false;
              }
              return true;
            },
          },
          frame.cursor === undefined ? undefined : Number(frame.cursor),
        );
        const unwatch = channel.startsWith('user:') ? await releases.watch(guarded.user.userId) : undefined;
        const unsubscribe = () => {
          subscription.unsubscribe();
          unwatch?.();
        };
        if (subscriptions.get(channel) !== reservation) {
          unsubscribe(); // the client unsubscribed (or left) while we authorized
          return;
        }
        subscriptions.set(channel, unsubscribe);
        live.add(channel);
        send({ type: 'subscribed', channel, cursor: String(subscription.cursor) });
        subscription.start();
        // A change that arrived while we subscribed: the guard did not see this channel yet.
        if (generation !== guarded.generation) {
          await authorizeChannel(deps.access, guarded.user, channel).catch((error: unknown) => {
            if (error instanceof AppError) guarded.drop(channel, error);
            else guarded.close();
          });
        }
      });
    });
  };
}
