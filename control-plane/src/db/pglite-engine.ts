import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migratePgliteDb } from './migrate.ts';
import { migrationsFingerprint } from './migrations-dir.ts';
import { readTemplate } from './pglite-template.ts';
import * as schema from './schema/index.ts';
import type { Database, Db } from './types.ts';

export async function openPglite(opts: { dir: string; template?: Blob; migrate: boolean }): Promise<Database> {
  const { database, ready } = openPgliteDeferred(opts);
  await ready;
  return database;
}

/**
 * The database at once, usable when `ready` resolves (opened and migrated). PGlite queues queries
 * until it has started, so the caller can build everything that only holds the database (the HTTP
 * app) while PostgreSQL starts in WASM — ~0.3 s of a restart — and must await `ready` before the
 * first query of its own.
 */
export function openPgliteDeferred(opts: { dir: string; template?: Blob; migrate: boolean }): { database: Database; ready: Promise<void> } {
  const inMemory = opts.dir.startsWith('memory://');
  const fresh = inMemory || !existsSync(opts.dir) || readdirSync(opts.dir).length === 0;
  if (!inMemory) mkdirSync(opts.dir, { recursive: true, mode: 0o700 }); // the database: owner only
  // A fresh data dir starts from the migrated snapshot (~1 s) instead of initdb (~4 s).
  const template = fresh ? (opts.template ?? readTemplate()) : undefined;
  const client = new PGlite(opts.dir, template ? { loadDataDir: template } : {});
  const ready = (async () => {
    await client.waitReady;
    if (!opts.migrate) return;
    // A restart on a data dir this exact migration set was applied to skips the migrator: it is
    // ~250 ms of a ~1 s restart. The marker is written only after a successful migration.
    const marker = inMemory ? undefined : join(opts.dir, 'su-migrations');
    const current = migrationsFingerprint();
    const applied = marker && existsSync(marker) ? readFileSync(marker, 'utf8').trim() : undefined;
    if (applied !== current) {
      await migratePgliteDb(client);
      if (marker) writeFileSync(marker, `${current}\n`);
    }
  })();
  ready.catch(() => {}); // the caller awaits it; no unhandled rejection meanwhile
  const database: Database = {
    db: drizzle(client, { schema }) as unknown as Db,
    kind: 'pglite',
    exec: async (sql) => void (await client.exec(sql)),
    listen: async (channel, onPayload) => {
      const unlisten = await client.listen(channel, onPayload);
      return async () => unlisten();
    },
    close: () => client.close(),
  };
  return { database, ready };
}
