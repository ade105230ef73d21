import type { Workstation, WorkstationStatus } from '@solo-unicorn/shared';
import type { AccessService } from '../access/access.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import type { WorkstationRow } from './workstations.repository.ts';

/**
 * Who sees how much of a workstation (#18). Its registering user, organization admins and the
 * instance admin see everything; other members see what its `visibility` allows: nothing
 * (hidden: as if it did not exist), its presence only (status), or everything (full).
 */
export type Sight = 'none' | 'status' | 'full';

export function createWorkstationSight(access: AccessService) {
  /** Whether the caller administers the organization (memoised per call site: lists span few organizations). */
  async function administers(caller: UserPrincipal, organizationId: string) {
    try {
      const role = await access.requireOrg(caller, organizationId, 'admin');
      return role !== undefined;
    } catch {
      return false;
    }
  }

  async function sightOf(caller: UserPrincipal, row: WorkstationRow, adminOf = (orgId: string) => administers(caller, orgId)): Promise<Sight> {
    if (row.visibility === 'full' || caller.isInstanceAdmin || row.createdBy === caller.userId) return 'full';
    if (await adminOf(row.organizationId)) return 'full';
    return row.visibility === 'hidden' ? 'none' : 'status';
  }

  return {
    sightOf,
    /** One admin check per organization for a whole list. */
    async sightsOf(caller: UserPrincipal, rows: WorkstationRow[]) {
      const memo = new Map<string, Promise<boolean>>();
      const adminOf = (orgId: string) => memo.get(orgId) ?? memo.set(orgId, administers(caller, orgId)).get(orgId)!;
      return Promise.all(rows.map((row) => sightOf(caller, row, adminOf)));
    },
  };
}
export type WorkstationSight = ReturnType<typeof createWorkstationSight>;

/** The presence-only view shown at `status` visibility. */
export function statusView(full: Workstation): WorkstationStatus {
  return { id: full.id, organizationId: full.organizationId, name: full.name, online: full.online, paused: full.paused, visibility: 'status' };
}
