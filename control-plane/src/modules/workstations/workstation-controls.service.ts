import type { Db } from '../../db/types.ts';
import { conflict, notFound } from '../../errors.ts';
import type { Clock } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { createWorkstationControlsRepository } from './workstation-controls.repository.ts';
import { createWorkstationsRepository } from './workstations.repository.ts';
import type { WorkstationsService } from './workstations.service.ts';

/**
 * What a person does to a workstation's share of the work (#15, #18): unmap it from a project, pause
 * it (no new dispatch: runs and merges alike; what runs there finishes) and resume it. Each change is
 * an audit event. Pause, resume and visibility need org admin, like revoke; unmap needs project admin, like map.
 */
export function createWorkstationControlsService(db: Db, access: AccessService, workstations: WorkstationsService, clock: Clock) {
  /** The workstation if the caller administers its organization; "not found" for anyone else. */
  async function administered(caller: UserPrincipal, id: string) {
    const row = await createWorkstationsRepository(db).findById(id);
    if (!row) throw notFound('workstation');
    try {
      await access.requireOrg(caller, row.organizationId, 'admin');
    } catch (error) {
      // Read access without admin is a 403 (the caller sees it anyway); no access at all is a 404.
      if (error instanceof Error && 'status' in error && error.status === 404) throw notFound('workstation');
      throw error;
    }
    return row;
  }

  return {
    /** Running missions of the project on it finish; nothing new of the project goes there. */
    async unmapFromProject(caller: UserPrincipal, projectId: string, workstationId: string) {
      const { project } = await access.requireProject(caller, projectId, 'admin');
      await db.transaction(async (tx) => {
        if (!(await createWorkstationControlsRepository(tx).unmap(projectId, workstationId))) throw notFound('workstation mapping');
        await recordAudit(tx, {
          organizationId: project.organizationId, actorType: 'user', actorId: caller.userId, action: 'project_workstation.unmapped',
          targetType: 'workstation', targetId: workstationId, data: { projectId },
        });
      });
    },

    async pause(caller: UserPrincipal, id: string, reason: string) {
      const row = await administered(caller, id);
      if (row.revokedAt) throw conflict('SU_ERR_WORKSTATION_REVOKED', 'the workstation is revoked: it takes no work anyway; register a new one');
      await db.transaction(async (tx) => {
        await createWorkstationControlsRepository(tx).pause(id, reason, clock.now());
        await recordAudit(tx, {
          organizationId: row.organizationId, actorType: 'user', actorId: caller.userId, action: 'workstation.paused', targetType: 'workstation', targetId: id,
          data: { reason, wasPaused: row.pausedAt !== null },
        });
      });
      return workstations.get(caller, id);
    },

    /** Who sees how much of it (#18). Setting what it already is changes nothing (and records nothing). */
    async setVisibility(caller: UserPrincipal, id: string, visibility: 'hidden' | 'status' | 'full') {
      const row = await administered(caller, id);
      if (row.visibility !== visibility) {
        await db.transaction(async (tx) => {
          await createWorkstationControlsRepository(tx).setVisibility(id, visibility, clock.now());
          await recordAudit(tx, {
            organizationId: row.organizationId, actorType: 'user', actorId: caller.userId, action: 'workstation.visibility_changed', targetType: 'workstation', targetId: id,
            data: { from: row.visibility, to: visibility },
          });
        });
      }
      return workstations.get(caller, id);
    },

    /** Resuming one that is not paused changes nothing (and records nothing). */
    async resume(caller: UserPrincipal, id: string) {
      const row = await administered(caller, id);
      if (row.pausedAt) {
        await db.transaction(async (tx) => {
          const controls = createWorkstationControlsRepository(tx);
          await controls.resume(id, clock.now());
          await recordAudit(tx, {
            organizationId: row.organizationId, actorType: 'user', actorId: caller.userId, action: 'workstation.resumed', targetType: 'workstation', targetId: id,
            data: { pausedAt: row.pausedAt!.toISOString(), reason: row.pausedReason },
          });
          await controls.wakeDispatch(id);
        });
      }
      return workstations.get(caller, id);
    },
  };
}
export type WorkstationControlsService = ReturnType<typeof createWorkstationControlsService>;
