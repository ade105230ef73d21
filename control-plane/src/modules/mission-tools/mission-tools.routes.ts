import { answerQuestionBody, idSchema, missionQuestionSchema } from '@solo-unicorn/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../lib/time.ts';
import { userOf } from '../../plugins/auth.ts';
import type { AccessService } from '../access/access.service.ts';
import { createMissionQuestions } from './mission-questions.ts';

const missionParams = z.strictObject({ missionId: idSchema });

/** The human side of `mission_ask`: read the open question, answer it. */
export function missionToolsRoutes(db: Db, access: AccessService, clock: Clock): FastifyPluginAsyncZod {
  const questions = createMissionQuestions(db, access, clock);
  return async (app) => {
    const tags = ['missions'];
    app.get('/missions/:missionId/question', {
      schema: { tags, summary: "The agent's open question (mission_ask), or null", params: missionParams, response: { 200: z.object({ question: missionQuestionSchema.nullable() }) } },
    }, async (req) => questions.question(userOf(req), req.params.missionId));

    app.post('/missions/:missionId/answer', {
      schema: {
        tags, summary: "Answer the agent's open question: the mission goes back to Todo, ready, and the agent gets the answer", params: missionParams, body: answerQuestionBody,
        response: { 200: z.object({ missionId: z.string(), question: missionQuestionSchema, answer: z.string() }) },
      },
    }, async (req) => questions.answer(userOf(req), req.params.missionId, req.body.text));
  };
}
