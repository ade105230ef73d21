import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/types.ts';
import { forbidden, unauthenticated } from '../errors.ts';
import { hashSecret } from '../lib/secrets.ts';
import type { Clock } from '../lib/time.ts';
import { API_KEY_TOUCH_MS, createAuthRepository } from '../modules/auth/auth.repository.ts';
import { anonymousReader, type Principal, type Reader, type UserPrincipal } from '../modules/auth/principal.ts';
import { createRealtimeTickets } from '../modules/auth/realtime-tickets.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Route answers without credentials (health, docs, metrics). */
    public?: boolean;
    /** Route accepts a workstation token instead of an API key. */
    workstation?: boolean;
    /** WebSocket route that accepts a single-use `?ticket=` (the monitoring socket). */
    realtimeTicket?: boolean;
    /**
     * Read route that also answers a caller without credentials, for projects that allow anonymous
     * reading (#18); the handler takes `readerOf(request)` and the access service decides. Never on
     * a write or on the monitoring socket: realtime stays authenticated.
     */
    anonymousRead?: boolean;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  // The auth scheme is case-insensitive (RFC 7235): `bearer x` works like `Bearer x`.
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

/**
 * Browsers cannot set headers on a WebSocket, so an upgrade may bring a single-use ticket in the
 * query (POST /api/v1/realtime/tickets). Never a key: a URL ends up in access logs and proxy
 * histories, and plain HTTP requests take no credentials from the query at all.
 */
function upgradeTicket(request: FastifyRequest): string | undefined {
  if (!request.routeOptions.config.realtimeTicket || request.headers.upgrade?.toLowerCase() !== 'websocket') return undefined;
  const query = request.query as { ticket?: unknown } | undefined;
  return typeof query?.ticket === 'string' ? query.ticket : undefined;
}

/**
 * Every /api route needs a bearer credential, except the few read routes marked `anonymousRead`,
 * which may go on with no principal at all (see readerOf).
 */
export const authPlugin = fp(async (app: FastifyInstance, opts: { db: Db; clock: Clock }) => {
  const repo = createAuthRepository(opts.db);
  const tickets = createRealtimeTickets(opts.db);
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    // Credentials that were sent and refused count against the address (rate-limit plugin).
    const refused = (message: string) => {
      app.countRefusedCredentials?.(request, reply);
      return unauthenticated(message);
    };
    const config = request.routeOptions.config;
    const route = request.routeOptions.url;
    if (!route) return; // unknown route: let the 404 handler answer
    // The route pattern, not the raw URL: `/%61pi/…` routes to `/api/…` but does not start with it.
    if (config.public || !route.startsWith('/api/')) return;
    const secret = bearer(request);
    if (!secret) {
      const ticket = upgradeTicket(request);
      // No credentials at all: the principal stays null. Any Authorization header that is not a valid
      // key is still refused, and the rate limiter counts header-less callers by address.
      if (ticket === undefined && config.anonymousRead && request.headers.authorization === undefined) return;
      if (ticket === undefined && request.headers.authorization === undefined) throw unauthenticated('missing credentials: send Authorization: Bearer <api key> (a browser socket: ?ticket= from POST /api/v1/realtime/tickets)');
      if (ticket === undefined) throw refused('unusable credentials: send Authorization: Bearer <api key>');
      const principal = await tickets.redeem(ticket);
      if (!principal) throw refused('invalid, used or expired ticket: ask POST /api/v1/realtime/tickets for a new one');
      request.principal = principal;
      return;
    }
    const hash = hashSecret(secret);
    if (config.workstation) {
      const ws = await repo.findActiveWorkstationToken(hash);
      if (ws) {
        request.principal = { kind: 'workstation', workstationId: ws.id, organizationId: ws.organizationId };
        return;
      }
    }
    const key = await repo.findActiveApiKey(hash);
    if (!key) throw refused('invalid or revoked credentials');
    request.principal = { kind: 'user', userId: key.userId, apiKeyId: key.id, isInstanceAdmin: key.isInstanceAdmin };
    // Marked at most once a minute: when the row just read says it was, the write would change
    // nothing, and skipping it saves every request a round trip.
    const now = opts.clock.now();
    if (!key.lastUsedAt || key.lastUsedAt.getTime() < now.getTime() - API_KEY_TOUCH_MS) await repo.touchApiKey(key.id, now);
  });
});

/** The calling user; routes for people call this (a workstation token is refused with 403). */
export function userOf(request: FastifyRequest): UserPrincipal {
  const p = request.principal;
  if (!p) throw unauthenticated('missing credentials');
  if (p.kind !== 'user') throw forbidden('this route needs a user API key, not a workstation token');
  return p;
}

/** The reader of an `anonymousRead` route: the calling user, or the anonymous reader when no credentials came. */
export function readerOf(request: FastifyRequest): Reader {
  if (request.principal === null && request.routeOptions.config.anonymousRead) return anonymousReader;
  return userOf(request);
}
