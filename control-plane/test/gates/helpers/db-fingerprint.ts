import type { TestDatabase } from '../../helpers/database.ts';
import { queryRows } from '../../helpers/sql.ts';

// Tables a refused request may legitimately touch: the key's last use, session bookkeeping,
// the realtime log, single-use tickets, and an Idempotency-Key's stored answer (a 4xx is replayed too).
const volatile = /^(api_keys|workstation_sessions|idempotency_keys|realtime_.*|drizzle_.*|__drizzle.*)$/;

/**
 * A digest of every table's rows (count + md5 of their text). Equal digests before and after a
 * refused request mean it wrote nothing: no half-written change.
 */
export async function createFingerprinter(db: TestDatabase) {
  const rows = await queryRows<{ tablename: string }>(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
  const tables = rows.map((r) => r.tablename).filter((t) => !volatile.test(t));
  const sql = tables
    .map((t) => `SELECT '${t}' AS t, count(*)::text || ':' || md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS d FROM "${t}" x`)
    .join(' UNION ALL ');
  return async (): Promise<Map<string, string>> => {
    const res = await queryRows<{ t: string; d: string }>(db, sql);
    return new Map(res.map((r) => [r.t, r.d]));
  };
}

/** The tables whose digest differs. */
export function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([t, d]) => before.get(t) !== d).map(([t]) => t);
}
