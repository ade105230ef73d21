import { ApiError } from './api-client.ts';

// The attempts' usage as GET /missions/:id/attempts gives it (see the #13 contract).

interface Attempt {
  id: string;
  attemptNumber: number;
  status: string;
  agentType: string | null;
  stage: string | null;
  resumedFromAttemptId: string | null;
  limitedUntil: string | null;
}
interface Totals {
  attempts: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number | null;
  numTurns: number;
  wallMs: number | null;
  permissionDenials: number;
}
export interface AttemptsPage {
  items: Attempt[];
  totals: Totals;
}

/** The attempts page, or null when this control plane has no such endpoint yet (404). */
export async function fetchAttempts(call: <T>(method: string, path: string) => Promise<T>, missionId: string): Promise<AttemptsPage | null> {
  try {
    const page = await call<AttemptsPage>('GET', `/api/v1/missions/${missionId}/attempts`);
    // Another shape than the contract's (an older or newer control plane): say nothing rather than guess.
    return Array.isArray(page?.items) && page.totals && typeof page.totals === 'object' ? page : null;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

const count = (n: number | null | undefined) => (n ?? 0).toLocaleString('en-US');
const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

/** `850ms`, `42s`, `3m 05s`, `1h 02m`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

/** One totals line, then a line per attempt (newest first, as the API gives them). */
export function usageLines({ items, totals: t }: AttemptsPage): string[] {
  const cost = t.costUsd === null ? 'cost unknown' : `cost $${t.costUsd.toFixed(4)}`;
  const wall = t.wallMs === null ? 'wall time unknown' : `wall ${duration(t.wallMs)}`;
  const numberOf = new Map(items.map((a) => [a.id, a.attemptNumber]));
  return [
    `usage: ${plural(t.attempts, 'attempt')}, tokens in ${count(t.inputTokens)} / out ${count(t.outputTokens)} / cache read ${count(t.cacheReadTokens)} / cache write ${count(t.cacheWriteTokens)}, ` +
      `${cost}, ${plural(t.numTurns, 'turn')}, ${wall}, ${plural(t.permissionDenials, 'permission denial')}`,
    ...items.map((a) => {
      const from = a.resumedFromAttemptId ? numberOf.get(a.resumedFromAttemptId) : undefined;
      const session = a.resumedFromAttemptId ? `resumed from ${from ? `attempt ${from}` : a.resumedFromAttemptId}` : 'fresh';
      return `  attempt ${a.attemptNumber}: ${a.status}  ${a.agentType ?? 'no agent'}  ${session}${a.stage ? `  (${a.stage})` : ''}${a.limitedUntil ? `  limited until ${a.limitedUntil}` : ''}`;
    }),
  ];
}
