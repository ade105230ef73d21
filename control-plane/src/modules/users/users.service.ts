import type { Db } from '../../db/types.ts';
import { conflict, forbidden, notFound } from '../../errors.ts';
import { hashSecret, newSecret, secretPrefix } from '../../lib/secrets.ts';
import type { Clock } from '../../lib/time.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { createUsersRepository } from './users.repository.ts';
import { toApiKey, toUser } from './users.serializers.ts';

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
      const row = await repo.insertApiKey({ userId, name: input.name ?? null, keyHash: hashSecret(key), keyPrefix: secretPrefix(key) });
      if (!row) throw new Error('api key hash collision'); // 256-bit random: never in practice
      await recordAudit(db, { actorType: 'user', actorId: caller.userId, action: 'api_key.created', targetType: 'api_key', targetId: row.id });
      return { ...toApiKey(row), key };
    },

    async listApiKeys(caller: UserPrincipal) {
      return (await repo.listApiKeys(caller.userId)).map(toApiKey);
    },

    async revokeApiKey(caller: UserPrincipal, id: string) {
      const key = await repo.findApiKey(id);
      if (!key || (key.userId !== caller.userId && !caller.isInstanceAdmin)) throw notFound('API key');
      if (!key.revokedAt) {
        await repo.revokeApiKey(id, clock.now());
        await recordAudit(db, { actorType: 'user', actorId: caller.userId, action: 'api_key.revoked', targetType: 'api_key', targetId: id });
      }
    },
  };
}
export type UsersService = ReturnType<typeof createUsersService>;
