import { handOffMissionBody, idSchema, missionSchema, retryMissionBody } from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userOf } from '../../plugins/auth.ts';
import type { MissionHandoffService } from './mission-handoff.service.ts';

const params = z.strictObject({ missionId: idSchema });

export function missionHandoffRoutes(handoff: MissionHandoffService): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['missions'];
    app.post('/missions/:missionId/handoff', {
      schema: {
        tags, summary: 'Hand the mission to one workstation serving its project (null: any); a run elsewhere is cancelled first',
        params, body: handOffMissionBody, response: { 200: missionSchema },
      },
    }, async (req) => handoff.handOff(userOf(req), req.params.missionId, req.body));

    app.post('/missions/:missionId/retry', {
      schema: { tags, summary: 'Run the mission again from a fresh attempt (Todo or Doing), with a reason for the timeline', params, body: retryMissionBody, response: { 200: missionSchema } },
    }, async (req) => handoff.retry(userOf(req), req.params.missionId, req.body));
  };
}
