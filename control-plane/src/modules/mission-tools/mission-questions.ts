import { clipText, questionAnswerPrefix } from '@solo-unicorn/shared';
import type { Db } from '../../db/types.ts';
import { conflict, notFound } from '../../errors.ts';
import type { Clock } from '../../lib/time.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import type { AccessService } from '../access/access.service.ts';
import { changeList } from '../missions/mission-board.service.ts';
import { createMissionsRepository } from '../missions/missions.repository.ts';
import { createToolRequestsRepository } from './tool-requests.repository.ts';

/**
 * A question an agent asked with `mission_ask`: the mission waits in Review with it open; the
 * answer sends the mission back to Todo, ready, with the question and the answer as the feedback
 * the next attempt's prompt carries (in the resumed agent session when the workstation has it).
 */
export function createMissionQuestions(db: Db, access: AccessService, clock: Clock) {
  return {
    async question(caller: UserPrincipal, missionId: string) {
      await access.requireMission(caller, missionId, 'read');
      // Open only while the mission waits in Review: a run that failed after asking leaves none.
      const mission = await createMissionsRepository(db).find(missionId);
      if (mission?.list !== 'review') return { question: null };
      const open = await createToolRequestsRepository(db).openQuestions([missionId]);
      return { question: open.get(missionId) ?? null };
    },

    async answer(caller: UserPrincipal, missionId: string, text: string) {
      await access.requireMission(caller, missionId, 'write');
      return db.transaction(async (tx) => {
        const repo = createMissionsRepository(tx);
        const mission = await repo.findForUpdate(missionId);
        if (!mission) throw notFound('mission');
        const open = (await createToolRequestsRepository(tx).openQuestions([missionId])).get(missionId);
        if (!open || mission.list !== 'review') throw conflict('SU_ERR_CONFLICT', 'the mission has no open question from its agent');
        // `rejected` + feedback is how the next assignment carries text to the agent's prompt; the
        // prefix tells the prompt builder it is an answer, not a rejection.
        const feedback = clipText(`${questionAnswerPrefix}\n\nQuestion: ${open.text}\n\nAnswer: ${text}`, 20_000, '');
        await changeList(
          tx, clock, mission,
          { list: 'todo', extra: { ready: true, reviewStatus: 'rejected', reviewFeedback: feedback, reviewedBy: caller.userId } },
          { origin: 'user', kind: 'mission.answered', userId: caller.userId, data: { questionEventId: open.id, question: open.text, answer: text } },
        );
        return { missionId, question: open, answer: text };
      });
    },
  };
}
