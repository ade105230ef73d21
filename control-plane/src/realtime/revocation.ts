import type { Database } from '../db/types.ts';
import type { AccessService } from '../modules/access/access.service.ts';
import type { SessionHub } from '../sessions/hub.ts';
import { closeRevokedSessions } from '../sessions/revocations.ts';
import { createAccessChanges } from './access-changes.ts';
import { createSocketGuard } from './socket-access.ts';

/**
 * Revocation is immediate everywhere: one listener for access changes (NOTIFY from triggers, so
 * every process hears every change) re-authorizes monitoring sockets and closes daemon sessions
 * of revoked workstations.
 */
export function createRevocation(deps: { database: Database; access: AccessService; sessionHub: SessionHub; log: { warn(o: object, m: string): void } }) {
  const changes = createAccessChanges(deps.database);
  closeRevokedSessions({ changes, db: deps.database.db, hub: deps.sessionHub, log: deps.log });
  const guard = createSocketGuard({ changes, access: deps.access, db: deps.database.db, log: deps.log });
  return { guard, start: () => changes.start(), stop: () => changes.stop() };
}
