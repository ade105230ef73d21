import { sql, type SQL } from 'drizzle-orm';

/**
 * The database's clock: the one clock every control plane on this database shares. Stamps that
 * another instance compares (session heartbeats, a workstation's last sighting) and the cut-offs
 * compared against them are both read from it, in SQL, so a host whose clock is off (no NTP, a
 * VM resumed) cannot take another instance's live session or mission for gone.
 * (`now()` is the transaction's start: in a single-statement UPDATE, the statement's time.)
 */
export const dbNow = (): SQL => sql`now()`;

/** The database's time `ms` milliseconds ago (a cut-off such as "not vouched for since"). */
export const dbNowMinus = (ms: number): SQL => sql`(now() - ${ms}::float8 * interval '1 millisecond')`;

/** The database's time `ms` milliseconds from now (a lock or lease other instances test). */
export const dbNowPlus = (ms: number): SQL => sql`(now() + ${ms}::float8 * interval '1 millisecond')`;
