import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { migrationsFolder } from './migrations-dir.ts';

// Any constant works; it only has to be the same for every control-plane process.
const MIGRATION_LOCK_KEY = 7_878_001;

/** Applies pending migrations. Re-running is a no-op (drizzle records applied ones). */
export async function migratePgliteDb(client: PGlite): Promise<void> {
  const [{ drizzle }, { migrate }] = await Promise.all([import('drizzle-orm/pglite'), import('drizzle-orm/pglite/migrator')]);
  await migrate(drizzle(client), { migrationsFolder });
}

/**
 * On PostgreSQL several control-plane processes may start at once: an advisory lock held on
 * one connection makes them migrate one after another instead of racing on CREATE TABLE.
 */
export async function migratePostgresDb(pool: pg.Pool): Promise<void> {
  const [{ drizzle }, { migrate }] = await Promise.all([import('drizzle-orm/node-postgres'), import('drizzle-orm/node-postgres/migrator')]);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await migrate(drizzle(client), { migrationsFolder });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}
