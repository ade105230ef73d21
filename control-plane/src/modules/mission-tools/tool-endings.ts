import { missionToolEventKinds } from '@solo-unicorn/shared';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { missionEvents } from '../../db/schema/index.ts';
import type { Tx } from '../../db/types.ts';
import type { Clock } from '../../lib/time.ts';
import { changeList } from '../missions/mission-board.service.ts';
import type { MissionRow } from '../missions/missions.repository.ts';

/**
 * A succeeded attempt whose agent called `mission_ask` or `mission_request_review`: the mission
 * waits in Review (question: flagged by its open `agent.question`; review: with the summary on the
 * timeline) instead of the usual success path. False when the agent called neither, or when
 * a pull request is the review anyway (PR mode, review requested).
 */
export async function endAsTheAgentAsked(
  tx: Tx, clock: Clock, mission: MissionRow, attempt: { id: string; prMode: string | null }, p: { branch?: string; headCommit?: string },
): Promise<boolean> {
  const [asked] = await tx
    .select({ kind: missionEvents.kind, data: missionEvents.data })
    .from(missionEvents)
    .where(and(eq(missionEvents.attemptId, attempt.id), inArray(missionEvents.kind, [missionToolEventKinds.question, missionToolEventKinds.reviewRequested])))
    .orderBy(desc(missionEvents.seq))
    .limit(1);
  if (!asked) return false;
  const data = asked.data as Record<string, unknown>;
  const question = asked.kind === missionToolEventKinds.question;
  if (!question && attempt.prMode === 'enabled') return false;
  const extra = { agentSessionStatus: 'inactive' as const, prBranchName: p.branch ?? mission.prBranchName, reviewStatus: 'pending' as const };
  await changeList(
    tx, clock, mission, { list: 'review', extra },
    question
      ? { origin: 'system', kind: 'mission.question_asked', data: { attemptId: attempt.id, reason: 'the agent asked a question; answer it to continue', question: data.question, options: data.options ?? [] } }
      : { origin: 'system', kind: 'mission.moved', data: { attemptId: attempt.id, reason: 'the agent asked for review', summary: data.summary, headCommit: p.headCommit ?? null } },
  );
  return true;
}
