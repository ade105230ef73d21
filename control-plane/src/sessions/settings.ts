import type { Config } from '../config.ts';
import type { SessionSettings } from './session.ts';

/** Session timings from the parsed config (ms throughout). */
export function sessionSettingsFrom(config: Pick<Config, 'heartbeatIntervalMs'>): SessionSettings {
  return {
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    helloTimeoutMs: Math.max(10_000, config.heartbeatIntervalMs),
    ingestBatchSize: 500,
  };
}
