import { newId } from '@solo-unicorn/shared';
import { projectActivity } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';
import { fallbackChannel, type RealtimeMessage } from '../../realtime/bus.ts';

/**
 * Fallback changes are written to project_activity in the same transaction as the change; the
 * row id is the realtime cursor. Returns the message to publish once the transaction commits.
 */
export async function recordFallbackActivity(
  db: Executor,
  projectId: string,
  type: string,
  data: Record<string, unknown>,
  at: Date,
  userId?: string | null,
): Promise<RealtimeMessage> {
  const id = newId();
  await db.insert(projectActivity).values({ id, projectId, userId: userId ?? null, kind: `fallback.${type}`, data, createdAt: at });
  return { channel: fallbackChannel(projectId), type: `fallback.${type}`, cursor: id, at: at.toISOString(), data };
}
