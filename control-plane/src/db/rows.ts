/** The rows of a raw `db.execute(sql…)`: node-postgres and PGlite both return { rows }, typed loosely. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  return (result as { rows: Record<string, unknown>[] }).rows;
}
