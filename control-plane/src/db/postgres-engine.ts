import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { migratePostgresDb } from './migrate.ts';
import * as schema from './schema/index.ts';
import type { Database, Db } from './types.ts';

// node-postgres returns int8 as strings; counts and sizes here fit in a JS number.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export async function openPostgres(opts: { url: string; poolSize: number; migrate: boolean }): Promise<Database> {
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => {});
  if (opts.migrate) await migratePostgresDb(pool);
  return {
    db: drizzle(pool, { schema }) as unknown as Db,
    kind: 'postgres',
    exec: async (sql) => void (await pool.query(sql)),
    close: () => pool.end(),
  };
}
