import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../src/db/client.ts';
import { migratePostgresDb } from '../../src/db/migrate.ts';
import { migrationsFingerprint } from '../../src/db/migrations-dir.ts';
import { buildTemplate, readTemplate } from '../../src/db/pglite-template.ts';
import type { Database } from '../../src/db/types.ts';

/** Set by .ci/run (and by you) to run the same suite on a real PostgreSQL server. */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL;
export const onPostgres = Boolean(testDatabaseUrl);

const TEMPLATE_LOCK_KEY = 7_878_002;

function withDatabase(url: string, name: string) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A migrated template database per migrations fingerprint, created once (under an advisory lock,
 * since test files run in parallel); every test database is a cheap copy of it.
 */
async function ensurePostgresTemplate(admin: pg.Client): Promise<string> {
  const template = `su_tpl_${migrationsFingerprint()}`;
  await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (!rowCount) {
      await admin.query(`CREATE DATABASE "${template}_build"`);
      const pool = new pg.Pool({ connectionString: withDatabase(testDatabaseUrl!, `${template}_build`), max: 1 });
      await migratePostgresDb(pool);
      await pool.end();
      // pool.end() resolves before the server has seen every disconnect; the rename needs none left.
      for (let attempt = 0; ; attempt++) {
        const { rowCount: busy } = await admin.query('SELECT 1 FROM pg_stat_activity WHERE datname = $1', [`${template}_build`]);
        if (!busy || attempt >= 100) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await admin.query(`ALTER DATABASE "${template}_build" RENAME TO "${template}"`);
    }
  } finally {
    await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]);
  }
  return template;
}

export interface TestDatabase extends Database {
  /** postgres:// URL of this test database (real PostgreSQL only), e.g. for a child process. */
  url?: string;
  /** Empties every table, keeping the schema. */
  truncate(): Promise<void>;
}

/** A fresh, migrated, private database for one test file: PGlite by default, PostgreSQL when asked. */
export async function createTestDatabase(opts: { poolSize?: number } = {}): Promise<TestDatabase> {
  let database: Database;
  let url: string | undefined;
  let drop = async () => {};
  if (testDatabaseUrl) {
    const admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    const template = await ensurePostgresTemplate(admin);
    const name = `su_test_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    url = withDatabase(testDatabaseUrl, name);
    database = await openDatabase({ databaseUrl: url, poolSize: opts.poolSize ?? 5 });
    drop = async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    };
  } else {
    const template = readTemplate() ?? (await buildTemplate(), readTemplate());
    // SU_TEST_PGLITE_THREAD=1: each test database in its own worker thread, as npm start runs it.
    if (process.env.SU_TEST_PGLITE_THREAD) {
      const { openDatabaseDeferred } = await import('../../src/db/client.ts');
      const opened = await openDatabaseDeferred({ pgliteDir: 'memory://', pgliteWorker: new URL('../../src/pglite-worker.ts', import.meta.url) });
      await opened.ready;
      database = opened.database;
    } else database = await openDatabase({ pgliteDir: 'memory://', pgliteTemplate: template });
  }
  return {
    ...database,
    url,
    async truncate() {
      await database.exec(`DO $$ DECLARE t text; BEGIN
        SELECT string_agg(format('%I', tablename), ', ') INTO t FROM pg_tables WHERE schemaname = 'public';
        EXECUTE 'TRUNCATE ' || t || ' CASCADE';
      END $$;`);
    },
    async close() {
      await database.close();
      await drop();
    },
  };
}
