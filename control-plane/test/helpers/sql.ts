import { sql } from 'drizzle-orm';
import type { Database } from '../../src/db/types.ts';

/** Rows of a raw SQL query, on either engine (both drivers answer `{ rows }`). */
export async function queryRows<T = Record<string, unknown>>(database: Pick<Database, 'db'>, text: string): Promise<T[]> {
  const result = (await database.db.execute(sql.raw(text))) as unknown as { rows: T[] };
  return result.rows;
}

/** Row counts of some tables, to prove a rejected request wrote nothing. */
export async function countRows(database: Pick<Database, 'db'>, tables: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await queryRows<{ n: number }>(database, `SELECT count(*)::int AS n FROM "${table}"`);
    counts[table] = row!.n;
  }
  return counts;
}
