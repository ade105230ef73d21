import { sqlState } from '../lib/safe-error.ts';

// SQLSTATE classes a retry may cure: connection (08), transaction rollback (40), resources (53),
// object state / lock not available (55), operator intervention (57), system errors (58).
const transientClasses = new Set(['08', '40', '53', '55', '57', '58']);
const transientNodeCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTCONN', 'EHOSTUNREACH']);

/**
 * Whether storing a frame failed for good: the same frame would fail again (a value PostgreSQL
 * refuses, a constraint, a program limit, a bug our code hits on this input). Such a frame is
 * quarantined instead of retried, so no frame can make a daemon resend it forever. Errors without
 * a SQLSTATE that are not our code's own (a lost connection, a closing database) count as
 * transient: the daemon reconnects and resends.
 */
export function isDefinitiveStoreError(err: unknown): boolean {
  const state = sqlState(err);
  if (state) return !transientClasses.has(state.slice(0, 2));
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && transientNodeCodes.has(code)) return false;
  return err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError;
}

/** What the timeline may say about a failure: a SQLSTATE or an error type, never the data. */
export function storeFailureReason(err: unknown): string {
  const state = sqlState(err);
  if (state) return `the database refused the frame (SQLSTATE ${state})`;
  return `the frame could not be processed (${err instanceof Error ? err.name : typeof err})`;
}
