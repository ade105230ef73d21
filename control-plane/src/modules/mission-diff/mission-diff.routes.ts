import { idSchema, missionDiffSchema } from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import { AppError } from '../../errors.ts';
import type { AccessService } from '../access/access.service.ts';
import { createMissionEventsRepository } from '../missions/mission-events.repository.ts';
import { userOf } from '../../plugins/auth.ts';

/**
 * The mission branch's diff against its target, as its last pushing attempt left it: the daemon
 * sends a bounded summary (`git.diff` event) after it commits, so reviewing needs no git here.
 */
export function missionDiffRoutes(db: Db, access: AccessService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/missions/:missionId/diff', {
      schema: {
        tags: ['missions'], summary: "The mission branch's changes against its target branch (files, counts, patches)",
        params: z.strictObject({ missionId: idSchema }), response: { 200: missionDiffSchema },
      },
    }, async (req) => {
      await access.requireMission(userOf(req), req.params.missionId, 'read');
      const row = await createMissionEventsRepository(db).latestOfKind(req.params.missionId, 'git.diff');
      if (!row) throw new AppError(404, 'SU_ERR_NOT_FOUND', 'no diff yet: no attempt of this mission has committed work');
      const parsed = missionDiffSchema.omit({ attemptId: true, at: true }).safeParse(row.data);
      // Written by a daemon: a summary that does not parse is reported as missing, never as a 500.
      if (!parsed.success) throw new AppError(404, 'SU_ERR_NOT_FOUND', 'the last diff summary could not be read; the next attempt sends a new one');
      return { ...parsed.data, attemptId: row.attemptId, at: row.createdAt.toISOString() };
    });
  };
}
