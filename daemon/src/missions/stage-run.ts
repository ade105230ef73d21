import type { AgentRun, AgentRunResult } from '../agents/launcher.ts';

/**
 * One stage of an attempt, as the runner sees the agent: launched, and launched again when that
 * helps — fresh when the CLI does not know the session it was asked to continue, and after a
 * growing pause when the model API was overloaded (5xx, 529, a lost connection) and the CLI gave
 * up — bounded in tries and by the stage's wall time. A usage limit and refused credentials end
 * the stage at once: retrying cannot help.
 */

export interface RetryPolicy {
  /** Relaunches after an overloaded model API, per stage. */
  maxRetries: number;
  /** The first pause; each next one doubles. */
  baseDelayMs: number;
}

/** SU_AGENT_RETRIES and SU_AGENT_RETRY_BASE_MS override the defaults (3 relaunches, 5 s, 10 s, 20 s). */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  const num = (v: string | undefined, fallback: number) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : fallback);
  return { maxRetries: num(env.SU_AGENT_RETRIES, 3), baseDelayMs: num(env.SU_AGENT_RETRY_BASE_MS, 5000) };
}

export type StageEnd =
  | { status: 'succeeded'; sessionId?: string }
  | { status: 'limited'; reason: string; limitedUntil?: string; sessionId?: string }
  | { status: 'failed' | 'cancelled' | 'timed_out'; reason: string; sessionId?: string };

export interface StageRunOptions {
  /** The session to continue, if any. */
  resumeSessionId?: string;
  launch(resumeSessionId: string | undefined): AgentRun;
  note(kind: string, data: Record<string, unknown>): void;
  retry: RetryPolicy;
  /** When the stage's wall time runs out (ms since the epoch): no pause may end past it. */
  deadline: number;
  cancelled(): boolean;
  /** Resolves after `ms`, or earlier once the attempt is cancelled. */
  pause(ms: number): Promise<void>;
}

export async function runStage(o: StageRunOptions): Promise<StageEnd> {
  let resume = o.resumeSessionId;
  let sessionId: string | undefined;
  for (let retry = 0; ;) {
    const result: AgentRunResult = await o.launch(resume).done;
    sessionId = result.sessionId ?? sessionId;
    const trouble = result.trouble;
    if (o.cancelled()) return { status: 'cancelled', reason: 'cancelled', sessionId };
    if (trouble?.kind === 'limited') {
      return { status: 'limited', reason: `usage limit: ${trouble.message}`, ...(trouble.until ? { limitedUntil: trouble.until } : {}), sessionId };
    }
    if (result.outcome === 'succeeded') return { status: 'succeeded', sessionId };
    if (trouble?.kind === 'auth') return { status: 'failed', reason: `the agent's credentials were refused by the model API: ${trouble.message}`, sessionId };
    if (trouble?.kind === 'resume_refused' && resume) {
      o.note('agent.session_fresh', { reason: `the agent no longer knows session ${resume}; starting fresh from the docs` });
      resume = undefined;
      continue;
    }
    const delayMs = o.retry.baseDelayMs * 2 ** retry;
    if (trouble?.kind === 'overloaded' && retry < o.retry.maxRetries && Date.now() + delayMs < o.deadline) {
      retry++;
      o.note('agent.retrying', { reason: trouble.message, retry, delayMs });
      await o.pause(delayMs);
      if (o.cancelled()) return { status: 'cancelled', reason: 'cancelled', sessionId };
      // Continue what the failed run began, so its finished turns are not paid for twice.
      resume = sessionId ?? resume;
      continue;
    }
    return { status: result.outcome, reason: result.reason ?? `agent ${result.outcome}`, sessionId };
  }
}
