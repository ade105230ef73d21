import type { Tx } from '../db/types.ts';
import { createMissionEventsRepository } from '../modules/missions/mission-events.repository.ts';
import { notifyProjectAdmins } from '../modules/notifications/notify.ts';
import { createUsageRepository, monthOf, monthStart } from '../modules/usage/usage.repository.ts';

/**
 * The monthly budget check before a run is assigned. A project at or past its budget for the
 * UTC month gets no new runs; the first mission held back that month says so on its timeline and
 * the project's admins are notified, once. Runs under the project's row lock (taken by the
 * caller), so two dispatchers never both write the notice. `budgetUsd`: the project's budget as
 * the caller read it under that lock (null: none).
 */
export async function budgetHoldsBack(tx: Tx, projectId: string, missionId: string, now: Date, budgetUsd: number | null): Promise<boolean> {
  if (budgetUsd === null) return false;
  const usage = createUsageRepository(tx);
  const since = monthStart(now);
  const spentUsd = await usage.spentSince(projectId, since);
  if (spentUsd < budgetUsd) return false;
  if (!(await usage.budgetReachedNotedSince(projectId, since))) {
    const month = monthOf(now);
    const data = { projectId, budgetUsd, spentUsd, month };
    await createMissionEventsRepository(tx).append({ missionId, origin: 'system', kind: 'mission.budget_reached', data }, now);
    await notifyProjectAdmins(tx, {
      projectId, missionId, kind: 'project.budget_reached', segment: 'mission', data,
      title: (name) => `${name}: monthly agent budget reached`,
      body: `Agents reported $${spentUsd.toFixed(2)} of the $${budgetUsd.toFixed(2)} budget for ${month}; new missions wait until next month or a higher budget.`,
    }, now);
  }
  return true;
}
