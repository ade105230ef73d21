import type { Db } from '../db/types.ts';
import { createWorkstationsRepository } from '../modules/workstations/workstations.repository.ts';
import type { AccessChanges } from '../realtime/access-changes.ts';
import type { SessionHub } from './hub.ts';

/**
 * A workstation revoked or deleted, by any control-plane process, closes the live session this
 * process holds for it (and any it attaches later) as soon as the change is announced.
 */
export function closeRevokedSessions(deps: { changes: AccessChanges; db: Db; hub: SessionHub; log: { warn(o: object, m: string): void } }) {
  const repo = createWorkstationsRepository(deps.db);
  return deps.changes.on((change) => {
    const ids = change.everything ? deps.hub.onlineWorkstations() : change.workstationId ? [change.workstationId] : [];
    if (ids.length === 0) return;
    repo.activeIds(ids).then(
      (active) => {
        for (const id of ids) if (!active.has(id)) deps.hub.revoke(id);
      },
      (err: unknown) => deps.log.warn({ err, workstationIds: ids }, 'cannot check revoked workstations; their sessions stay until the next change'),
    );
  });
}
