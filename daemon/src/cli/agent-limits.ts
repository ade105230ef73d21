import { type Env, readConfigFile } from '../config.ts';
import { apiTarget, callFirstReachable } from './api-context.ts';

/** Per agent type: an ISO time while limited, null when not; absent when the control plane did not say. */
export type LimitState = { known: true; limitedUntil: Map<string, string | null> } | { known: false; reason: string };

/**
 * The usage-limit state the control plane holds for this workstation's agents (GET
 * /workstations/:id → agents[].limitedUntil). Needs `login` and `workstation register`; a control
 * plane that cannot be reached makes the state unknown, never a failed command: the list itself is
 * local.
 */
export async function fetchLimitState(env: Env, opts: { url?: string; apiKey?: string }): Promise<LimitState> {
  const file = readConfigFile(env.configPath);
  const { urls, key } = apiTarget(env, opts);
  if (!urls.length || !key || !file.workstationId) return { known: false, reason: 'not connected' };
  let workstation: { agents?: unknown };
  try {
    workstation = await callFirstReachable(urls, key, 'GET', `/api/v1/workstations/${file.workstationId}`, undefined, 5000);
  } catch (error) {
    return { known: false, reason: (error as Error).message };
  }
  const limitedUntil = new Map<string, string | null>();
  for (const a of Array.isArray(workstation?.agents) ? workstation.agents : []) {
    if (typeof a?.type !== 'string' || !('limitedUntil' in a)) continue;
    // Only a reset still ahead counts: a past one is a limit that has lifted.
    const until = typeof a.limitedUntil === 'string' && Date.parse(a.limitedUntil) > Date.now() ? a.limitedUntil : null;
    limitedUntil.set(a.type, until);
  }
  return { known: true, limitedUntil };
}

/** `limited until …`, `not limited`, or why it is unknown, for one agent. */
export function describeLimit(state: LimitState, type: string): { limitedUntil?: string | null; text: string } {
  if (!state.known) return { text: `limit state unknown (${state.reason})` };
  if (!state.limitedUntil.has(type)) return { text: 'limit state unknown (the control plane does not report it for this agent)' };
  const until = state.limitedUntil.get(type)!;
  return { limitedUntil: until, text: until ? `limited until ${until}` : 'not limited' };
}
