import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/types.ts';
import { AppError } from '../errors.ts';
import { createIdempotencyRepository } from '../modules/idempotency/idempotency.repository.ts';

/** How long a key holds its answer. */
export const idempotencyWindowMs = 24 * 60 * 60 * 1000;
/** A key whose request never answered (its process died) is taken over after this. */
export const idempotencyLeaseMs = 60_000;
/** Printable ASCII, as the IETF draft's examples (UUIDs, ULIDs); never logged. */
const keyPattern = /^[\x21-\x7e]{1,255}$/;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The answer holds a secret shown once (a key, a token): never stored, so never replayed. */
    showsSecret?: boolean;
  }
  interface FastifyRequest {
    /** Set when this request holds an Idempotency-Key row that its answer completes. */
    idempotency?: { userId: string; key: string };
  }
}

/**
 * `Idempotency-Key` on POST and PATCH (#18): the first request with a key is answered as usual and
 * its answer stored; the same key with the same request (method, route, body) within 24 hours gets
 * that answer again (`Idempotent-Replayed: true`) without running anything twice; with another
 * request, 409 SU_ERR_IDEMPOTENCY_KEY_REUSED; while the first is still running, 409
 * SU_ERR_IDEMPOTENCY_IN_PROGRESS (retry). A 5xx is not stored: the retry runs again. Keys are per
 * user, so one user's key never answers another's request.
 */
export const idempotencyPlugin = fp(async (app: FastifyInstance, opts: { db: Db }) => {
  const repo = createIdempotencyRepository(opts.db);

  // preHandler: after authentication and body validation (an invalid body is a plain 400, not stored).
  app.addHook('preHandler', async (request, reply) => {
    const header = request.headers['idempotency-key'];
    if (header === undefined || (request.method !== 'POST' && request.method !== 'PATCH')) return;
    const principal = request.principal;
    if (!principal || principal.kind !== 'user') return; // daemons and tickets have their own idempotency (frame ids)
    const key = Array.isArray(header) ? header[0]! : header;
    if (!keyPattern.test(key)) {
      throw new AppError(400, 'SU_ERR_VALIDATION', 'Idempotency-Key: 1 to 255 printable ASCII characters (a UUID or ULID)');
    }
    const hash = requestHash(request);
    const taken = await repo.claim({ userId: principal.userId, key, requestHash: hash, windowMs: idempotencyWindowMs, leaseMs: idempotencyLeaseMs });
    if (taken.kind === 'claimed') {
      request.idempotency = { userId: principal.userId, key };
      return;
    }
    const row = taken.row;
    if (row.requestHash !== hash) {
      throw new AppError(409, 'SU_ERR_IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for another request in the last 24 hours: use a new key for a new request');
    }
    if (row.status !== null && row.body === null && row.status < 400) {
      throw new AppError(409, 'SU_ERR_IDEMPOTENCY_KEY_REUSED', 'this request was answered once with a secret that is shown only once and not kept: check whether it took effect, then use a new key');
    }
    if (row.status === null) {
      throw new AppError(409, 'SU_ERR_IDEMPOTENCY_IN_PROGRESS', 'a request with this Idempotency-Key is still running: retry in a moment to get its answer');
    }
    return replay(reply, row.status, row.contentType, row.body);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const held = request.idempotency;
    if (!held) return payload;
    request.idempotency = undefined;
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      // Nothing to replay faithfully (a failure, or a streamed answer): the key is free again.
      await repo.release(held.userId, held.key);
      return payload;
    }
    const contentType = reply.getHeader('content-type');
    // A secret shown once is not written to the database: only that the request was answered.
    const keep = !(request.routeOptions.config.showsSecret && reply.statusCode < 400);
    await repo.complete(held.userId, held.key, { status: reply.statusCode, contentType: typeof contentType === 'string' ? contentType : null, body: keep ? payload : null });
    return payload;
  });

  // A request that ends without an answer being sent (the client went away before the handler
  // finished is still sent; an abort before onSend is not): release the key so a retry can run.
  app.addHook('onResponse', async (request) => {
    const held = request.idempotency;
    if (held) await repo.release(held.userId, held.key);
  });
});

function replay(reply: FastifyReply, status: number, contentType: string | null, body: string | null) {
  reply.header('idempotent-replayed', 'true');
  if (contentType) reply.header('content-type', contentType);
  return reply.code(status).send(body ?? '');
}

/** The request a key stands for: method, route (with its parameters) and the validated body. */
function requestHash(request: FastifyRequest): string {
  return createHash('sha256').update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`).digest('hex');
}
