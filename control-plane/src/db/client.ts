import type { Database } from './types.ts';

export interface DatabaseOptions {
  /** postgres://… selects a PostgreSQL server; otherwise PGlite is used. */
  databaseUrl?: string;
  /** PGlite data dir, or 'memory://'. */
  pgliteDir?: string;
  /** Start an empty PGlite from this migrated tarball instead of running initdb. */
  pgliteTemplate?: Blob;
  poolSize?: number;
  migrate?: boolean;
}

/**
 * Opens (and by default migrates) the database. Each engine's driver is imported only when
 * used: loading both would cost start-up time for nothing.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const { openPostgres } = await import('./postgres-engine.ts');
    return openPostgres({ url: options.databaseUrl, poolSize: options.poolSize ?? 10, migrate: options.migrate !== false });
  }
  const { openPglite } = await import('./pglite-engine.ts');
  return openPglite({ dir: options.pgliteDir ?? 'memory://', template: options.pgliteTemplate, migrate: options.migrate !== false });
}

/**
 * Like openDatabase, but hands the database over before it is ready (PGlite: while PostgreSQL
 * starts in WASM), with `ready` to await before the first query. PostgreSQL opens as usual.
 */
export async function openDatabaseDeferred(options: DatabaseOptions): Promise<{ database: Database; ready: Promise<void> }> {
  if (options.databaseUrl) return { database: await openDatabase(options), ready: Promise.resolve() };
  const { openPgliteDeferred } = await import('./pglite-engine.ts');
  return openPgliteDeferred({ dir: options.pgliteDir ?? 'memory://', template: options.pgliteTemplate, migrate: options.migrate !== false });
}
