import type { SQL } from 'drizzle-orm';
import type { Config } from '../config.ts';
import { dbNowMinus } from '../db/db-clock.ts';
import type { SessionSettings } from './session.ts';

/** The default of SU_HEARTBEAT_INTERVAL_MS, for apps built without a parsed config (tests). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 15_000;

/**
 * An open session nobody has vouched for (heartbeat stamp) for this long is dead: the same
 * bound the daemon uses to give up on a silent control plane (3 heartbeat intervals).
 */
export const sessionStaleAfterMs = (heartbeatIntervalMs: number) => heartbeatIntervalMs * 3;

let liveWindowMs = sessionStaleAfterMs(DEFAULT_HEARTBEAT_INTERVAL_MS);
/**
 * The oldest heartbeat stamp a live session can have, as SQL on the database's clock (the one the
 * stamps are written with): for readers that hold no session hub (a mission's dispatch state, the
 * offline sweep). An open row stamped earlier belongs to a dead instance.
 */
export const sessionLiveSince = (): SQL => dbNowMinus(liveWindowMs);
/** The process's configured heartbeat (the session hub sets it when it starts). */
export function useHeartbeatInterval(heartbeatIntervalMs: number) {
  liveWindowMs = sessionStaleAfterMs(heartbeatIntervalMs);
}

/** Session timings from the parsed config (ms throughout). */
export function sessionSettingsFrom(config: Pick<Config, 'heartbeatIntervalMs'>): SessionSettings {
  return {
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    helloTimeoutMs: Math.max(10_000, config.heartbeatIntervalMs),
    ingestBatchSize: 500,
  };
}
