import { type RealtimeServerFrame, SLOW_CONSUMER_CLOSE_CODE, realtimeClientFrameSchema } from '@solo-unicorn/shared';
import type { FastifyPluginAsync } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { AppError } from '../errors.ts';
import type { AccessService } from '../modules/access/access.service.ts';
import type { UserPrincipal } from '../modules/auth/principal.ts';
import { userOf } from '../plugins/auth.ts';
import type { RealtimeHub } from './hub.ts';

const MAX_SUBSCRIPTIONS = 100;

/** Each channel is authorized like the resource it shows: invisible → not found, not allowed → forbidden. */
async function authorize(access: AccessService, user: UserPrincipal, channel: string) {
  const [kind, id] = channel.split(':') as [string, string];
  if (kind === 'project') await access.requireProject(user, id, 'read');
  else if (kind === 'mission') await access.requireMission(user, id, 'read');
  else await access.requireOrg(user, id, 'read');
}

/**
 * `GET /api/v1/realtime`: the monitoring WebSocket (API key in the Authorization header, or
 * `?access_token=` for browsers). Clients subscribe to channels with an optional cursor.
 */
export function realtimeRoutes(deps: { hub: RealtimeHub; access: AccessService; maxBufferedBytes: number }): FastifyPluginAsync {
  return async (app) => {
    const dropped = new Counter({
      name: 'su_realtime_slow_consumers_dropped_total',
      help: 'Monitoring sockets closed because the client did not read fast enough',
      registers: [app.metrics],
    });
    const open = new Gauge({ name: 'su_realtime_connections', help: 'Open monitoring sockets', registers: [app.metrics] });
    app.get('/realtime', { websocket: true, schema: { hide: true } }, (socket, request) => {
      const user = userOf(request);
      open.inc();
      socket.once('close', () => open.dec());
      const subscriptions = new Map<string, () => void>();
      const send = (frame: RealtimeServerFrame) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
      };
      const closeAll = () => {
        for (const unsubscribe of subscriptions.values()) unsubscribe();
        subscriptions.clear();
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
          subscriptions.get(channel)?.();
          subscriptions.delete(channel);
          return send({ type: 'unsubscribed', channel });
        }
        if (subscriptions.has(channel)) return send({ type: 'error', code: 'SU_ERR_CONFLICT', message: 'already subscribed; unsubscribe first to move the cursor', channel });
        if (subscriptions.size >= MAX_SUBSCRIPTIONS) return send({ type: 'error', code: 'SU_ERR_CONFLICT', message: `at most ${MAX_SUBSCRIPTIONS} subscriptions per connection`, channel });
        // Reserve the slot while we authorize; an unsubscribe meanwhile replaces or removes it.
        const reservation = () => {};
        subscriptions.set(channel, reservation);
        try {
          await authorize(deps.access, user, channel);
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
        if (subscriptions.get(channel) !== reservation) {
          subscription.unsubscribe(); // the client unsubscribed (or left) while we authorized
          return;
        }
        subscriptions.set(channel, subscription.unsubscribe);
        send({ type: 'subscribed', channel, cursor: String(subscription.cursor) });
        subscription.start();
      });
    });
  };
}
