import { defaultFlowStages } from '@solo-unicorn/shared';
import type { Tx } from '../../db/types.ts';
import { AppError, conflict } from '../../errors.ts';
import { createFlowsRepository } from '../flows/flows.repository.ts';
import { createMissionEventsRepository } from '../missions/mission-events.repository.ts';
import { createMissionsRepository } from '../missions/missions.repository.ts';
import { recordFallbackActivity } from './fallback-activity.repository.ts';
import { createFallbackRunsRepository, type FallbackItemRow } from './fallback-runs.repository.ts';
import { createFallbackTemplatesRepository } from './fallback-templates.repository.ts';

/** The weekly-cap trigger raises SQLSTATE SU001; drizzle may wrap the driver error. */
export function isWeeklyCapError(error: unknown): error is { message: string } {
  const e = error as { code?: string; cause?: { code?: string } } | undefined;
  return e?.code === 'SU001' || e?.cause?.code === 'SU001';
}

export function weeklyCapConflict(error: unknown) {
  const cause = (error as { cause?: { message?: string } }).cause;
  const detail = cause?.message ?? (error as Error).message;
  return conflict('SU_ERR_FALLBACK_WEEKLY_CAP', `the project's weekly fallback mission cap is reached: ${detail.replace(/^.*?weekly/, 'weekly')}; raise weeklyMissionCap or wait for next week`);
}

export interface Decided {
  item: FallbackItemRow;
  /** The run finished with this decision. */
  completedRunId?: string;
}

/**
 * Accepts a proposal inside the caller's transaction: creates the mission (Todo, ready, origin
 * fallback) and links item ↔ mission. Idempotent: an accepted item returns as it is. The weekly
 * cap is enforced by a trigger on the item update, which rolls the mission back with it.
 */
export async function acceptItem(tx: Tx, itemId: string, at: Date, userId: string | null): Promise<Decided> {
  const runs = createFallbackRunsRepository(tx);
  const item = await runs.lockItem(itemId);
  if (!item) throw new AppError(404, 'SU_ERR_NOT_FOUND', 'fallback item not found');
  if (item.status === 'accepted') return { item };
  if (item.status === 'discarded') throw conflict('SU_ERR_FALLBACK_ITEM_CLOSED', 'the item was discarded; run the fallback again or launch its template');

  const flow = await createFlowsRepository(tx).findFlow(item.projectId, item.flowId);
  const missions = createMissionsRepository(tx);
  const mission = await missions.insert({
    projectId: item.projectId,
    title: item.title,
    description: item.description,
    priority: item.priority ?? 3,
    ready: true,
    list: 'todo',
    listOrder: await missions.endOfList(item.projectId, 'todo'),
    flowId: item.flowId,
    stage: (flow?.stages ?? defaultFlowStages)[0]?.name ?? 'clarify',
    actorId: item.actorId,
    repositoryId: item.repositoryId,
    origin: 'fallback',
    fallbackItemId: item.id,
    createdBy: userId,
    createdAt: at,
    updatedAt: at,
  });
  let accepted: FallbackItemRow;
  try {
    accepted = await runs.updateItem(item.id, { status: 'accepted', missionId: mission.id, decidedAt: at, decidedBy: userId, updatedAt: at });
  } catch (error) {
    if (isWeeklyCapError(error)) throw weeklyCapConflict(error);
    throw error;
  }
  await createFallbackTemplatesRepository(tx).markUsed([item.templateId], at);
  await createMissionEventsRepository(tx).append(
    { missionId: mission.id, origin: 'fallback', kind: 'mission.created', userId, data: { title: mission.title, runId: item.missionFallbackRunId, itemId: item.id, templateId: item.templateId } },
    at,
  );
  await recordFallbackActivity(tx, item.projectId, 'item.accepted', { runId: item.missionFallbackRunId, itemId: item.id, missionId: mission.id }, at, userId);
  return { item: accepted, completedRunId: await completion(tx, item, at) };
}

export async function discardItem(tx: Tx, itemId: string, at: Date, userId: string | null, feedback?: string): Promise<Decided> {
  const runs = createFallbackRunsRepository(tx);
  const item = await runs.lockItem(itemId);
  if (!item) throw new AppError(404, 'SU_ERR_NOT_FOUND', 'fallback item not found');
  if (item.status === 'discarded') return { item };
  if (item.status === 'accepted') throw conflict('SU_ERR_FALLBACK_ITEM_CLOSED', 'the item was already accepted; move or edit its mission instead');
  const discarded = await runs.updateItem(item.id, { status: 'discarded', feedback: feedback ?? null, decidedAt: at, decidedBy: userId, updatedAt: at });
  await createFallbackTemplatesRepository(tx).markDiscarded(item.templateId, at);
  await recordFallbackActivity(tx, item.projectId, 'item.discarded', { runId: item.missionFallbackRunId, itemId: item.id, feedback: feedback ?? null }, at, userId);
  return { item: discarded, completedRunId: await completion(tx, item, at) };
}

/**
 * The counts trigger completes a run when its last proposal is decided. When that just happened,
 * record the summary event on every mission the run created, and announce the completion.
 */
async function completion(tx: Tx, item: FallbackItemRow, at: Date): Promise<string | undefined> {
  // The item was open until now, so a completed run means this decision completed it.
  const run = await createFallbackRunsRepository(tx).findRun(item.projectId, item.missionFallbackRunId);
  if (run?.status !== 'completed') return undefined;
  await summarizeRun(tx, run.projectId, run.id, at);
  return run.id;
}

/** The summary event `{runId, generated, accepted}` on each mission the run created. */
export async function summarizeRun(tx: Tx, projectId: string, runId: string, at: Date) {
  const runs = createFallbackRunsRepository(tx);
  const run = (await runs.findRun(projectId, runId))!;
  const items = await runs.itemsOfRuns([runId]);
  const summary = { runId, generated: run.generatedCount, accepted: run.acceptedCount };
  const events = createMissionEventsRepository(tx);
  for (const item of items) {
    if (item.missionId) await events.append({ missionId: item.missionId, origin: 'fallback', kind: 'fallback.run_completed', data: summary }, at);
  }
  await recordFallbackActivity(tx, projectId, 'run.completed', { ...summary, discarded: run.discardedCount }, at);
}
