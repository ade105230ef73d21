import { idSchema } from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../lib/time.ts';
import { userOf } from '../../plugins/auth.ts';
import { readSettings, updateSettings } from './notification-settings.ts';
import { isTimeZone } from './quiet-hours.ts';

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24 h');
const settingsSchema = z.object({
  timeZone: z.string(),
  quietHours: z.object({ start: z.string(), end: z.string() }).nullable(),
  weeklyDigest: z.boolean(),
  kinds: z.array(z.object({ organizationId: idSchema, kind: z.string(), description: z.string(), enabled: z.boolean() })),
});

/** A person's own notification preferences: which kinds per organization, quiet hours, the weekly digest. */
export function notificationSettingsRoutes(db: Db, clock: Clock): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['notifications'];
    app.get('/notification-preferences', {
      schema: { tags, summary: 'Your notification preferences (defaults until you change them)', response: { 200: settingsSchema } },
    }, async (req) => readSettings(db, userOf(req).userId));

    app.patch('/notification-preferences', {
      schema: {
        tags, summary: 'Change your notification preferences; fields left out stay as they are',
        description: 'quietHours: null turns them off; end before start spans midnight. Notifications created in quiet hours are held: '
          + 'listed under view=waiting and counted from the quiet end. kinds: turn a kind off or on per organization.',
        body: z.strictObject({
          timeZone: z.string().max(64).refine(isTimeZone, 'unknown time zone (an IANA name such as Europe/Paris)').optional(),
          quietHours: z.strictObject({ start: clockTime, end: clockTime }).nullable().optional(),
          weeklyDigest: z.boolean().optional(),
          kinds: z.array(z.strictObject({ organizationId: idSchema, kind: z.string().min(1).max(64), enabled: z.boolean() })).max(200).optional(),
        }),
        response: { 200: settingsSchema },
      },
    }, async (req) => {
      const me = userOf(req).userId;
      await db.transaction((tx) => updateSettings(tx, me, req.body, clock.now()));
      return readSettings(db, me);
    });
  };
}
