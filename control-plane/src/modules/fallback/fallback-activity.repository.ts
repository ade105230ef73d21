import { newId } from '@solo-unicorn/shared';
import { sql } from 'drizzle-orm';
import { projectActivity } from '../../db/schema/index.ts';
import type { Executor } from '../../db/types.ts';

export const fallbackChannel = (projectId: string) => `project:${projectId}:fallback`;

/**
 * Records a fallback change in the project's activity feed and on the realtime channel
 * `project:{id}:fallback`, in the caller's transaction: subscribers hear of it only if it commits.
 */
export async function recordFallbackActivity(
  db: Executor,
  projectId: string,
  type: string,
  data: Record<string, unknown>,
  at: Date,
  userId?: string | null,
): Promise<void> {
  await db.insert(projectActivity).values({ id: newId(), projectId, userId: userId ?? null, kind: `fallback.${type}`, data, createdAt: at });
  await db.execute(sql`SELECT su_realtime_append(${fallbackChannel(projectId)}, ${`fallback.${type}`}, ${JSON.stringify(data)}::jsonb)`);
}
