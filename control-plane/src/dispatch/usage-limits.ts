import type { Tx } from '../db/types.ts';
import type { AttemptRow } from '../sessions/sessions.repository.ts';
import { createAgentLimitsRepository } from './agent-limits.repository.ts';

/** When the agent did not say when its quota resets: try again after this long. */
export const DEFAULT_LIMIT_BACKOFF_MS = 15 * 60_000;
/** A reset further out than this is not believed (a forged or garbled time would park an agent for years). */
export const MAX_LIMIT_MS = 7 * 24 * 3_600_000;

/** The reset time the control plane applies: the agent's own when it is in the future, within bounds. */
export function limitResetAt(reported: string | undefined, now: Date): Date {
  const said = reported ? Date.parse(reported) : Number.NaN;
  const at = Number.isFinite(said) && said > now.getTime() ? said : now.getTime() + DEFAULT_LIMIT_BACKOFF_MS;
  return new Date(Math.min(at, now.getTime() + MAX_LIMIT_MS));
}

/**
 * An attempt ended on its agent's usage limit: that agent on that workstation waits until the
 * reset (dispatch skips it there), and the attempt keeps the reset time it was given.
 */
export async function recordUsageLimit(tx: Tx, attempt: AttemptRow, p: { limitedUntil?: string; reason?: string }, now: Date): Promise<Date> {
  const until = limitResetAt(p.limitedUntil, now);
  const repo = createAgentLimitsRepository(tx);
  await repo.setAttemptLimitedUntil(attempt.id, until);
  if (attempt.workstationId && attempt.agentType) {
    await repo.upsert({ workstationId: attempt.workstationId, agentType: attempt.agentType, limitedUntil: until, reason: p.reason ?? null, attemptId: attempt.id, at: now });
  }
  return until;
}
