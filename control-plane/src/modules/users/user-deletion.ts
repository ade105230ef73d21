import { idSchema } from '@solo-unicorn/shared';
import { sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import { conflict, forbidden, notFound } from '../../errors.ts';
import type { Clock } from '../../lib/time.ts';
import { userOf } from '../../plugins/auth.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { rowsOf } from '../../db/rows.ts';
import { notificationsChannel } from '../notifications/notification-events.ts';

/**
 * Deleting a user pseudonymizes them. The users row stays, as the anchor every id elsewhere
 * points at (audit events, missions' reviewers, attempts), but loses name and e-mail and gains a
 * pseudonym: anything that shows a user resolves the id when read, so the write-once audit log
 * (and everything else) reads "deleted user" without being rewritten. Their keys stop working,
 * their memberships, notifications (with their notification settings, digests and realtime channel) and access-request texts go.
 */
export function createUserDeletion(db: Db, clock: Clock) {
  async function deleteUser(caller: UserPrincipal, userId: string) {
    if (!caller.isInstanceAdmin) throw forbidden('only the instance admin may delete users');
    if (userId === caller.userId) throw conflict('SU_ERR_CONFLICT', 'you cannot delete yourself');
    const now = clock.now();
    await db.transaction(async (tx) => {
      const [user] = rowsOf(await tx.execute(sql`SELECT id, is_instance_admin FROM users WHERE id = ${userId} AND deleted_at IS NULL FOR UPDATE`));
      if (!user) throw notFound('user');
      if (user.is_instance_admin) throw conflict('SU_ERR_CONFLICT', 'the instance admin cannot be deleted');
      // Owners of the user's organizations, locked: a concurrent demotion cannot leave one ownerless.
      await tx.execute(sql`
        SELECT id FROM organization_memberships WHERE role = 'owner'
           AND organization_id IN (SELECT organization_id FROM organization_memberships WHERE user_id = ${userId} AND role = 'owner') FOR UPDATE`);
      const sole = rowsOf(await tx.execute(sql`
        SELECT m.organization_id FROM organization_memberships m
         WHERE m.user_id = ${userId} AND m.role = 'owner'
           AND NOT EXISTS (SELECT 1 FROM organization_memberships o WHERE o.organization_id = m.organization_id AND o.role = 'owner' AND o.user_id <> ${userId})`));
      if (sole.length) {
        throw conflict('SU_ERR_LAST_OWNER', `the user is the last owner of ${sole.length === 1 ? 'an organization' : `${sole.length} organizations`}; make another member owner first`, { organizationIds: sole.map((r) => r.organization_id) });
      }
      const pseudonym = `user-${randomBytes(6).toString('hex')}`;
      await tx.execute(sql`
        UPDATE users SET deleted_at = ${now}, pseudonym = ${pseudonym}, name = NULL, email = ${`${pseudonym}@deleted.invalid`}, updated_at = ${now}
         WHERE id = ${userId}`);
      await tx.execute(sql`UPDATE api_keys SET revoked_at = ${now} WHERE user_id = ${userId} AND revoked_at IS NULL`);
      await tx.execute(sql`DELETE FROM project_members WHERE user_id = ${userId}`);
      const orgs = rowsOf(await tx.execute(sql`DELETE FROM organization_memberships WHERE user_id = ${userId} RETURNING organization_id`));
      await tx.execute(sql`DELETE FROM notifications WHERE user_id = ${userId}`);
      await tx.execute(sql`DELETE FROM notification_preferences WHERE user_id = ${userId}`);
      await tx.execute(sql`DELETE FROM notification_settings WHERE user_id = ${userId}`);
      await tx.execute(sql`DELETE FROM notification_digests WHERE user_id = ${userId}`);
      // Their inbox's realtime channel (which notifications, where) goes with the notifications.
      const channel = notificationsChannel(userId);
      await tx.execute(sql`DELETE FROM realtime_log WHERE channel = ${channel}`);
      await tx.execute(sql`DELETE FROM realtime_channels WHERE channel = ${channel}`);
      await tx.execute(sql`UPDATE access_requests SET message = NULL WHERE user_id = ${userId} AND message IS NOT NULL`);
      // The seed's rule: their reviews keep a reviewer, as the pseudonym (not an id that leads back to
      // them); so do the Fallback proposals they decided, with their feedback.
      await tx.execute(sql`UPDATE missions SET reviewed_by = ${pseudonym} WHERE reviewed_by = ${userId}`);
      await tx.execute(sql`UPDATE mission_fallback_items SET decided_by = ${pseudonym} WHERE decided_by = ${userId}`);
      // One event per organization they left (its admins read their own log), one for the instance.
      for (const organizationId of [null, ...orgs.map((r) => String(r.organization_id))]) {
        await recordAudit(tx, { organizationId, actorType: 'user', actorId: caller.userId, action: 'user.deleted', targetType: 'user', targetId: userId });
      }
    });
  }
  return { deleteUser };
}

export function userDeletionRoutes(deletion: ReturnType<typeof createUserDeletion>): FastifyPluginAsyncZod {
  return async (app) => {
    app.delete('/users/:userId', {
      schema: {
        tags: ['users'], summary: 'Delete a user (instance admin): pseudonymized everywhere, keys revoked, memberships removed',
        params: z.strictObject({ userId: idSchema }), response: { 204: z.null() },
      },
    }, async (req, reply) => {
      await deletion.deleteUser(userOf(req), req.params.userId);
      return reply.status(204).send(null);
    });
  };
}
