import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/types.ts';
import { AppError } from '../errors.ts';
import { createRateLimitStore, type RateLimitStore } from '../modules/rate-limits/rate-limit-store.ts';
import { createTierLookup, defaultTierLimits, type TierLimits } from '../modules/rate-limits/tiers.ts';

export interface RateLimitOptions {
  limits: TierLimits;
  /** The window the limits count over (default an hour). */
  windowMs: number;
  /** How often counts are shared through the database (default 1 s). */
  flushMs: number;
}
export const defaultRateLimits: RateLimitOptions = { limits: defaultTierLimits, windowMs: 3_600_000, flushMs: 1000 };

declare module 'fastify' {
  interface FastifyInstance {
    rateLimits: RateLimitStore;
    /** Counts a refused credential against its address; throws 429 past the limit. */
    countRefusedCredentials(request: FastifyRequest, reply: FastifyReply): void;
  }
}

/**
 * Requests per caller per window on `/api` (#18), by tier: anonymous callers (by address; on /api
 * that is mostly refused credentials) 100/h, signed-in users 1,000/h, contributors 5,000/h, the
 * instance admin unlimited — configurable (SU_RATE_LIMITS, SU_RATE_LIMIT_WINDOW_MS). Every answer
 * says where the caller stands (`RateLimit-Limit`, `-Remaining`, `-Reset` in seconds); over the
 * limit: 429 SU_ERR_RATE_LIMITED with `Retry-After`. Daemons (workstation tokens) are limited per
 * frame on their socket instead; GitHub's signed webhook deliveries are not limited.
 */
export const rateLimitPlugin = fp(async (app: FastifyInstance, opts: { db: Db; rateLimits?: Partial<RateLimitOptions> }) => {
  const o = { ...defaultRateLimits, ...opts.rateLimits };
  const store = createRateLimitStore(opts.db, { windowMs: o.windowMs, flushMs: o.flushMs });
  const tierOf = createTierLookup(opts.db);
  app.decorate('rateLimits', store);
  app.addHook('onReady', async () => store.start());
  app.addHook('onClose', async () => store.stop());

  const limited = (request: FastifyRequest) => {
    const route = request.routeOptions.url;
    return route !== undefined && route.startsWith('/api/') && route !== '/api/v1/github/webhook';
  };

  // Before authentication: a caller without credentials is counted by address, refused or not.
  app.addHook('onRequest', async (request, reply) => {
    if (!limited(request) || request.headers.authorization) return;
    count(reply, `ip:${request.ip}`, o.limits.anonymous);
  });

  // Credentials the auth plugin refused (a guessed, stale or malformed key or ticket) count against
  // their address, at the anonymous limit, in a bucket of their own: past it the refusal is a 429,
  // while valid keys from the same address (and anonymous readers there) go on as before.
  app.decorate('countRefusedCredentials', (request: FastifyRequest, reply: FastifyReply) => {
    if (limited(request)) count(reply, `refused:${request.ip}`, o.limits.anonymous);
  });

  // After authentication (registered after the auth plugin): a user by id, at the user's tier.
  app.addHook('preValidation', async (request, reply) => {
    const p = request.principal;
    if (!limited(request) || !p || p.kind !== 'user') return;
    const tier = await tierOf(p, Date.now());
    count(reply, `user:${p.userId}`, o.limits[tier]);
  });

  function setHeaders(reply: FastifyReply, limit: number, { count: n, resetAt }: { count: number; resetAt: number }) {
    const reset = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
    reply.header('ratelimit-limit', String(limit));
    reply.header('ratelimit-remaining', String(Math.max(0, limit - n)));
    reply.header('ratelimit-reset', String(reset));
    return reset;
  }

  function count(reply: FastifyReply, bucket: string, limit: number | null) {
    if (limit === null) return;
    const hit = store.hit(bucket, Date.now());
    const reset = setHeaders(reply, limit, hit);
    if (hit.count > limit) {
      reply.header('retry-after', String(reset));
      throw new AppError(429, 'SU_ERR_RATE_LIMITED', `more than ${limit} requests in ${Math.round(o.windowMs / 60_000)} minutes; retry in ${reset} s`);
    }
  }
});
