import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import pg from 'pg';
import { migratePgliteDb, migratePostgresDb } from './migrate.ts';
import { readTemplate } from './pglite-template.ts';
import * as schema from './schema/index.ts';
import type { Database, Db } from './types.ts';

// node-postgres returns int8 as strings; counts and sizes here fit in a JS number.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

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

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = options.databaseUrl ? await openPostgres(options) : await openPglite(options);
  return database;
}

async function openPostgres(options: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => {});
  if (options.migrate !== false) await migratePostgresDb(pool);
  return {
    db: drizzlePg(pool, { schema }) as unknown as Db,
    kind: 'postgres',
    exec: async (sql) => void (await pool.query(sql)),
    close: () => pool.end(),
  };
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  const dir = options.pgliteDir ?? 'memory://';
  const fresh = dir.startsWith('memory://') || !existsSync(dir) || readdirSync(dir).length === 0;
  if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
  const template = fresh ? (options.pgliteTemplate ?? readTemplate()) : undefined;
  const client = await PGlite.create(dir, template ? { loadDataDir: template } : {});
  if (options.migrate !== false) await migratePgliteDb(client);
  return {
    db: drizzlePglite(client, { schema }) as unknown as Db,
    kind: 'pglite',
    exec: async (sql) => void (await client.exec(sql)),
    close: () => client.close(),
  };
}
