import type { AuditEvent } from '@solo-unicorn/shared';
import { inArray } from 'drizzle-orm';
import { workstations } from '../../db/schema/index.ts';
import type { Db } from '../../db/types.ts';
import type { AccessService } from '../access/access.service.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { createWorkstationSight } from '../workstations/workstation-visibility.ts';

export const HIDDEN_WORKSTATION = 'a hidden workstation';

const ulid = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Every id-shaped string an event carries: its actor, its target, anything in its data. */
function idsIn(event: AuditEvent, into: Set<string>) {
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (ulid.test(value)) into.add(value);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit([event.actor.id, event.targetId, event.data]);
}

/** The data with each hidden workstation's id, and its name where a `…name` field holds it, said as "a hidden workstation". */
function redactData(value: unknown, hidden: Map<string, string>, key = ''): unknown {
  if (typeof value === 'string') {
    const names = /name$/i.test(key) ? [...hidden.values()] : [];
    return hidden.has(value) || names.includes(value) ? HIDDEN_WORKSTATION : value;
  }
  if (Array.isArray(value)) return value.map((v) => redactData(v, hidden, key));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactData(v, hidden, k)]));
  return value;
}

/**
 * Audit entries read by someone who may not see a workstation they name (#18): a project admin
 * who is not an organization admin reads the project timeline, whose workstation mappings name
 * workstations that may be hidden from them. The entry stays (something happened), but the
 * workstation is "a hidden workstation": no id, no name — as GET /workstations/:id answers 404 to
 * them. Decided by the same sight as the workstation routes, by the workstation's visibility now;
 * a workstation shown as status only keeps its id and name (the list shows those too).
 * `GET /audit-events` needs no redaction: only organization admins (and the instance admin) read it, and they see every workstation.
 */
export function createAuditRedaction(db: Db, access: AccessService) {
  const sight = createWorkstationSight(access);

  return async function redactHiddenWorkstations(caller: UserPrincipal, events: AuditEvent[]): Promise<AuditEvent[]> {
    if (caller.isInstanceAdmin || events.length === 0) return events;
    const ids = new Set<string>();
    for (const event of events) idsIn(event, ids);
    if (ids.size === 0) return events;
    const rows = await db.select().from(workstations).where(inArray(workstations.id, [...ids]));
    const sights = await sight.sightsOf(caller, rows);
    const hidden = new Map(rows.filter((_, i) => sights[i] === 'none').map((r) => [r.id, r.name]));
    if (hidden.size === 0) return events;
    // Ids are unique across tables: an id that is a hidden workstation's is that workstation, whatever field holds it.
    return events.map((e) => {
      const actorHidden = e.actor.id !== null && hidden.has(e.actor.id);
      const targetHidden = e.targetId !== null && hidden.has(e.targetId);
      const data = redactData(e.data, hidden) as Record<string, unknown>;
      return {
        ...e,
        actor: actorHidden ? { ...e.actor, id: null, name: HIDDEN_WORKSTATION } : e.actor,
        targetId: targetHidden ? null : e.targetId,
        data: targetHidden ? { ...data, target: HIDDEN_WORKSTATION } : data,
      };
    });
  };
}
