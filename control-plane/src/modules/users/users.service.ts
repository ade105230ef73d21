import { sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/types.ts';
import { conflict, forbidden, notFound } from '../../errors.ts';
import { hashSecret, newSecret, secretPrefix } from '../../lib/secrets.ts';
import type { Clock } from '../../lib/time.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { rowsOf } from '../../db/rows.ts';
import { createUsersRepository } from './users.repository.ts';
import { toApiKey, toUser } from './users.serializers.ts';

/**
 * A key change is audited for the instance and once for each organization its owner belongs to,
 * so each organization's admins see their members' keys come and go (a key acts in every one of
 * them), in the transaction that makes the change.
 */
async function auditKeyChange(tx: Executor, ownerId: string, event: { actorId: string; action: 'api_key.created' | 'api_key.revoked'; keyId: string }) {
  const orgs = rowsOf(await tx.execute(sql`SELECT organization_id FROM organization_memberships WHERE user_id = ${ownerId}`));
  for (const organizationId of [null, ...orgs.map((r) => String(r.organization_id))]) {
    await recordAudit(tx, { organizationId, actorType: 'user', actorId: event.actorId, action: event.action, targetType: 'api_key', targetId: event.keyId, data: { userId: ownerId } });
  }
}

export function createUsersService(db: Db, clock: Clock) {
  const repo = createUsersRepository(db);

  return {
    async createUser(caller: UserPrincipal, input: { email: string; name?: string }) {
      if (!caller.isInstanceAdmin) throw forbidden('only the instance admin may create users');
      // Emails are the identity; compare them case-insensitively by storing them lower-cased.
      const user = await repo.insertUser({ email: input.email.toLowerCase(), name: input.name ?? null });
      if (!user) throw conflict('SU_ERR_USER_EMAIL_TAKEN', `email: a user with ${input.email} already exists`);
      await recordAudit(db, { actorType: 'user', actorId: caller.userId, action: 'user.created', targetType: 'user', targetId: user.id });
      return toUser(user);
    },

    async me(caller: UserPrincipal) {
      const user = await repo.findById(caller.userId);
      if (!user) throw notFound('user');
      return toUser(user);
    },

    async createApiKey(caller: UserPrincipal, input: { name?: string; userId?: string }) {
      const userId = input.userId ?? caller.userId;
      if (userId !== caller.userId && !caller.isInstanceAdmin) {
        throw forbidden('only the instance admin may create API keys for other users');
      }
      if (!(await repo.findById(userId))) throw notFound('user');
      const key = newSecret('su');
      const row = await db.transaction(async (tx) => {
        const inserted = await createUsersRepository(tx).insertApiKey({ userId, name: input.name ?? null, keyHash: hashSecret(key), keyPrefix: secretPrefix(key) });
        if (!inserted) throw new Error('api key hash collision'); // 256-bit random: never in practice
        await auditKeyChange(tx, userId, { actorId: caller.userId, action: 'api_key.created', keyId: inserted.id });
        return inserted;
      });
      return { ...toApiKey(row), key };
    },

    async listApiKeys(caller: UserPrincipal) {
      return (await repo.listApiKeys(caller.userId)).map(toApiKey);
    },

    async revokeApiKey(caller: UserPrincipal, id: string) {
      const key = await repo.findApiKey(id);
      if (!key || (key.userId !== caller.userId && !caller.isInstanceAdmin)) throw notFound('API key');
      if (!key.revokedAt) {
        await db.transaction(async (tx) => {
          await createUsersRepository(tx).revokeApiKey(id, clock.now());
          await auditKeyChange(tx, key.userId, { actorId: caller.userId, action: 'api_key.revoked', keyId: id });
        });
      }
    },
  };
}
export type UsersService = ReturnType<typeof createUsersService>;
