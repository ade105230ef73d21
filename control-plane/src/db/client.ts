import { RemotePglite } from './pglite-remote.ts';
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
  /**
   * Run PGlite in a worker thread started from this module (src/pglite-worker.ts, or its bundle):
   * its ~1 s of WASM start-up then overlaps the HTTP app's build on another core instead of
   * taking turns with it on the main thread (npm start; #17's restart figure).
   */
  pgliteWorker?: URL;
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
  if (options.pgliteWorker) {
    // The thread first, so PostgreSQL starts while the drizzle and schema modules load here.
    const client = new RemotePglite(options.pgliteWorker, { dir: options.pgliteDir ?? 'memory://', migrate: options.migrate !== false });
    const { wrapPglite } = await import('./pglite-engine.ts');
    return { database: wrapPglite(client), ready: client.waitReady };
  }
  const { openPgliteDeferred } = await import('./pglite-engine.ts');
  return openPgliteDeferred({ dir: options.pgliteDir ?? 'memory://', template: options.pgliteTemplate, migrate: options.migrate !== false });
}
