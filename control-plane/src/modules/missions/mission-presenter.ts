import type { Mission } from '@solo-unicorn/shared';
import type { Executor } from '../../db/types.ts';
import { dispatchState } from '../../dispatch/dispatch-state.ts';
import { loadDispatchContexts } from '../../dispatch/dispatch-state.repository.ts';
import { createMissionsRepository, type MissionRow } from './missions.repository.ts';
import { toMission } from './missions.serializers.ts';
import { createToolRequestsRepository } from '../mission-tools/tool-requests.repository.ts';
import { latestProgressLines } from './mission-progress.repository.ts';

/**
 * Missions as the API shows them: with their dependencies, their dispatch state, the open question
 * (Review) and the agent's latest progress line (Doing). A fixed number of queries for any number
 * of rows, never one per mission.
 */
export async function presentMissions(db: Executor, rows: MissionRow[], now: Date): Promise<Mission[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  // Sequential on purpose: inside a transaction both run on the same connection.
  const deps = await createMissionsRepository(db).dependencyIds(ids);
  const contexts = await loadDispatchContexts(db, ids, now);
  // An agent's question is open only while its mission waits in Review (mission_ask, #14).
  const questions = await createToolRequestsRepository(db).openQuestions(rows.filter((r) => r.list === 'review').map((r) => r.id));
  // What the agent last said (mission_progress, #14), for the Doing cards a board opens on.
  const progress = await latestProgressLines(db, rows.filter((r) => r.list === 'doing').map((r) => r.id));
  return rows.map((r) => {
    const ctx = contexts.get(r.id)!;
    const question = questions.get(r.id) ?? null;
    const dispatch = dispatchState({ ...r, liveAttempt: ctx.liveAttempt, question }, ctx.project);
    return { ...toMission(r, deps.get(r.id) ?? [], dispatch), question, progress: progress.get(r.id) ?? null };
  });
}
