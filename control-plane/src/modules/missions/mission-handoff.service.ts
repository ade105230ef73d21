import { and, eq, inArray } from 'drizzle-orm';
import { codeAgentSessions, projectWorkstations, workstations } from '../../db/schema/index.ts';
import type { Db, Tx } from '../../db/types.ts';
import { conflict, invalidField, notFound } from '../../errors.ts';
import type { Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { createWorkstationSight } from '../workstations/workstation-visibility.ts';
import { changeList } from './mission-board.service.ts';
import { createMissionEventsRepository } from './mission-events.repository.ts';
import { presentMissions } from './mission-presenter.ts';
import { createMissionsRepository, type MissionRow } from './missions.repository.ts';

async function liveAttemptOf(tx: Tx, missionId: string) {
  const [live] = await tx.select({ id: codeAgentSessions.id, stage: codeAgentSessions.stage, workstationId: codeAgentSessions.workstationId }).from(codeAgentSessions)
    .where(and(eq(codeAgentSessions.missionId, missionId), inArray(codeAgentSessions.status, ['assigned', 'running']))).limit(1);
  return live;
}

const alreadyDone = () => conflict('SU_ERR_MISSION_ALREADY_DONE', 'the mission is Done: nothing is left to run; create a follow-up mission instead', { list: 'done' });
const merging = (attemptId: string) => conflict('SU_ERR_MISSION_MERGING', 'the approved branch is being merged right now; wait for the merge to finish (Done) or to fail back to Todo', { attemptId });
const notServing = () => invalidField('body.workstationId', 'not a workstation serving this project (map it to the project first)');

/**
 * A person steers who runs a mission and when it runs again (#18), on the mission's timeline.
 * A running attempt is never raced: the mission leaves Doing (the dispatcher sends mission.cancel
 * to the workstation holding the lease, as for a rejection from Doing), and no new attempt is
 * dispatched until the old one has ended — its late reports are fenced by its lease as usual.
 */
export function createMissionHandoffService(db: Db, access: AccessService, clock: Clock) {
  const sight = createWorkstationSight(access);
  async function locked(tx: Tx, missionId: string) {
    const row = await createMissionsRepository(tx).findForUpdate(missionId);
    if (!row) throw notFound('mission');
    return row;
  }
  const present = async (tx: Tx, row: MissionRow) => (await presentMissions(tx, [row], clock.now()))[0]!;

  /** A workstation of the project's organization that serves the project (else a 400 on the field). */
  async function requireServing(tx: Tx, projectId: string, workstationId: string) {
    const [row] = await tx.select({ id: workstations.id, name: workstations.name, revokedAt: workstations.revokedAt }).from(workstations)
      .innerJoin(projectWorkstations, and(eq(projectWorkstations.workstationId, workstations.id), eq(projectWorkstations.projectId, projectId)))
      .where(eq(workstations.id, workstationId)).limit(1);
    if (!row || row.revokedAt) throw notServing();
    return row;
  }

  /**
   * A workstation hidden from the caller answers as if it did not exist. Checked before the
   * transaction: the access checks read through their own connection (on PGlite, one session,
   * a read beside an open transaction would wait for it).
   */
  async function requireVisible(caller: UserPrincipal, workstationId: string) {
    const [row] = await db.select().from(workstations).where(eq(workstations.id, workstationId)).limit(1);
    if (row && (await sight.sightOf(caller, row)) === 'none') throw notServing();
  }

  return {
    /**
     * Only the chosen workstation runs the mission from now on (null: any workstation serving the
     * project). From Doing on another workstation the run is cancelled and the mission waits in
     * Todo, ready, for the new one; Review keeps its place (a merge goes to the new workstation).
     */
    async handOff(caller: UserPrincipal, missionId: string, input: { workstationId: string | null; reason?: string }) {
      await access.requireMission(caller, missionId, 'write');
      if (input.workstationId) await requireVisible(caller, input.workstationId);
      return db.transaction(async (tx) => {
        const before = await locked(tx, missionId);
        if (before.list === 'done') throw alreadyDone();
        const target = input.workstationId ? await requireServing(tx, before.projectId, input.workstationId) : null;
        const live = await liveAttemptOf(tx, missionId);
        if (live?.stage === 'merge' && live.workstationId !== input.workstationId) throw merging(live.id);
        const data = { from: before.workstationId, to: target?.id ?? null, workstationName: target?.name ?? null, reason: input.reason || null };
        const event = { origin: 'user' as const, kind: 'mission.handed_off', userId: caller.userId };
        if (before.list === 'doing' && live && live.workstationId !== input.workstationId && input.workstationId !== null) {
          const after = await changeList(tx, clock, before, { list: 'todo', extra: { workstationId: target!.id, ready: true, agentSessionStatus: 'inactive' } },
            { ...event, data: { ...data, cancelledAttemptId: live.id } });
          return present(tx, after);
        }
        const now = clock.now();
        const after = await createMissionsRepository(tx).update(before.id, { workstationId: target?.id ?? null, updatedAt: now });
        await createMissionEventsRepository(tx).append({ missionId: before.id, ...event, data }, now);
        return present(tx, after);
      });
    },

    /**
     * Run again from a fresh attempt, with the reason on the timeline: from Todo it marks the
     * mission ready; from Doing it cancels the running attempt first. Review and Done are a
     * person's decision (approve / reject with feedback), not a retry.
     */
    async retry(caller: UserPrincipal, missionId: string, input: { reason: string }) {
      await access.requireMission(caller, missionId, 'write');
      return db.transaction(async (tx) => {
        const before = await locked(tx, missionId);
        if (before.list === 'done') throw alreadyDone();
        if (before.list === 'review') {
          throw conflict('SU_ERR_MISSION_ILLEGAL_MOVE', 'the mission waits in Review: approve it, or reject it with feedback (POST /api/v1/missions/:missionId/review) to have it run again', { list: before.list });
        }
        const live = await liveAttemptOf(tx, missionId);
        if (live?.stage === 'merge') throw merging(live.id);
        const after = await changeList(tx, clock, before, { list: 'todo', extra: { ready: true, agentSessionStatus: 'inactive' } }, {
          origin: 'user', kind: 'mission.retried', userId: caller.userId, data: { reason: input.reason, ...(live ? { cancelledAttemptId: live.id } : {}) },
        });
        return present(tx, after);
      });
    },
  };
}
export type MissionHandoffService = ReturnType<typeof createMissionHandoffService>;
