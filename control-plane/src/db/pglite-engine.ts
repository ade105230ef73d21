import type { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { openPgliteClient, type PgliteOpenOptions } from './pglite-open.ts';
import type { RemotePglite } from './pglite-remote.ts';
import * as schema from './schema/index.ts';
import type { Database, Db } from './types.ts';

export async function openPglite(opts: PgliteOpenOptions): Promise<Database> {
  const { database, ready } = openPgliteDeferred(opts);
  await ready;
  return database;
}

/**
 * The database at once, usable when `ready` resolves (opened and migrated). PGlite queues queries
 * until it has started, so the caller can build everything that only holds the database (the HTTP
 * app) while PostgreSQL starts, and must await `ready` before the first query of its own.
 */
export function openPgliteDeferred(opts: PgliteOpenOptions): { database: Database; ready: Promise<void> } {
  const { client, ready } = openPgliteClient(opts);
  return { database: wrapPglite(client), ready };
}

/** The Database over a PGlite client, on this thread or in the database thread (RemotePglite). */
export function wrapPglite(client: PGlite | RemotePglite): Database {
  return {
    db: drizzle(client as PGlite, { schema }) as unknown as Db,
    kind: 'pglite',
    exec: async (sql) => void (await client.exec(sql)),
    listen: async (channel, onPayload) => {
      const unlisten = await client.listen(channel, onPayload);
      return async () => unlisten();
    },
    close: () => client.close(),
  };
}
