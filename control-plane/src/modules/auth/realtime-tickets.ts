import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/types.ts';
import { hashSecret } from '../../lib/secrets.ts';
import { createAuthRepository } from './auth.repository.ts';
import type { UserPrincipal } from './principal.ts';

/** Long enough to open a socket right after asking; short enough that a leaked ticket is stale. */
export const REALTIME_TICKET_TTL_MS = 30_000;

/**
 * Browsers cannot set headers on a WebSocket, and a key in the URL ends up in logs and proxy
 * histories. So the board asks for a ticket with its key in the Authorization header and opens
 * the socket with `?ticket=`: random, single-use, short-lived, stored only as a hash, and bound to
 * the key that asked for it (revoking the key voids its tickets and closes its sockets). Expiry is
 * the database's clock: any instance may redeem what another issued, whatever their host clocks say.
 */
export function createRealtimeTickets(db: Db) {
  const repo = createAuthRepository(db);
  return {
    async issue(user: UserPrincipal) {
      await repo.purgeExpiredTickets();
      const ticket = `sut_${randomBytes(32).toString('base64url')}`;
      const expiresAt = await repo.insertTicket({ ticketHash: hashSecret(ticket), apiKeyId: user.apiKeyId, userId: user.userId, ttlMs: REALTIME_TICKET_TTL_MS });
      return { ticket, expiresAt: expiresAt.toISOString() };
    },

    /** The principal the ticket was issued to, once; undefined when unknown, used, expired or its key revoked. */
    async redeem(ticket: string): Promise<UserPrincipal | undefined> {
      const row = await repo.takeTicket(hashSecret(ticket));
      if (!row || row.expired) return undefined;
      const key = await repo.findActiveApiKeyById(row.apiKeyId);
      if (!key || key.userId !== row.userId) return undefined;
      return { kind: 'user', userId: key.userId, apiKeyId: key.id, isInstanceAdmin: key.isInstanceAdmin };
    },
  };
}
export type RealtimeTickets = ReturnType<typeof createRealtimeTickets>;
