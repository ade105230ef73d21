import type { AuditEvent, AuditEventsQuery } from '@solo-unicorn/shared';
import { z } from 'zod';
import type { Db } from '../../db/types.ts';
import { invalidField } from '../../errors.ts';
import { decodeCursor, toPage } from '../../lib/cursor.ts';
import { iso } from '../../lib/time.ts';
import type { AccessService } from '../access/access.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { type AuditFilter, type AuditReadRow, createAuditReadRepository } from './audit-read.repository.ts';
import { createAuditRedaction } from './audit-redaction.ts';

const auditCursor = z.object({ at: z.string().min(1).max(64), id: z.string().min(1).max(64) });

/**
 * Pseudonymized by design: the log holds the actor's id only; who that is gets resolved here. A
 * deleted user shows as "deleted user" under their pseudonym (the users row keeps the pseudonym,
 * loses the name), so the write-once log never needs rewriting.
 */
function present(r: AuditReadRow): AuditEvent {
  const e = r.event;
  let actor: AuditEvent['actor'] = { type: e.actorType, id: e.actorId, name: null, deleted: false };
  if (e.actorType === 'user' && e.actorId) {
    actor = r.userDeletedAt
      ? { type: 'user', id: r.userPseudonym ?? 'deleted', name: 'deleted user', deleted: true }
      : { ...actor, name: r.userName ?? r.userEmail ?? null };
  } else if (e.actorType === 'workstation') {
    actor = { ...actor, name: r.workstationName ?? null };
  }
  return {
    id: e.id, organizationId: e.organizationId, actor, action: e.action, targetType: e.targetType, targetId: e.targetId,
    data: (e.data ?? {}) as Record<string, unknown>, createdAt: iso(e.createdAt),
  };
}

export function createAuditService(db: Db, access: AccessService) {
  const repo = createAuditReadRepository(db);
  const redactHiddenWorkstations = createAuditRedaction(db, access);

  async function page(filter: AuditFilter, limit: number, cursor: string | undefined) {
    const after = cursor ? decodeCursor(cursor, auditCursor) : undefined;
    const rows = await repo.list(filter, after, limit);
    return toPage(rows, limit, present, (r) => ({ at: r.at, id: r.event.id }));
  }

  return {
    /** Organization admins read their organization's log; the instance admin may read all of it. */
    async list(caller: UserPrincipal, q: AuditEventsQuery) {
      if (q.organizationId) await access.requireOrg(caller, q.organizationId, 'admin');
      else if (!caller.isInstanceAdmin) throw invalidField('query.organizationId', 'required: the organization whose audit log to read');
      const { limit, cursor, since, until, ...rest } = q;
      return page({ ...rest, since: since ? new Date(since) : undefined, until: until ? new Date(until) : undefined }, limit, cursor);
    },

    /**
     * A project's history for its admins: the project, its missions, its workstation mappings, its
     * settings — a workstation hidden from the caller named only as "a hidden workstation".
     */
    async timeline(caller: UserPrincipal, projectId: string, q: { limit: number; cursor?: string }) {
      const { project } = await access.requireProject(caller, projectId, 'admin');
      const result = await page({ organizationId: project.organizationId, projectId }, q.limit, q.cursor);
      return { ...result, items: await redactHiddenWorkstations(caller, result.items) };
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
