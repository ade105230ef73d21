import { newId } from '@solo-unicorn/shared';
import { auditEvents } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

export interface AuditEntry {
  organizationId?: string | null;
  actorType: 'user' | 'workstation' | 'system';
  actorId?: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  data?: Record<string, unknown>;
}

/** Append-only compliance log (the table refuses UPDATE and early DELETE). Never holds secrets. */
export async function recordAudit(db: Executor, entry: AuditEntry): Promise<void> {
  await db.insert(auditEvents).values({ id: newId(), ...entry, data: entry.data ?? {} });
}
